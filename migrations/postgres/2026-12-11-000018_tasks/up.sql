-- Tasks: things to do for an organization. The due day is stored as the midnight (UTC) it
-- is compared as. Neither key cascades: deleting an organization deletes its tasks itself
-- (each with its tombstone), and deleting a user unassigns their tasks first (each with an
-- update entry), in the same transactions.
CREATE TABLE tasks (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    organization_id TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
    title           TEXT COLLATE "C" NOT NULL,
    status          TEXT COLLATE "C" NOT NULL CHECK (status IN ('open', 'done')),
    due_on          TIMESTAMP,
    completed_at    TIMESTAMP,
    description     TEXT COLLATE "C",
    assignee_id     TEXT COLLATE "C" REFERENCES users (id),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    version         BIGINT NOT NULL
);
CREATE INDEX tasks_organization_created_at_id ON tasks (organization_id, created_at, id);
CREATE INDEX tasks_assignee_id ON tasks (assignee_id);
CREATE INDEX tasks_created_at_id ON tasks (created_at, id);
CREATE INDEX tasks_updated_at_id ON tasks (updated_at, id);
