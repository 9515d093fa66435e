-- Filters on country, city, industry and owner in the default order (oldest first): the
-- equality, the archive state and then the order in one index, so a page walks it and stops
-- after its rows, and the count is an index-only scan. PostgreSQL plans an index-only scan
-- of an expression index only when the index also holds the expression's column, hence
-- INCLUDE (country): without it every count fetched each match from the heap (100 to 200 ms
-- for one country in seven at 1,000,000 rows). They replace the narrower indexes on the same
-- leading columns, so writes and the import pay about what they paid.
DROP INDEX organizations_country;
DROP INDEX organizations_city;
DROP INDEX organizations_industry;
DROP INDEX organizations_owner_id;
CREATE INDEX organizations_country ON organizations (lower(country), archived_at, created_at, id) INCLUDE (country);
CREATE INDEX organizations_city ON organizations (lower(city), archived_at, created_at, id) INCLUDE (city);
CREATE INDEX organizations_industry ON organizations (lower(industry), archived_at, created_at, id) INCLUDE (industry);
CREATE INDEX organizations_owner ON organizations (owner_id, archived_at, created_at, id);
-- The sync query (`filter[updated_at][gt]`, live organizations) counts from this index alone.
CREATE INDEX organizations_live_updated_at_id ON organizations (updated_at, id) WHERE archived_at IS NULL;
