-- Projects: work an organization is part of. Their days are stored as the midnight (UTC)
-- they are compared as, like custom date values, so one comparison serves filters and
-- cursors. The organization's key does not cascade: deleting an organization deletes its
-- projects itself, in the same transaction, writing each one's tombstone.
CREATE TABLE projects (
    id              TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    name            TEXT NOT NULL,
    -- trimmed, lower-cased name: what lists compare and sort by
    name_key        TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('planned', 'active', 'completed', 'cancelled')),
    starts_on       TIMESTAMP,
    ends_on         TIMESTAMP,
    description     TEXT,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    version         BIGINT NOT NULL,
    CHECK (ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX projects_organization_created_at_id ON projects (organization_id, created_at, id);
CREATE INDEX projects_created_at_id ON projects (created_at, id);
CREATE INDEX projects_updated_at_id ON projects (updated_at, id);
