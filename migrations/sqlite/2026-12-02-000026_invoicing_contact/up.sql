-- Whom the account's invoices go to: kept current by its administrators.
ALTER TABLE accounts ADD COLUMN invoicing_contact_name TEXT NULL;
ALTER TABLE accounts ADD COLUMN invoicing_contact_email TEXT NULL;
ALTER TABLE accounts ADD COLUMN invoicing_contact_phone TEXT NULL;
