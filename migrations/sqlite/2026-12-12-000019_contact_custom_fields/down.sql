DROP TABLE contact_custom_values;
DELETE FROM custom_fields WHERE resource_type = 'contacts';
DROP INDEX custom_fields_identifier_unique;
CREATE UNIQUE INDEX custom_fields_identifier_unique ON custom_fields (identifier);
ALTER TABLE custom_fields DROP COLUMN resource_type;
