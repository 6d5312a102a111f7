-- Identity: dealer organisations and roles, e-mail confirmation tokens, the mail outbox,
-- invitations, join requests, and login throttling.

CREATE TABLE dealers (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

ALTER TABLE users ADD COLUMN dealer_id TEXT NULL REFERENCES dealers (id);
ALTER TABLE users ADD COLUMN dealer_role TEXT NULL CHECK (dealer_role IN ('dealer-admin', 'dealer-technician'));

-- Single-use, expiring tokens mailed to an address; stored hashed.
CREATE TABLE email_tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('confirm-email')),
    email      TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP NULL
);
CREATE INDEX email_tokens_user ON email_tokens (user_id);

-- Every mail is written here in the transaction of the change that caused it; the sender
-- claims due rows under a lease, so several processes never send one mail at the same time.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until    TIMESTAMP NULL,
    sent_at         TIMESTAMP NULL,
    last_error      TEXT NULL
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL;

CREATE TABLE invitations (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    email       TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('administrator', 'device-manager', 'stock-manager', 'device-and-stock-manager', 'knowledge-user')),
    token_hash  TEXT NOT NULL UNIQUE,
    invited_by  TEXT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP NULL,
    accepted_by TEXT NULL REFERENCES users (id),
    revoked_at  TIMESTAMP NULL
);
CREATE INDEX invitations_account ON invitations (account_id);

CREATE TABLE join_requests (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    user_id      TEXT NOT NULL REFERENCES users (id),
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at   TIMESTAMP NOT NULL,
    decided_by   TEXT NULL REFERENCES users (id),
    decided_at   TIMESTAMP NULL,
    granted_role TEXT NULL,
    reason       TEXT NULL
);
-- One open request per user and account.
CREATE UNIQUE INDEX join_requests_one_pending ON join_requests (account_id, user_id) WHERE status = 'pending';

-- Failed sign-ins per address and per client, shared by every server process.
CREATE TABLE login_throttle (
    key              TEXT PRIMARY KEY,
    failures         INTEGER NOT NULL,
    window_started   TIMESTAMP NOT NULL,
    blocked_until    TIMESTAMP NULL
);
