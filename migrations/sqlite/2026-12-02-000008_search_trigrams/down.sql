DROP TRIGGER organizations_unsearchable;
DROP TRIGGER organizations_search_changed;
DROP TRIGGER organizations_searchable;
DROP TABLE organization_search_index;
DROP TABLE organization_search;
