DROP TABLE meter_readings;
DROP TABLE device_assignments;
DROP TABLE devices;
DROP TABLE device_models;
