ALTER TABLE devices ALTER COLUMN status TYPE TEXT;
ALTER TABLE devices ADD CONSTRAINT devices_status_check CHECK (status IN ('active', 'removed'));

ALTER TABLE meter_readings
    ALTER COLUMN kind TYPE TEXT,
    ALTER COLUMN source TYPE TEXT,
    ALTER COLUMN correction_kind TYPE TEXT;
ALTER TABLE meter_readings
    ADD CONSTRAINT meter_readings_kind_check CHECK (kind IN ('reading', 'correction')),
    ADD CONSTRAINT meter_readings_source_check CHECK (source IN ('customer', 'phone', 'customer-service')),
    ADD CONSTRAINT meter_readings_correction_kind_check
        CHECK (correction_kind IN ('meter-reset', 'meter-replaced', 'wrong-entry'));

DROP DOMAIN device_status;
DROP DOMAIN correction_kind;
DROP DOMAIN entry_source;
DROP DOMAIN entry_kind;
