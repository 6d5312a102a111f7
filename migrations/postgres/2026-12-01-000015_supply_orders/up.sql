-- Orders are also placed by hand, and are shipped or cancelled: an order has no device when a
-- stock manager placed it; it is open, then shipped (carrier and tracking number), then
-- received, or cancelled while open. One order at a time per device and consumable (automatic)
-- or per location and consumable (by hand), until it is received or cancelled.
ALTER TABLE replenishment_orders ALTER COLUMN device_id DROP NOT NULL;
ALTER TABLE replenishment_orders ALTER COLUMN reported_level_percent DROP NOT NULL;
ALTER TABLE replenishment_orders DROP CONSTRAINT replenishment_orders_status_check;
ALTER TABLE replenishment_orders ADD CONSTRAINT replenishment_orders_status_check
    CHECK (status IN ('open', 'shipped', 'received', 'cancelled'));
ALTER TABLE replenishment_orders ADD COLUMN ordered_by TEXT NULL REFERENCES users (id);
ALTER TABLE replenishment_orders ADD COLUMN carrier TEXT NULL;
ALTER TABLE replenishment_orders ADD COLUMN tracking_number TEXT NULL;
ALTER TABLE replenishment_orders ADD COLUMN shipped_by TEXT NULL REFERENCES users (id);
ALTER TABLE replenishment_orders ADD COLUMN shipped_at TIMESTAMP NULL;
ALTER TABLE replenishment_orders ADD COLUMN cancelled_by TEXT NULL REFERENCES users (id);
ALTER TABLE replenishment_orders ADD COLUMN cancelled_at TIMESTAMP NULL;
DROP INDEX replenishment_orders_one_open;
CREATE UNIQUE INDEX replenishment_orders_one_open ON replenishment_orders (device_id, part_number)
    WHERE device_id IS NOT NULL AND status IN ('open', 'shipped');
CREATE UNIQUE INDEX replenishment_orders_one_by_hand
    ON replenishment_orders (stock_location_id, part_number)
    WHERE device_id IS NULL AND status IN ('open', 'shipped');
