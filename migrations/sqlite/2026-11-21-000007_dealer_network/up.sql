-- The dealer network: serial registrations, the call center's calls and remedies, dispatches
-- with their close-out and labour decision, and warranty part claims.

-- Where dispatch notices for the dealer go.
ALTER TABLE dealers ADD COLUMN contact_email TEXT NULL;

-- A dealer's registration of a serial number it services; at most one active per serial.
CREATE TABLE registrations (
    id                         TEXT PRIMARY KEY,
    dealer_id                  TEXT NOT NULL REFERENCES dealers (id),
    model_id                   TEXT NOT NULL REFERENCES device_models (id),
    serial_number              TEXT NOT NULL,
    -- The portal's device record, when one exists for the model and serial number.
    device_id                  TEXT NULL REFERENCES devices (id),
    warranty_marketing_program BOOLEAN NOT NULL,
    -- The warranty end the dealer reports, for devices without a portal record.
    warranty_end               DATE NULL,
    end_user_name              TEXT NULL,
    status                     TEXT NOT NULL CHECK (status IN ('active', 'ended')),
    registered_by              TEXT NOT NULL REFERENCES users (id),
    registered_at              TIMESTAMP NOT NULL,
    ended_by                   TEXT NULL REFERENCES users (id),
    ended_at                   TIMESTAMP NULL
);
CREATE UNIQUE INDEX registrations_one_active_per_serial ON registrations (serial_number) WHERE status = 'active';
CREATE INDEX registrations_dealer ON registrations (dealer_id, id);

-- User-performed remedies the call center walks callers through, per problem category and,
-- where a model differs, per model.
CREATE TABLE remedies (
    id               TEXT PRIMARY KEY,
    problem_category TEXT NOT NULL,
    model_id         TEXT NULL REFERENCES device_models (id),
    title            TEXT NOT NULL,
    instructions     TEXT NOT NULL,
    active           BOOLEAN NOT NULL,
    created_by       TEXT NOT NULL REFERENCES users (id),
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX remedies_category ON remedies (problem_category, model_id);

-- An end user's call to the call center.
CREATE TABLE calls (
    id                 TEXT PRIMARY KEY,
    serial_number      TEXT NOT NULL,
    model_id           TEXT NULL REFERENCES device_models (id),
    device_id          TEXT NULL REFERENCES devices (id),
    caller_name        TEXT NOT NULL,
    caller_phone       TEXT NULL,
    caller_email       TEXT NULL,
    caller_company     TEXT NULL,
    site_address       TEXT NULL,
    reason             TEXT NOT NULL
        CHECK (reason IN ('product_question', 'pre_sales', 'post_sales', 'service_problem')),
    problem_category   TEXT NULL,
    problem            TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('open', 'redirected', 'resolved', 'dispatched')),
    -- Redirected to the dealer of record.
    redirected_to      TEXT NULL REFERENCES dealers (id),
    resolution         TEXT NULL,
    logged_by          TEXT NOT NULL REFERENCES users (id),
    called_at          TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX calls_serial ON calls (serial_number);

-- Each remedy tried on a call and its outcome; the latest per remedy counts.
CREATE TABLE call_remedies (
    id          TEXT PRIMARY KEY,
    call_id     TEXT NOT NULL REFERENCES calls (id),
    remedy_id   TEXT NOT NULL REFERENCES remedies (id),
    outcome     TEXT NOT NULL CHECK (outcome IN ('solved', 'failed', 'not_applicable')),
    note        TEXT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX call_remedies_call ON call_remedies (call_id, id);

-- A service dispatch: section 1 fixed from the call when created, section 2 by the dealer's
-- close-out, then the labour decision.
CREATE TABLE dispatches (
    id                         TEXT PRIMARY KEY,
    call_id                    TEXT NOT NULL UNIQUE REFERENCES calls (id),
    route                      TEXT NOT NULL CHECK (route IN ('dealer', 'call_center')),
    dealer_id                  TEXT NULL REFERENCES dealers (id),
    registration_id            TEXT NULL REFERENCES registrations (id),
    -- Section 1, as JSON: call, device, site and contact, problem, remedies tried.
    section1                   TEXT NOT NULL,
    serial_number              TEXT NOT NULL,
    warranty_end               DATE NULL,
    in_warranty                BOOLEAN NULL,
    warranty_marketing_program BOOLEAN NOT NULL,
    status                     TEXT NOT NULL CHECK (status IN ('dispatched', 'accepted', 'closed_out')),
    assigned_technician_id     TEXT NULL REFERENCES users (id),
    created_by                 TEXT NOT NULL REFERENCES users (id),
    created_at                 TIMESTAMP NOT NULL,
    accepted_by                TEXT NULL REFERENCES users (id),
    accepted_at                TIMESTAMP NULL,
    -- Section 2, as JSON: arrival, completion, labour time, parts, resolution, technician.
    section2                   TEXT NULL,
    closed_out_by              TEXT NULL REFERENCES users (id),
    closed_out_at              TIMESTAMP NULL,
    labour_decision            TEXT NULL CHECK (labour_decision IN ('approved', 'rejected')),
    labour_amount_minor        BIGINT NULL,
    labour_currency            TEXT NULL,
    labour_reason              TEXT NULL,
    labour_decided_by          TEXT NULL REFERENCES users (id),
    labour_decided_at          TIMESTAMP NULL,
    CHECK ((route = 'dealer') = (dealer_id IS NOT NULL))
);
CREATE INDEX dispatches_dealer ON dispatches (dealer_id, id);

-- Warranty part claims (e-Tag): a dealer claims a defective part.
CREATE TABLE warranty_claims (
    id              TEXT PRIMARY KEY,
    dealer_id       TEXT NOT NULL REFERENCES dealers (id),
    dispatch_id     TEXT NULL REFERENCES dispatches (id),
    registration_id TEXT NULL REFERENCES registrations (id),
    serial_number   TEXT NOT NULL,
    part_number     TEXT NOT NULL,
    defect          TEXT NOT NULL,
    failure_date    DATE NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected')),
    decision_reason TEXT NULL,
    submitted_by    TEXT NOT NULL REFERENCES users (id),
    submitted_at    TIMESTAMP NOT NULL,
    decided_by      TEXT NULL REFERENCES users (id),
    decided_at      TIMESTAMP NULL,
    CHECK (dispatch_id IS NOT NULL OR registration_id IS NOT NULL)
);
CREATE INDEX warranty_claims_dealer ON warranty_claims (dealer_id, id);
