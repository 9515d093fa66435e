DROP TABLE organization_counts;
DROP TABLE organization_domains;
DROP TABLE organization_lists;
DROP TABLE organizations;
DROP FUNCTION organizations_count_inserted;
DROP FUNCTION organizations_count_deleted;
DROP FUNCTION organizations_count_updated;
DROP FUNCTION organization_count_stripe;
