DROP INDEX IF EXISTS organization_domains_search;
DROP INDEX IF EXISTS organizations_searched_text;
