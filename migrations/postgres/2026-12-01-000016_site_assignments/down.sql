DROP TABLE site_assignments;
