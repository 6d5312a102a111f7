-- Devices an invited device manager is assigned on acceptance (JSON array of ids).
ALTER TABLE invitations ADD COLUMN device_ids TEXT NULL;
