DROP INDEX events_dealer_order;
DROP INDEX events_account_order;
DROP INDEX events_order;
CREATE INDEX events_account_seq ON events (account_id, seq);
ALTER TABLE events DROP COLUMN txid;
