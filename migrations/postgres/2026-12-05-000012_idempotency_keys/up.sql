-- Idempotency-Key: the first answer to a POST sent with a key, replayed to its retries for a
-- day. One entry per (caller's API key, key); the primary key decides which of two racing
-- first requests runs. No foreign key to api_keys: an entry outlives nothing it matters to,
-- and pruning by age removes it.
CREATE TABLE idempotency_keys (
    api_key_id       TEXT COLLATE "C" NOT NULL,
    idempotency_key  TEXT COLLATE "C" NOT NULL,
    -- sha-256 of the first request's path, query and body (hex)
    fingerprint      TEXT COLLATE "C" NOT NULL,
    claimed_at       TIMESTAMP NOT NULL,
    -- until when a first request that has not answered holds the key
    lease_until      TIMESTAMP NOT NULL,
    -- the answer; NULL while the first request runs
    status           INTEGER,
    -- JSON: [[name, value], ...] of the headers that describe the body
    response_headers TEXT COLLATE "C",
    response_body    TEXT COLLATE "C",
    PRIMARY KEY (api_key_id, idempotency_key)
);
-- Pruning by age.
CREATE INDEX idempotency_keys_claimed_at ON idempotency_keys (claimed_at);
