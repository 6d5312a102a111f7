DROP TABLE stock_movements;
DROP TABLE replenishment_orders;
DROP TABLE device_credentials;
ALTER TABLE invitations DROP COLUMN stock_location_ids;
DROP TABLE stock_assignments;
DROP TABLE stock_location_devices;
DROP TABLE stock_levels;
DROP TABLE stock_locations;
