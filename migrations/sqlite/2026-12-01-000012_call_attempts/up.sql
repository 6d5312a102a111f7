-- What the call-center agent tried on the phone beyond the catalogued remedies (for a problem
-- category with none, the only record that troubleshooting happened), and how it went.
CREATE TABLE call_attempts (
    id          TEXT PRIMARY KEY,
    call_id     TEXT NOT NULL REFERENCES calls (id),
    description TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('solved', 'failed')),
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX call_attempts_call ON call_attempts (call_id, id);
