ALTER TABLE custom_fields DROP COLUMN version;
ALTER TABLE api_keys DROP COLUMN version;
ALTER TABLE users DROP COLUMN version;
ALTER TABLE organizations DROP COLUMN version;
DROP SEQUENCE record_versions;
DROP TABLE change_log;
DROP TABLE changes;
