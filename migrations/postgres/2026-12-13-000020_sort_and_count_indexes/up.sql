-- Sorting by company size, either way: the holders of a size are read along this index (the
-- organizations without one come after them, read apart; docs/design.md, *Sorting*), and the
-- planner tests a dense filter row by row along it instead of sorting the filter's matches.
CREATE INDEX organizations_company_size_id ON organizations (company_size, id);
-- The status joins what the filter indexes carry, so that a count of a filter with
-- `filter[status]` is an index-only scan too.
DROP INDEX organizations_country;
DROP INDEX organizations_city;
DROP INDEX organizations_industry;
DROP INDEX organizations_owner;
CREATE INDEX organizations_country ON organizations (lower(country), archived_at, created_at) INCLUDE (country, status);
CREATE INDEX organizations_city ON organizations (lower(city), archived_at, created_at) INCLUDE (city, status);
CREATE INDEX organizations_industry ON organizations (lower(industry), archived_at, created_at) INCLUDE (industry, status);
CREATE INDEX organizations_owner ON organizations (owner_id, archived_at, created_at) INCLUDE (status);
