-- The change log: one immutable entry per committed write, inserted in the write's own
-- transaction. Writers do not number entries (that would serialize their commits): an entry
-- is inserted with `sequence` NULL and numbered after its transaction committed, by one
-- numbering transaction at a time (under an advisory lock) that numbers every committed
-- entry it sees, in insertion order. The feed shows numbered entries only, so they become
-- visible in sequence order and a reader paging by sequence skips none.
CREATE TABLE changes (
    id            BIGSERIAL PRIMARY KEY,
    -- the feed's order; NULL until numbered
    sequence      BIGINT UNIQUE,
    operation     TEXT COLLATE "C" NOT NULL CHECK (operation IN ('create', 'update', 'delete')),
    resource_type TEXT COLLATE "C" NOT NULL,
    resource_id   TEXT COLLATE "C" NOT NULL,
    changed_at    TIMESTAMP NOT NULL,
    -- no foreign key: entries outlive the users who wrote them
    actor_id      TEXT COLLATE "C",
    -- JSON: {"attribute": {"from": ..., "to": ...}}
    diff          TEXT COLLATE "C" NOT NULL
);
-- What is waiting to be numbered, in the order it will be.
CREATE INDEX changes_pending ON changes (id) WHERE sequence IS NULL;
-- A record's history (/organizations/{id}/changes, filter[resource_id]) and one type's feed.
CREATE INDEX changes_resource_id_sequence ON changes (resource_id, sequence);
CREATE INDEX changes_resource_type_sequence ON changes (resource_type, sequence);
-- Pruning by age.
CREATE INDEX changes_changed_at ON changes (changed_at);

CREATE TABLE change_log (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    -- the last sequence given to an entry
    last_sequence  BIGINT NOT NULL,
    pruned_through BIGINT NOT NULL
);
INSERT INTO change_log (id, last_sequence, pruned_through) VALUES (1, 0, 0);

-- Each record's version (its ETag): a number taken from this sequence by every write that
-- changes the record, so it only grows; 0 for records written before the log existed.
CREATE SEQUENCE record_versions;
ALTER TABLE organizations ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE custom_fields ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
