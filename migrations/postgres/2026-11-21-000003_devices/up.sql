-- Devices and meter readings: the billing basis.

CREATE TABLE device_models (
    id                     TEXT PRIMARY KEY,
    name                   TEXT NOT NULL UNIQUE,
    large_format           BOOLEAN NOT NULL,
    -- The most a meter can advance in a minute of printing (pages, or area for large format).
    rated_units_per_minute INTEGER NOT NULL CHECK (rated_units_per_minute > 0),
    -- JSON array of the meters devices of this model report by default.
    meters                 TEXT NOT NULL,
    created_at             TIMESTAMP NOT NULL
);

CREATE TABLE devices (
    id                   TEXT PRIMARY KEY,
    account_id           TEXT NOT NULL REFERENCES accounts (id),
    site_id              TEXT NOT NULL REFERENCES sites (id),
    model_id             TEXT NOT NULL REFERENCES device_models (id),
    serial_number        TEXT NOT NULL,
    location             TEXT NOT NULL,
    install_date         DATE NOT NULL,
    warranty_end         DATE NOT NULL,
    meters               TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('active', 'removed')),
    removal_requested_at TIMESTAMP NULL,
    removal_requested_by TEXT NULL REFERENCES users (id),
    removal_reason       TEXT NULL,
    removed_at           TIMESTAMP NULL,
    removed_by           TEXT NULL REFERENCES users (id),
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    UNIQUE (model_id, serial_number)
);
CREATE INDEX devices_account ON devices (account_id);
CREATE INDEX devices_serial ON devices (serial_number);

-- Devices an account's device managers are responsible for.
CREATE TABLE device_assignments (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    device_id  TEXT NOT NULL REFERENCES devices (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, device_id)
);
CREATE INDEX device_assignments_device ON device_assignments (device_id);

-- Append-only: readings, and customer service's corrections that start a new baseline.
-- Every row holds the value of every meter of the device after it.
CREATE TABLE meter_readings (
    id              TEXT PRIMARY KEY,
    device_id       TEXT NOT NULL REFERENCES devices (id),
    kind            TEXT NOT NULL CHECK (kind IN ('reading', 'correction')),
    -- The calendar day in the device site's time zone at submission.
    local_day       DATE NOT NULL,
    meter_values    TEXT NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('customer', 'phone', 'customer-service')),
    correction_kind TEXT NULL CHECK (correction_kind IN ('meter-reset', 'meter-replaced', 'wrong-entry')),
    -- For a reset or replacement: the old meter's last count, when known.
    final_values    TEXT NULL,
    reason          TEXT NULL,
    -- Accepted although implausible, because the submitter confirmed it: for customer service.
    flagged         BOOLEAN NOT NULL,
    recorded_by     TEXT NOT NULL REFERENCES users (id),
    recorded_at     TIMESTAMP NOT NULL
);
CREATE INDEX meter_readings_device ON meter_readings (device_id, recorded_at);
-- At most one accepted reading per device and local day, whatever the number of processes.
CREATE UNIQUE INDEX meter_readings_once_a_day ON meter_readings (device_id, local_day) WHERE kind = 'reading';
CREATE INDEX meter_readings_flagged ON meter_readings (recorded_at) WHERE flagged = TRUE;
