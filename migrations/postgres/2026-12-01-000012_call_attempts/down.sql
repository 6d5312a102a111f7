DROP TABLE call_attempts;
