-- Notifications: what each user turned off, how far the feed has been turned into mail, and
-- the headers a notification mail carries.

-- A kind of notification a user does not want (every kind is on until turned off).
CREATE TABLE notification_opt_outs (
    user_id     TEXT NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- How far the notifier has read the feed. Its one row is locked by the process that moves it,
-- so two server processes never mail the same event. It starts at the feed's end: events
-- written before notifications existed are not mailed.
CREATE TABLE notifier_cursor (
    name         TEXT PRIMARY KEY,
    feed_cursor  BIGINT NOT NULL
);
INSERT INTO notifier_cursor (name, feed_cursor) SELECT 'mail', COALESCE(MAX(seq), 0) FROM events;

-- A notification's one-click unsubscribe address (RFC 8058), and the language a mail is in.
ALTER TABLE outbox ADD COLUMN list_unsubscribe TEXT NULL;
ALTER TABLE outbox ADD COLUMN language TEXT NULL;

-- When a case's passed response deadline was reported (once per case). Cases overdue already
-- are not reported now.
ALTER TABLE cases ADD COLUMN response_overdue_at TIMESTAMP NULL;
UPDATE cases SET response_overdue_at = response_deadline
 WHERE first_response_at IS NULL AND response_deadline < CURRENT_TIMESTAMP;
CREATE INDEX cases_response_watch ON cases (response_deadline)
 WHERE first_response_at IS NULL AND response_overdue_at IS NULL AND ended_at IS NULL;
