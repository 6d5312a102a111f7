ALTER TABLE accounts DROP COLUMN invoicing_contact_phone;
ALTER TABLE accounts DROP COLUMN invoicing_contact_email;
ALTER TABLE accounts DROP COLUMN invoicing_contact_name;
