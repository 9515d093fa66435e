CREATE TABLE changes_old (
    id            BIGINT PRIMARY KEY NOT NULL,
    sequence      BIGINT UNIQUE,
    operation     TEXT NOT NULL CHECK (operation IN ('create', 'update', 'delete')),
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    changed_at    TIMESTAMP NOT NULL,
    actor_id      TEXT,
    diff          TEXT NOT NULL
);
INSERT INTO changes_old (id, sequence, operation, resource_type, resource_id, changed_at, actor_id, diff)
    SELECT id, sequence, operation, resource_type, resource_id, changed_at, actor_id, diff FROM changes;
DROP TABLE changes;
ALTER TABLE changes_old RENAME TO changes;
CREATE INDEX changes_resource_id_sequence ON changes (resource_id, sequence);
CREATE INDEX changes_resource_type_sequence ON changes (resource_type, sequence);
CREATE INDEX changes_changed_at ON changes (changed_at);
