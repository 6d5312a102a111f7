-- The feed's order is (txid, seq) on both backends. SQLite has one writer at a time, so the
-- sequence is commit order already: every event has txid 0.
ALTER TABLE events ADD COLUMN txid BIGINT NOT NULL DEFAULT 0;
DROP INDEX events_account_seq;
CREATE INDEX events_order ON events (txid, seq);
CREATE INDEX events_account_order ON events (account_id, txid, seq);
CREATE INDEX events_dealer_order ON events (dealer_id, txid, seq);
