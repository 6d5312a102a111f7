DROP TABLE warranty_claims;
DROP TABLE dispatches;
DROP TABLE call_remedies;
DROP TABLE calls;
DROP TABLE remedies;
DROP TABLE registrations;
ALTER TABLE dealers DROP COLUMN contact_email;
