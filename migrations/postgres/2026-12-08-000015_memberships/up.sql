-- Memberships: one contact in one organization, with a role. The pair is unique, decided by
-- the index, so racing adds of one contact to one organization make one row. The foreign keys
-- do not cascade: deleting an organization or a contact deletes its memberships itself, in
-- the same transaction, writing each one's tombstone to the change log; the keys make a
-- deletion that forgot them fail instead of leaving rows behind.
CREATE TABLE memberships (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    organization_id TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
    contact_id      TEXT COLLATE "C" NOT NULL REFERENCES contacts (id),
    role            TEXT COLLATE "C" NOT NULL CHECK (role IN ('primary_contact', 'decision_maker',
                        'billing', 'technical', 'member')),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    version         BIGINT NOT NULL
);
CREATE UNIQUE INDEX memberships_organization_contact_unique
    ON memberships (organization_id, contact_id);
-- A contact's memberships (and the cascade of deleting the contact).
CREATE INDEX memberships_contact_id ON memberships (contact_id, organization_id);
-- The default order and the sync order, ending with the id (the tie-break).
CREATE INDEX memberships_created_at_id ON memberships (created_at, id);
CREATE INDEX memberships_updated_at_id ON memberships (updated_at, id);
