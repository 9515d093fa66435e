DROP TABLE organization_custom_values;
DROP TABLE custom_fields;
