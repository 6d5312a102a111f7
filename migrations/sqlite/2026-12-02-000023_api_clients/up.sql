-- API clients: partner systems that sign in with OAuth 2.0 client credentials. A client acts
-- as a user row of its own (same id), so what it does is recorded as done by it; that row has
-- no usable password and an undeliverable address. It belongs to an account, a dealer or
-- (neither) the manufacturer, and acts with its creator's current role there.
CREATE TABLE api_clients (
    id          TEXT PRIMARY KEY REFERENCES users (id),
    name        TEXT NOT NULL,
    account_id  TEXT NULL REFERENCES accounts (id),
    dealer_id   TEXT NULL REFERENCES dealers (id),
    -- Space-separated, as OAuth writes scopes.
    scopes      TEXT NOT NULL,
    created_by  TEXT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP NULL,
    revoked_by  TEXT NULL REFERENCES users (id),
    CHECK (account_id IS NULL OR dealer_id IS NULL)
);
CREATE INDEX api_clients_account ON api_clients (account_id, id);
CREATE INDEX api_clients_dealer ON api_clients (dealer_id, id);

-- A client's secrets, stored hashed. A rotation gives the replaced secrets an expiry (the
-- overlap in which both work); a live secret has none.
CREATE TABLE api_client_secrets (
    id          TEXT PRIMARY KEY,
    client_id   TEXT NOT NULL REFERENCES api_clients (id),
    secret_hash TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NULL
);
CREATE INDEX api_client_secrets_client ON api_client_secrets (client_id);
