-- Service contracts: the contracted response time and the business calendar, versioned. An
-- edit adds a version; a case keeps the version it was opened under.
CREATE TABLE service_contracts (
    account_id       TEXT NOT NULL REFERENCES accounts (id),
    version          INTEGER NOT NULL,
    response_minutes INTEGER NOT NULL CHECK (response_minutes > 0),
    time_zone        TEXT NOT NULL,
    -- JSON: weekday name -> [{"start": "HH:MM", "end": "HH:MM"}].
    office_hours     TEXT NOT NULL,
    -- JSON: [{"date": "YYYY-MM-DD", "name": …} | {"month": m, "day": d, "name": …}].
    holidays         TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    created_by       TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (account_id, version)
);
