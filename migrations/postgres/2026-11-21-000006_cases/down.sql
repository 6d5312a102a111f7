ALTER TABLE events DROP COLUMN device_id;
DROP TABLE case_comments;
DROP TABLE case_status_changes;
DROP TABLE cases;
