-- The account's main contact: one of its administrators, named by the account.
ALTER TABLE accounts ADD COLUMN primary_contact_id TEXT NULL REFERENCES users (id);
