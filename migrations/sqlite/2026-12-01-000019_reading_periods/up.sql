-- Meter readings are billed by monthly periods: each account's period closes on its closing
-- day (1 to 28; NULL: the last day of the month), set by customer service.
ALTER TABLE accounts ADD COLUMN reading_closing_day INTEGER NULL
    CHECK (reading_closing_day BETWEEN 1 AND 28);

-- The reminders sent for a device without a reading in a period: at most one per device and
-- period, whichever server process sends it.
CREATE TABLE reading_reminders (
    device_id TEXT NOT NULL REFERENCES devices (id),
    period    TEXT NOT NULL,
    sent_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (device_id, period)
);
