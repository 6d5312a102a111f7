-- The feed in commit order without a global lock. Each event records the transaction that
-- wrote it; the feed is ordered by (txid, seq) and shows only events of transactions older
-- than the oldest one still running (pg_snapshot_xmin): a transaction that commits late can
-- then only append to what a reader has seen, never land behind it.
ALTER TABLE events ADD COLUMN txid BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
DROP INDEX events_account_seq;
CREATE INDEX events_order ON events (txid, seq);
CREATE INDEX events_account_order ON events (account_id, txid, seq);
CREATE INDEX events_dealer_order ON events (dealer_id, txid, seq);
