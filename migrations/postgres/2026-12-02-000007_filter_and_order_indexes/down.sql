DROP INDEX organizations_live_updated_at_id;
DROP INDEX organizations_owner;
DROP INDEX organizations_industry;
DROP INDEX organizations_city;
DROP INDEX organizations_country;
CREATE INDEX organizations_owner_id ON organizations (owner_id);
CREATE INDEX organizations_country ON organizations (lower(country), archived_at);
CREATE INDEX organizations_city ON organizations (lower(city), archived_at);
CREATE INDEX organizations_industry ON organizations (lower(industry), archived_at);
