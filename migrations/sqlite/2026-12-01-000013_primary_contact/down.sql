ALTER TABLE accounts DROP COLUMN primary_contact_id;
