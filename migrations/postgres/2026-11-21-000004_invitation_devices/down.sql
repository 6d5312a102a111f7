ALTER TABLE invitations DROP COLUMN device_ids;
