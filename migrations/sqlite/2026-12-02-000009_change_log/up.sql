-- The change log: one immutable entry per committed write, inserted in the write's own
-- transaction. SQLite has one writer at a time, which holds the write lock until it commits,
-- so a writer numbers its entries itself from change_log.last_sequence: they become visible
-- in sequence order, and a reader paging by sequence skips none. (The columns are those of
-- PostgreSQL's table, which numbers entries after their transactions commit; here `id` is
-- the sequence.)
CREATE TABLE changes (
    id            BIGINT PRIMARY KEY NOT NULL,
    sequence      BIGINT UNIQUE,
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
    -- the last sequence given to an entry or a record version
    last_sequence  BIGINT NOT NULL,
    pruned_through BIGINT NOT NULL
);
INSERT INTO change_log (id, last_sequence, pruned_through) VALUES (1, 0, 0);

-- Each record's version (its ETag): a number taken from change_log.last_sequence by every
-- write that changes the record, so it only grows; 0 for records written before the log.
ALTER TABLE organizations ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE custom_fields ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
