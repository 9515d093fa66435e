-- Documents: the record of a file an organization has (orgbase stores the record, not the
-- file). The organization's key does not cascade: deleting an organization deletes its
-- documents itself, in the same transaction, writing each one's tombstone.
CREATE TABLE documents (
    id              TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    title           TEXT NOT NULL,
    url             TEXT,
    content_type    TEXT,
    size_bytes      BIGINT,
    description     TEXT,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    version         BIGINT NOT NULL
);
-- An organization's documents in the default order; and the sync order.
CREATE INDEX documents_organization_created_at_id ON documents (organization_id, created_at, id);
CREATE INDEX documents_created_at_id ON documents (created_at, id);
CREATE INDEX documents_updated_at_id ON documents (updated_at, id);
