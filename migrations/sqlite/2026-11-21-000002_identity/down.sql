DROP TABLE login_throttle;
DROP TABLE join_requests;
DROP TABLE invitations;
DROP TABLE outbox;
DROP TABLE email_tokens;
ALTER TABLE users DROP COLUMN dealer_role;
ALTER TABLE users DROP COLUMN dealer_id;
DROP TABLE dealers;
