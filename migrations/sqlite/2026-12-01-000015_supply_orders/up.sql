-- Orders are also placed by hand, and are shipped or cancelled: an order has no device when a
-- stock manager placed it; it is open, then shipped (carrier and tracking number), then
-- received, or cancelled while open. One order at a time per device and consumable (automatic)
-- or per location and consumable (by hand), until it is received or cancelled.
-- SQLite changes a column's constraints by rebuilding the table, with foreign keys off (so
-- outside a migration transaction: this migration opens its own).
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE replenishment_orders_new (
    id                     TEXT PRIMARY KEY,
    account_id             TEXT NOT NULL REFERENCES accounts (id),
    stock_location_id      TEXT NOT NULL REFERENCES stock_locations (id),
    device_id              TEXT NULL REFERENCES devices (id),
    part_number            TEXT NOT NULL,
    quantity               INTEGER NOT NULL CHECK (quantity > 0),
    reported_level_percent INTEGER NULL,
    status                 TEXT NOT NULL CHECK (status IN ('open', 'shipped', 'received', 'cancelled')),
    raised_at              TIMESTAMP NOT NULL,
    received_quantity      INTEGER NULL CHECK (received_quantity > 0),
    received_by            TEXT NULL REFERENCES users (id),
    received_at            TIMESTAMP NULL,
    ordered_by             TEXT NULL REFERENCES users (id),
    carrier                TEXT NULL,
    tracking_number        TEXT NULL,
    shipped_by             TEXT NULL REFERENCES users (id),
    shipped_at             TIMESTAMP NULL,
    cancelled_by           TEXT NULL REFERENCES users (id),
    cancelled_at           TIMESTAMP NULL
);
INSERT INTO replenishment_orders_new (id, account_id, stock_location_id, device_id, part_number,
        quantity, reported_level_percent, status, raised_at, received_quantity, received_by,
        received_at)
    SELECT id, account_id, stock_location_id, device_id, part_number, quantity,
        reported_level_percent, status, raised_at, received_quantity, received_by, received_at
    FROM replenishment_orders;
DROP TABLE replenishment_orders;
ALTER TABLE replenishment_orders_new RENAME TO replenishment_orders;
CREATE UNIQUE INDEX replenishment_orders_one_open ON replenishment_orders (device_id, part_number)
    WHERE device_id IS NOT NULL AND status IN ('open', 'shipped');
CREATE UNIQUE INDEX replenishment_orders_one_by_hand
    ON replenishment_orders (stock_location_id, part_number)
    WHERE device_id IS NULL AND status IN ('open', 'shipped');
CREATE INDEX replenishment_orders_location ON replenishment_orders (stock_location_id, id);
COMMIT;
PRAGMA foreign_keys = ON;
