ALTER TABLE devices DROP COLUMN entries_version;
