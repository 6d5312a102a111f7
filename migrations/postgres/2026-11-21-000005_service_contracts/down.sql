DROP TABLE service_contracts;
