-- Filters on country, city, industry and owner in the default order (oldest first): the
-- equality, the archive state and then the order in one index, so a page walks it and stops
-- after its rows instead of sorting every match, and the count reads the index alone. They
-- replace the narrower indexes on the same leading columns: still one index per attribute.
-- The id that breaks ties is left out: with it (a 36-character text) the four indexes cost
-- the plain import a fifth of its speed (about 23,000 → 19,000 rows/s on both backends);
-- without it, 22,400 → 20,200 on SQLite and no loss on PostgreSQL. Ties of created_at (an
-- import batch shares one) are then ordered by id as they are met: a sort of the tie only.
DROP INDEX organizations_country;
DROP INDEX organizations_city;
DROP INDEX organizations_industry;
DROP INDEX organizations_owner_id;
CREATE INDEX organizations_country ON organizations (lower(country), archived_at, created_at);
CREATE INDEX organizations_city ON organizations (lower(city), archived_at, created_at);
CREATE INDEX organizations_industry ON organizations (lower(industry), archived_at, created_at);
CREATE INDEX organizations_owner ON organizations (owner_id, archived_at, created_at);
-- The sync query (`filter[updated_at][gt]`, live organizations) counts from this index alone,
-- as the default list does from organizations_live_created_at_id.
CREATE INDEX organizations_live_updated_at_id ON organizations (updated_at, id) WHERE archived_at IS NULL;
