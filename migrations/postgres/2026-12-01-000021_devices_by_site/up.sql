-- A device manager responsible for a site has its devices looked up by site on every request.
CREATE INDEX devices_site ON devices (site_id);
