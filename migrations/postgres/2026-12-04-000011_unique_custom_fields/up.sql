-- Unique custom fields: an external system's id to upsert by. Each value row copies whether
-- its field is unique (set when written, rewritten when the field changes), so partial unique
-- indexes decide collisions inside the writing transaction: racing writers cannot both win.
-- Text keys are already lower-cased, so text, email and url values collide ignoring case.
ALTER TABLE custom_fields ADD COLUMN is_unique BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE organization_custom_values ADD COLUMN unique_value BOOLEAN NOT NULL DEFAULT FALSE;
CREATE UNIQUE INDEX organization_custom_values_unique_text ON organization_custom_values
    (field_id, text_key) WHERE unique_value AND text_key IS NOT NULL;
CREATE UNIQUE INDEX organization_custom_values_unique_number ON organization_custom_values
    (field_id, number_value) WHERE unique_value AND number_value IS NOT NULL;
