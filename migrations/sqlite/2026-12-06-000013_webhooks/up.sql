-- Webhooks: where to deliver change log entries, which ones, the signing secret, and how far
-- deliveries have got. The delivery columns are bookkeeping the delivery worker writes (no
-- change log entry, no new version); the rest is configuration, logged as any record is.
CREATE TABLE webhooks (
    id                      TEXT PRIMARY KEY NOT NULL,
    url                     TEXT NOT NULL,
    description             TEXT,
    -- JSON: ["organizations.created", ...] or ["*"]
    events                  TEXT NOT NULL,
    active                  BOOLEAN NOT NULL,
    -- whsec_ and base64; shown once, in the answer that creates the webhook
    secret                  TEXT NOT NULL,
    -- the secret a rotation replaced, which signs beside the new one until previous_until
    previous_secret         TEXT,
    previous_until          TIMESTAMP,
    created_at              TIMESTAMP NOT NULL,
    updated_at              TIMESTAMP NOT NULL,
    version                 BIGINT NOT NULL,
    last_delivered_sequence BIGINT NOT NULL,
    last_success_at         TIMESTAMP,
    last_failure_at         TIMESTAMP,
    consecutive_failures    INTEGER NOT NULL DEFAULT 0,
    failing_since           TIMESTAMP,
    next_attempt_at         TIMESTAMP,
    disabled_reason         TEXT,
    -- the server instance delivering it, until when (several instances share one database)
    lease_owner             TEXT,
    lease_until             TIMESTAMP
);
-- The list's order (oldest first, then id).
CREATE INDEX webhooks_created_at_id ON webhooks (created_at, id);

-- The deliveries log: every attempt, kept 30 days (pruned by the retention thread).
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY NOT NULL,
    webhook_id      TEXT NOT NULL,
    sequence        BIGINT NOT NULL,
    event_type      TEXT NOT NULL,
    attempt         INTEGER NOT NULL,
    status_code     INTEGER,
    duration_ms     BIGINT NOT NULL,
    error           TEXT,
    delivered_at    TIMESTAMP NOT NULL,
    next_attempt_at TIMESTAMP
);
-- A webhook's attempts in the list's order; pruning by age.
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, delivered_at, id);
CREATE INDEX webhook_deliveries_delivered_at ON webhook_deliveries (delivered_at);
