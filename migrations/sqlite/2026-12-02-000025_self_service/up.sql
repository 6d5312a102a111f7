-- Self-service: a user's language, signing out everywhere, and forgotten passwords.

-- The language texts are written to the user in (`sv` or `en`); none: the request's.
ALTER TABLE users ADD COLUMN language TEXT NULL CHECK (language IN ('sv', 'en'));
-- Access tokens issued before this instant are refused: a changed or reset password ends
-- every sign-in at once, not when its token expires.
ALTER TABLE users ADD COLUMN signed_out_before TIMESTAMP NULL;

-- A forgotten password's single-use token, stored hashed, valid for an hour.
CREATE TABLE password_resets (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    used_at     TIMESTAMP NULL
);
CREATE INDEX password_resets_user ON password_resets (user_id);
