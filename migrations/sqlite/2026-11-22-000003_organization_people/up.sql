-- The people behind an organization. An owner must exist (deleting a user who owns
-- organizations is refused unless they are reassigned); creator and updater are history, so
-- deleting their user only forgets them.
ALTER TABLE organizations ADD COLUMN owner_id TEXT REFERENCES users (id);
ALTER TABLE organizations ADD COLUMN creator_id TEXT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE organizations ADD COLUMN updater_id TEXT REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX organizations_owner_id ON organizations (owner_id);
CREATE INDEX organizations_creator_id ON organizations (creator_id);
CREATE INDEX organizations_updater_id ON organizations (updater_id);
