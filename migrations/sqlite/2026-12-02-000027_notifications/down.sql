DROP INDEX cases_response_watch;
ALTER TABLE cases DROP COLUMN response_overdue_at;
ALTER TABLE outbox DROP COLUMN language;
ALTER TABLE outbox DROP COLUMN list_unsubscribe;
DROP TABLE notifier_cursor;
DROP TABLE notification_opt_outs;
