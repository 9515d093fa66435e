-- Custom fields for contacts. A field names the resource type whose attribute it is, fixed at
-- creation; identifiers are unique within a type (`c_tier` may exist on both). Contacts'
-- values live in their own table, shaped as organizations' are (one row per contact, field
-- and position, the value in the column of its format) but without the archived copy, since
-- contacts are not archived.
ALTER TABLE custom_fields ADD COLUMN resource_type TEXT COLLATE "C" NOT NULL DEFAULT 'organizations'
    CHECK (resource_type IN ('organizations', 'contacts'));
DROP INDEX custom_fields_identifier_unique;
CREATE UNIQUE INDEX custom_fields_identifier_unique ON custom_fields (resource_type, identifier);

CREATE TABLE contact_custom_values (
    contact_id     TEXT COLLATE "C" NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    field_id       TEXT COLLATE "C" NOT NULL REFERENCES custom_fields (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    text_value     TEXT COLLATE "C",
    text_key       TEXT COLLATE "C",
    number_value   DOUBLE PRECISION,
    datetime_value TIMESTAMP,
    boolean_value  BOOLEAN,
    unique_value   BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (contact_id, field_id, position)
);
-- Led by the field and ending in the contact, as organizations' value indexes are: a filter
-- on a value is one index range.
CREATE INDEX contact_custom_values_text ON contact_custom_values
    (field_id, text_key, contact_id) WHERE text_key IS NOT NULL;
CREATE INDEX contact_custom_values_number ON contact_custom_values
    (field_id, number_value, contact_id) WHERE number_value IS NOT NULL;
CREATE INDEX contact_custom_values_datetime ON contact_custom_values
    (field_id, datetime_value, contact_id) WHERE datetime_value IS NOT NULL;
CREATE INDEX contact_custom_values_boolean ON contact_custom_values
    (field_id, boolean_value, contact_id) WHERE boolean_value IS NOT NULL;
CREATE UNIQUE INDEX contact_custom_values_unique_text ON contact_custom_values
    (field_id, text_key) WHERE unique_value AND text_key IS NOT NULL;
CREATE UNIQUE INDEX contact_custom_values_unique_number ON contact_custom_values
    (field_id, number_value) WHERE unique_value AND number_value IS NOT NULL;
