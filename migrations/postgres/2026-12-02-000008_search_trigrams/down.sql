DROP INDEX IF EXISTS organization_domains_search;
DROP INDEX IF EXISTS organizations_search_description;
DROP INDEX IF EXISTS organizations_search_email;
DROP INDEX IF EXISTS organizations_search_website;
DROP INDEX IF EXISTS organizations_search_name;
