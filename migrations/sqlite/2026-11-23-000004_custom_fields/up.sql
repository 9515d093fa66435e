-- Custom fields. Values live in a side table, one row per organization, field and position
-- (0, or the element's index in a multi-select), with the value in the column of its format:
-- numbers compare as numbers and instants as instants on every backend, with no JSON
-- operators (which differ between SQLite, PostgreSQL and MySQL). Text values keep the
-- client's spelling in text_value; text_key is its ASCII-lower-cased form that filters and
-- sorts use, as for the built-in attributes.
CREATE TABLE custom_fields (
    id         TEXT PRIMARY KEY,
    identifier TEXT NOT NULL,
    name       TEXT NOT NULL,
    format     TEXT NOT NULL CHECK (format IN ('text', 'number', 'boolean', 'date',
                   'datetime', 'url', 'email', 'select', 'multi_select')),
    -- JSON array of strings; empty unless the format is select or multi_select
    options    TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX custom_fields_identifier_unique ON custom_fields (identifier);

CREATE TABLE organization_custom_values (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    field_id        TEXT NOT NULL REFERENCES custom_fields (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    text_value      TEXT,
    text_key        TEXT,
    number_value    REAL,
    datetime_value  TIMESTAMP,
    boolean_value   BOOLEAN,
    PRIMARY KEY (organization_id, field_id, position)
);
-- One index per value column, led by the field and ending in the organization (so a sort by
-- value is broken by id from the index). Each row has one value column set, so partial
-- indexes hold only the rows they serve.
CREATE INDEX organization_custom_values_text ON organization_custom_values
    (field_id, text_key, organization_id) WHERE text_key IS NOT NULL;
CREATE INDEX organization_custom_values_number ON organization_custom_values
    (field_id, number_value, organization_id) WHERE number_value IS NOT NULL;
CREATE INDEX organization_custom_values_datetime ON organization_custom_values
    (field_id, datetime_value, organization_id) WHERE datetime_value IS NOT NULL;
CREATE INDEX organization_custom_values_boolean ON organization_custom_values
    (field_id, boolean_value, organization_id) WHERE boolean_value IS NOT NULL;
