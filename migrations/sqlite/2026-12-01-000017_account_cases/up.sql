-- A case may be about the account alone (an invoice, the account, meter billing): then it has
-- no device. Such questions are the categories billing, general_question and meter_query.
-- SQLite changes a column's constraints by rebuilding the table, with foreign keys off (so
-- outside a migration transaction: this migration opens its own).
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE cases_new (
    id                     TEXT PRIMARY KEY,
    account_id             TEXT NOT NULL REFERENCES accounts (id),
    device_id              TEXT NULL REFERENCES devices (id),
    category               TEXT NOT NULL
        CHECK (category IN ('fault', 'consumables', 'meter_query', 'move', 'general_question', 'billing')),
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
    CHECK ((contract_version IS NULL) = (clock_start IS NULL)),
    CHECK (device_id IS NOT NULL OR category IN ('billing', 'general_question', 'meter_query'))
);
INSERT INTO cases_new SELECT id, account_id, device_id, category, summary, description,
        contact_name, contact_email, contact_phone, status, opened_by, opened_at,
        contract_version, clock_start, response_deadline, first_response_at, first_response_by,
        assigned_technician_id, ended_at, updated_at
    FROM cases;
DROP TABLE cases;
ALTER TABLE cases_new RENAME TO cases;
CREATE INDEX cases_account ON cases (account_id, id);
CREATE INDEX cases_device ON cases (device_id, id);
CREATE INDEX cases_deadline ON cases (response_deadline, id);
CREATE INDEX cases_technician ON cases (assigned_technician_id, id);
COMMIT;
PRAGMA foreign_keys = ON;
