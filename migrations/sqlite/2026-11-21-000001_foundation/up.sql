-- fleetdesk foundation: users and sign-in, accounts and sites, memberships, the event feed,
-- idempotency keys. Instants are UTC in TIMESTAMP columns, microsecond precision.

CREATE TABLE users (
    id                 TEXT PRIMARY KEY,
    email              TEXT NOT NULL UNIQUE,
    password_hash      TEXT NOT NULL,
    display_name       TEXT NOT NULL,
    staff_role         TEXT NULL CHECK (staff_role IN ('customer-service', 'call-center', 'dispatch-planner', 'technician', 'warranty-admin')),
    email_confirmed_at TIMESTAMP NULL,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);

CREATE TABLE refresh_tokens (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id   TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    issued_at   TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    used_at     TIMESTAMP NULL,
    revoked_at  TIMESTAMP NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

CREATE TABLE accounts (
    id                      TEXT PRIMARY KEY,
    customer_account_number TEXT NOT NULL UNIQUE,
    system_account_number   TEXT NOT NULL UNIQUE,
    name                    TEXT NOT NULL,
    credit_rating           TEXT NULL CHECK (credit_rating IN ('excellent', 'good', 'fair', 'poor', 'blocked')),
    payment_history         TEXT NOT NULL DEFAULT '[]',
    created_at              TIMESTAMP NOT NULL,
    updated_at              TIMESTAMP NOT NULL
);

CREATE TABLE sites (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (id),
    name          TEXT NOT NULL,
    address_line1 TEXT NOT NULL,
    address_line2 TEXT NULL,
    postal_code   TEXT NOT NULL,
    city          TEXT NOT NULL,
    country       TEXT NOT NULL,
    time_zone     TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    UNIQUE (account_id, name)
);

CREATE TABLE memberships (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    role       TEXT NOT NULL CHECK (role IN ('administrator', 'device-manager', 'stock-manager', 'device-and-stock-manager', 'knowledge-user')),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

-- The event feed. `seq` orders it; SQLite serialises writers (BEGIN IMMEDIATE),
-- so sequence order is commit order and a reader paging with ?after= never skips an event.
CREATE TABLE events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    account_id   TEXT NULL,
    subject_type TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    actor_id     TEXT NULL,
    -- Staff-only events (credit data, internal notes) never reach a customer's feed.
    staff_only   BOOLEAN NOT NULL DEFAULT FALSE,
    payload      TEXT NOT NULL,
    occurred_at  TIMESTAMP NOT NULL
);
CREATE INDEX events_account_seq ON events (account_id, seq);

-- A creating POST's Idempotency-Key: pending while `status` is NULL, then the stored response.
CREATE TABLE idempotency_keys (
    principal     TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        INTEGER NULL,
    content_type  TEXT NULL,
    location      TEXT NULL,
    body          TEXT NULL,
    created_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (principal, key)
);
