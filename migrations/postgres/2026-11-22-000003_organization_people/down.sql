ALTER TABLE organizations DROP COLUMN updater_id;
ALTER TABLE organizations DROP COLUMN creator_id;
ALTER TABLE organizations DROP COLUMN owner_id;
