-- Webhooks: an organisation's subscriptions to its feed's events, delivered by POST with a
-- signature. A subscription belongs to an account, a dealer or (neither) the manufacturer and
-- sees what its creator's current role there sees; the feed position (an event's
-- seq) its fan-out has reached (`feed_cursor`).
CREATE TABLE webhooks (
    id              TEXT PRIMARY KEY,
    account_id      TEXT NULL REFERENCES accounts (id),
    dealer_id       TEXT NULL REFERENCES dealers (id),
    url             TEXT NOT NULL,
    description     TEXT NOT NULL,
    -- Space-separated event kinds.
    event_kinds     TEXT NOT NULL,
    created_by      TEXT NOT NULL REFERENCES users (id),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    active          BOOLEAN NOT NULL,
    -- Why it was disabled (deliveries failing for the whole retry window), if it was.
    disabled_reason TEXT NULL,
    feed_cursor     BIGINT NOT NULL,
    -- Deliveries made so far: the next one's `position`.
    deliveries_made BIGINT NOT NULL,
    CHECK (account_id IS NULL OR dealer_id IS NULL)
);
CREATE INDEX webhooks_account ON webhooks (account_id, id);
CREATE INDEX webhooks_dealer ON webhooks (dealer_id, id);

-- Signing secrets. They sign, so they are kept as they are; a rotation gives the replaced
-- ones an expiry (the overlap in which deliveries carry both signatures).
CREATE TABLE webhook_secrets (
    id          TEXT PRIMARY KEY,
    webhook_id  TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    secret      TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NULL
);
CREATE INDEX webhook_secrets_webhook ON webhook_secrets (webhook_id);

-- One event (or a ping) to deliver to one subscription; its id is `Fleetdesk-Delivery`.
-- `position` is its place in the subscription's order (the feed's); `status`: pending,
-- delivered or failed (given up). A server process that attempts it holds
-- it by `lease_until`, so no two attempt it at once.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    webhook_id      TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_seq       BIGINT NULL,
    position        BIGINT NOT NULL,
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_until     TIMESTAMP NULL,
    created_at      TIMESTAMP NOT NULL,
    delivered_at    TIMESTAMP NULL,
    UNIQUE (webhook_id, event_seq)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (webhook_id, status, position);
CREATE INDEX webhook_deliveries_recent ON webhook_deliveries (webhook_id, created_at);

-- Every attempt of a delivery: when, the answer's status, how long it took, what went wrong.
CREATE TABLE webhook_attempts (
    id              TEXT PRIMARY KEY,
    delivery_id     TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at    TIMESTAMP NOT NULL,
    response_status INTEGER NULL,
    latency_ms      BIGINT NOT NULL,
    error           TEXT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempted_at);
