DROP INDEX organizations_updater_id;
DROP INDEX organizations_creator_id;
DROP INDEX organizations_owner_id;
ALTER TABLE organizations DROP COLUMN updater_id;
ALTER TABLE organizations DROP COLUMN creator_id;
ALTER TABLE organizations DROP COLUMN owner_id;
