DROP TABLE organization_domains;
DROP TABLE organization_lists;
DROP TABLE organizations;
