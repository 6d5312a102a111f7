-- Service cases: what the customer reported, its status with every change, comments, and the
-- response clock fixed when the case was opened.

CREATE TABLE cases (
    id                     TEXT PRIMARY KEY,
    account_id             TEXT NOT NULL REFERENCES accounts (id),
    device_id              TEXT NOT NULL REFERENCES devices (id),
    category               TEXT NOT NULL
        CHECK (category IN ('fault', 'consumables', 'meter_query', 'move', 'general_question')),
    summary                TEXT NOT NULL,
    description            TEXT NOT NULL,
    contact_name           TEXT NOT NULL,
    contact_email          TEXT NULL,
    contact_phone          TEXT NULL,
    status                 TEXT NOT NULL
        CHECK (status IN ('open', 'acknowledged', 'in_progress', 'awaiting_customer', 'resolved', 'closed', 'cancelled')),
    opened_by              TEXT NOT NULL REFERENCES users (id),
    opened_at              TIMESTAMP NOT NULL,
    -- The contract version in force at opening, and the deadline computed from it once. NULL
    -- when the account had no contract: the case then has no response clock.
    contract_version       INTEGER NULL,
    clock_start            TIMESTAMP NULL,
    response_deadline      TIMESTAMP NULL,
    first_response_at      TIMESTAMP NULL,
    first_response_by      TEXT NULL REFERENCES users (id),
    assigned_technician_id TEXT NULL REFERENCES users (id),
    -- When the case reached closed or cancelled.
    ended_at               TIMESTAMP NULL,
    updated_at             TIMESTAMP NOT NULL,
    FOREIGN KEY (account_id, contract_version) REFERENCES service_contracts (account_id, version),
    CHECK ((contract_version IS NULL) = (response_deadline IS NULL)),
    CHECK ((contract_version IS NULL) = (clock_start IS NULL))
);
CREATE INDEX cases_account ON cases (account_id, id);
CREATE INDEX cases_device ON cases (device_id, id);
CREATE INDEX cases_deadline ON cases (response_deadline, id);
CREATE INDEX cases_technician ON cases (assigned_technician_id, id);

-- Every status a case took, the first row being its opening (from_status NULL).
CREATE TABLE case_status_changes (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    from_status TEXT NULL,
    to_status   TEXT NOT NULL,
    changed_by  TEXT NOT NULL REFERENCES users (id),
    changed_at  TIMESTAMP NOT NULL
);
CREATE INDEX case_status_changes_case ON case_status_changes (case_id, id);

-- Comments; internal notes are for staff only and never shown to customers.
CREATE TABLE case_comments (
    id         TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL REFERENCES cases (id),
    author_id  TEXT NOT NULL REFERENCES users (id),
    body       TEXT NOT NULL,
    internal   BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX case_comments_case ON case_comments (case_id, id);

-- The device an event concerns, so customers' feeds follow their device scope for every
-- kind of subject (devices, their readings, cases).
ALTER TABLE events ADD COLUMN device_id TEXT NULL;
UPDATE events SET device_id = subject_id WHERE subject_type = 'device';
