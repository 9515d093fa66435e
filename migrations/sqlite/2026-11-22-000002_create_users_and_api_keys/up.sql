-- Users and their API keys. Secrets are never stored: only a SHA-256 hash beside a short
-- public prefix that finds the candidate keys for a presented secret.
CREATE TABLE users (
    id         TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    email      TEXT NOT NULL,
    -- trimmed, lower-cased e-mail: the UNIQUE index below makes addresses unique ignoring case
    email_key  TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX users_email_key_unique ON users (email_key);
CREATE INDEX users_created_at_id ON users (created_at, id);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    secret_hash  TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP
);
CREATE INDEX api_keys_prefix ON api_keys (prefix);
CREATE INDEX api_keys_user_created_at_id ON api_keys (user_id, created_at, id);
CREATE INDEX api_keys_created_at_id ON api_keys (created_at, id);
