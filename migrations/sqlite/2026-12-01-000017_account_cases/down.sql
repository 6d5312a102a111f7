PRAGMA foreign_keys = OFF;
BEGIN;
DELETE FROM case_comments WHERE case_id IN (SELECT id FROM cases WHERE device_id IS NULL OR category = 'billing');
DELETE FROM case_status_changes WHERE case_id IN (SELECT id FROM cases WHERE device_id IS NULL OR category = 'billing');
DELETE FROM cases WHERE device_id IS NULL OR category = 'billing';
CREATE TABLE cases_old (
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
    contract_version       INTEGER NULL,
    clock_start            TIMESTAMP NULL,
    response_deadline      TIMESTAMP NULL,
    first_response_at      TIMESTAMP NULL,
    first_response_by      TEXT NULL REFERENCES users (id),
    assigned_technician_id TEXT NULL REFERENCES users (id),
    ended_at               TIMESTAMP NULL,
    updated_at             TIMESTAMP NOT NULL,
    FOREIGN KEY (account_id, contract_version) REFERENCES service_contracts (account_id, version),
    CHECK ((contract_version IS NULL) = (response_deadline IS NULL)),
    CHECK ((contract_version IS NULL) = (clock_start IS NULL))
);
INSERT INTO cases_old SELECT * FROM cases;
DROP TABLE cases;
ALTER TABLE cases_old RENAME TO cases;
CREATE INDEX cases_account ON cases (account_id, id);
CREATE INDEX cases_device ON cases (device_id, id);
CREATE INDEX cases_deadline ON cases (response_deadline, id);
CREATE INDEX cases_technician ON cases (assigned_technician_id, id);
COMMIT;
PRAGMA foreign_keys = ON;
