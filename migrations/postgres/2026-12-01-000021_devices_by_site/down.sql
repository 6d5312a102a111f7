DROP INDEX devices_site;
