DROP INDEX organizations_owner;
DROP INDEX organizations_industry;
DROP INDEX organizations_city;
DROP INDEX organizations_country;
CREATE INDEX organizations_country ON organizations (lower(country), archived_at, created_at);
CREATE INDEX organizations_city ON organizations (lower(city), archived_at, created_at);
CREATE INDEX organizations_industry ON organizations (lower(industry), archived_at, created_at);
CREATE INDEX organizations_owner ON organizations (owner_id, archived_at, created_at);
DROP INDEX organizations_company_size_id;
