-- The enumerated columns every meter reading writes are domains instead of table CHECK
-- constraints: an entry's kind, source and correction kind, and the device's status (checked
-- again by the update that moves the device's entries version on). The sets of values are the
-- same and refused alike (check_violation), but PostgreSQL keeps a domain's check prepared
-- with the type, while a table's CHECK constraints are rebuilt from their stored text by every
-- statement that writes the table (docs/benchmarks.md).
--
-- The columns change type before their domains have a check, so that the tables are not read
-- through under their lock (the index whose predicate names `kind` is rebuilt); the checks
-- come as NOT VALID: every existing row passed the table constraints dropped in the same
-- transaction, and every new value is checked.
CREATE DOMAIN entry_kind AS TEXT;
CREATE DOMAIN entry_source AS TEXT;
CREATE DOMAIN correction_kind AS TEXT;
CREATE DOMAIN device_status AS TEXT;

ALTER TABLE meter_readings
    DROP CONSTRAINT meter_readings_kind_check,
    DROP CONSTRAINT meter_readings_source_check,
    DROP CONSTRAINT meter_readings_correction_kind_check;
ALTER TABLE meter_readings
    ALTER COLUMN kind TYPE entry_kind,
    ALTER COLUMN source TYPE entry_source,
    ALTER COLUMN correction_kind TYPE correction_kind;
ALTER TABLE devices DROP CONSTRAINT devices_status_check;
ALTER TABLE devices ALTER COLUMN status TYPE device_status;

ALTER DOMAIN entry_kind ADD CONSTRAINT entry_kind_check
    CHECK (VALUE IN ('reading', 'correction')) NOT VALID;
ALTER DOMAIN entry_source ADD CONSTRAINT entry_source_check
    CHECK (VALUE IN ('customer', 'phone', 'customer-service')) NOT VALID;
ALTER DOMAIN correction_kind ADD CONSTRAINT correction_kind_check
    CHECK (VALUE IN ('meter-reset', 'meter-replaced', 'wrong-entry')) NOT VALID;
ALTER DOMAIN device_status ADD CONSTRAINT device_status_check
    CHECK (VALUE IN ('active', 'removed')) NOT VALID;
