DROP INDEX organization_custom_values_unique_number;
DROP INDEX organization_custom_values_unique_text;
ALTER TABLE organization_custom_values DROP COLUMN unique_value;
ALTER TABLE custom_fields DROP COLUMN is_unique;
