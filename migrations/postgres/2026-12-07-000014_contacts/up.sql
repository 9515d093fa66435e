-- Contacts: the people at organizations. The e-mail key (trimmed, lower-cased by orgbase) is
-- unique when present, decided by the index, so racing creates of one address make one
-- contact. An owner must exist (deleting a user who owns contacts is refused unless they are
-- reassigned, as for organizations); creator and updater are history, forgotten with their
-- user.
CREATE TABLE contacts (
    id         TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    name       TEXT COLLATE "C" NOT NULL,
    -- trimmed, lower-cased name: what lists compare and sort by
    name_key   TEXT COLLATE "C" NOT NULL,
    email      TEXT COLLATE "C",
    email_key  TEXT COLLATE "C",
    phone      TEXT COLLATE "C",
    title      TEXT COLLATE "C",
    notes      TEXT COLLATE "C",
    owner_id   TEXT COLLATE "C" REFERENCES users (id),
    creator_id TEXT COLLATE "C" REFERENCES users (id) ON DELETE SET NULL,
    updater_id TEXT COLLATE "C" REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version    BIGINT NOT NULL
);
CREATE UNIQUE INDEX contacts_email_key_unique ON contacts (email_key);
-- The default order, the sync order and the name order, each ending with the id (the
-- tie-break), so pages by number and by cursor walk an index.
CREATE INDEX contacts_created_at_id ON contacts (created_at, id);
CREATE INDEX contacts_updated_at_id ON contacts (updated_at, id);
CREATE INDEX contacts_name_key_id ON contacts (name_key, id);
CREATE INDEX contacts_owner_id ON contacts (owner_id);
CREATE INDEX contacts_creator_id ON contacts (creator_id);
CREATE INDEX contacts_updater_id ON contacts (updater_id);
