-- A device's entries (readings and corrections) are versioned: each entry moves the version on
-- in the transaction that adds it, and only from the version its checks read (compare-and-set).
ALTER TABLE devices ADD COLUMN entries_version BIGINT NOT NULL DEFAULT 0;
