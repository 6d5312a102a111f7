-- A device manager responsible for whole sites: every device of those sites, including
-- devices added later, is theirs as if assigned one by one.
CREATE TABLE site_assignments (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    site_id    TEXT NOT NULL REFERENCES sites (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, site_id)
);
CREATE INDEX site_assignments_account ON site_assignments (account_id, user_id);
