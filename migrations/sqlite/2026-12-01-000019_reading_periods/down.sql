DROP TABLE reading_reminders;
ALTER TABLE accounts DROP COLUMN reading_closing_day;
