DROP INDEX organizations_industry;
DROP INDEX organizations_city;
DROP INDEX organizations_country;
