-- A device's entries (readings and corrections) are versioned: each entry moves the version on
-- in the statement that adds it, and only from the version its checks read (compare-and-set).
-- Readings need no row lock held across round trips.
ALTER TABLE devices ADD COLUMN entries_version BIGINT NOT NULL DEFAULT 0;
