DROP INDEX replenishment_orders_one_by_hand;
DROP INDEX replenishment_orders_one_open;
DELETE FROM stock_movements WHERE order_id IN (SELECT id FROM replenishment_orders WHERE device_id IS NULL);
DELETE FROM replenishment_orders WHERE device_id IS NULL;
UPDATE replenishment_orders SET status = 'open' WHERE status = 'shipped';
UPDATE replenishment_orders SET status = 'received' WHERE status = 'cancelled';
ALTER TABLE replenishment_orders DROP COLUMN cancelled_at;
ALTER TABLE replenishment_orders DROP COLUMN cancelled_by;
ALTER TABLE replenishment_orders DROP COLUMN shipped_at;
ALTER TABLE replenishment_orders DROP COLUMN shipped_by;
ALTER TABLE replenishment_orders DROP COLUMN tracking_number;
ALTER TABLE replenishment_orders DROP COLUMN carrier;
ALTER TABLE replenishment_orders DROP COLUMN ordered_by;
ALTER TABLE replenishment_orders DROP CONSTRAINT replenishment_orders_status_check;
ALTER TABLE replenishment_orders ADD CONSTRAINT replenishment_orders_status_check
    CHECK (status IN ('open', 'received'));
UPDATE replenishment_orders SET reported_level_percent = 0 WHERE reported_level_percent IS NULL;
ALTER TABLE replenishment_orders ALTER COLUMN reported_level_percent SET NOT NULL;
ALTER TABLE replenishment_orders ALTER COLUMN device_id SET NOT NULL;
CREATE UNIQUE INDEX replenishment_orders_one_open ON replenishment_orders (device_id, part_number)
    WHERE status = 'open';
