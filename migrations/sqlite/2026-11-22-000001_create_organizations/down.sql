DROP TABLE organization_counts;
DROP TABLE organization_domains;
DROP TABLE organization_lists;
DROP TABLE organizations;
