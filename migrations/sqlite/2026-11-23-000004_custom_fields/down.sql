DROP INDEX organizations_live_id;
DROP TABLE organization_custom_values;
DROP TABLE custom_fields;
