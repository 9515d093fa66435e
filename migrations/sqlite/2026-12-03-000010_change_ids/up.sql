-- `id BIGINT PRIMARY KEY` is not SQLite's rowid, so every entry went into one more b-tree
-- (the rowid table and a separate primary-key index). `INTEGER PRIMARY KEY` makes `id` the
-- rowid itself. SQLite cannot change a primary key in place: the table is rebuilt.
CREATE TABLE changes_new (
    id            INTEGER PRIMARY KEY NOT NULL,
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
INSERT INTO changes_new (id, sequence, operation, resource_type, resource_id, changed_at, actor_id, diff)
    SELECT id, sequence, operation, resource_type, resource_id, changed_at, actor_id, diff FROM changes;
DROP TABLE changes;
ALTER TABLE changes_new RENAME TO changes;
CREATE INDEX changes_resource_id_sequence ON changes (resource_id, sequence);
CREATE INDEX changes_resource_type_sequence ON changes (resource_type, sequence);
CREATE INDEX changes_changed_at ON changes (changed_at);
