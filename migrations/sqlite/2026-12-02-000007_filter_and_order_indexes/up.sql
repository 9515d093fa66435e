-- Filters on country, city, industry and owner in the default order (oldest first): the
-- equality, the archive state and then the order in one index, so a page walks it and stops
-- after its rows instead of sorting every match, and the count reads the index alone. They
-- replace the narrower indexes on the same leading columns: still one index per attribute,
-- so writes and the import pay what they paid.
DROP INDEX organizations_country;
DROP INDEX organizations_city;
DROP INDEX organizations_industry;
DROP INDEX organizations_owner_id;
CREATE INDEX organizations_country ON organizations (lower(country), archived_at, created_at, id);
CREATE INDEX organizations_city ON organizations (lower(city), archived_at, created_at, id);
CREATE INDEX organizations_industry ON organizations (lower(industry), archived_at, created_at, id);
CREATE INDEX organizations_owner ON organizations (owner_id, archived_at, created_at, id);
-- The sync query (`filter[updated_at][gt]`, live organizations) counts from this index alone,
-- as the default list does from organizations_live_created_at_id.
CREATE INDEX organizations_live_updated_at_id ON organizations (updated_at, id) WHERE archived_at IS NULL;
