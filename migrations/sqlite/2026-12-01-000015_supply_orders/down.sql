PRAGMA foreign_keys = OFF;
BEGIN;
DELETE FROM stock_movements WHERE order_id IN (SELECT id FROM replenishment_orders WHERE device_id IS NULL);
CREATE TABLE replenishment_orders_old (
    id                     TEXT PRIMARY KEY,
    account_id             TEXT NOT NULL REFERENCES accounts (id),
    stock_location_id      TEXT NOT NULL REFERENCES stock_locations (id),
    device_id              TEXT NOT NULL REFERENCES devices (id),
    part_number            TEXT NOT NULL,
    quantity               INTEGER NOT NULL CHECK (quantity > 0),
    reported_level_percent INTEGER NOT NULL,
    status                 TEXT NOT NULL CHECK (status IN ('open', 'received')),
    raised_at              TIMESTAMP NOT NULL,
    received_quantity      INTEGER NULL CHECK (received_quantity > 0),
    received_by            TEXT NULL REFERENCES users (id),
    received_at            TIMESTAMP NULL
);
INSERT INTO replenishment_orders_old
    SELECT id, account_id, stock_location_id, device_id, part_number, quantity,
        reported_level_percent,
        CASE status WHEN 'shipped' THEN 'open' WHEN 'cancelled' THEN 'received' ELSE status END,
        raised_at, received_quantity, received_by, received_at
    FROM replenishment_orders WHERE device_id IS NOT NULL;
DROP TABLE replenishment_orders;
ALTER TABLE replenishment_orders_old RENAME TO replenishment_orders;
CREATE UNIQUE INDEX replenishment_orders_one_open ON replenishment_orders (device_id, part_number)
    WHERE status = 'open';
CREATE INDEX replenishment_orders_location ON replenishment_orders (stock_location_id, id);
COMMIT;
PRAGMA foreign_keys = ON;
