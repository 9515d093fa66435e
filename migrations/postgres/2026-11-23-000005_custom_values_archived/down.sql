DROP TRIGGER organizations_archive_values ON organizations;
DROP FUNCTION organization_values_follow_archive();
DROP INDEX organization_custom_values_text;
DROP INDEX organization_custom_values_number;
DROP INDEX organization_custom_values_datetime;
DROP INDEX organization_custom_values_boolean;
ALTER TABLE organization_custom_values DROP COLUMN organization_archived;
CREATE INDEX organization_custom_values_text ON organization_custom_values
    (field_id, text_key, organization_id) WHERE text_key IS NOT NULL;
CREATE INDEX organization_custom_values_number ON organization_custom_values
    (field_id, number_value, organization_id) WHERE number_value IS NOT NULL;
CREATE INDEX organization_custom_values_datetime ON organization_custom_values
    (field_id, datetime_value, organization_id) WHERE datetime_value IS NOT NULL;
CREATE INDEX organization_custom_values_boolean ON organization_custom_values
    (field_id, boolean_value, organization_id) WHERE boolean_value IS NOT NULL;
