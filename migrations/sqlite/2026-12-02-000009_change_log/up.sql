-- The change log: one immutable entry per committed write, appended in the write's
-- transaction. `sequence` is allocated from change_log.last_sequence by an UPDATE, which
-- holds the write lock until commit, so entries become visible in sequence order.
CREATE TABLE changes (
    sequence      BIGINT PRIMARY KEY NOT NULL,
    operation     TEXT NOT NULL CHECK (operation IN ('create', 'update', 'delete')),
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    changed_at    TIMESTAMP NOT NULL,
    -- no foreign key: entries outlive the users who wrote them
    actor_id      TEXT,
    -- JSON: {"attribute": {"from": ..., "to": ...}}
    diff          TEXT NOT NULL
);
-- A record's history (/organizations/{id}/changes, filter[resource_id]) and one type's feed.
CREATE INDEX changes_resource_id_sequence ON changes (resource_id, sequence);
CREATE INDEX changes_resource_type_sequence ON changes (resource_type, sequence);
-- Pruning by age.
CREATE INDEX changes_changed_at ON changes (changed_at);

CREATE TABLE change_log (
    id             INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    last_sequence  BIGINT NOT NULL,
    pruned_through BIGINT NOT NULL
);
INSERT INTO change_log (id, last_sequence, pruned_through) VALUES (1, 0, 0);

-- Each record's version (its ETag): the sequence of the write that last changed it; 0 for
-- records written before the log existed.
ALTER TABLE organizations ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE custom_fields ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
