DROP TABLE idempotency_keys;
DROP TABLE events;
DROP TABLE memberships;
DROP TABLE sites;
DROP TABLE accounts;
DROP TABLE refresh_tokens;
DROP TABLE users;
