-- Security: registrations carry their password with their confirmation token, dealer
-- invitations can be revoked, delivered token mails lose their bodies, events name the dealer
-- whose object they concern, and credit changes are an event kind of their own.

-- Confirming an address applies the password of the registration whose mail was opened.
ALTER TABLE email_tokens ADD COLUMN password_hash TEXT NULL;

ALTER TABLE dealer_invitations ADD COLUMN revoked_at TIMESTAMP NULL;

-- A mail carrying a single-use token; its body is removed once delivered.
ALTER TABLE outbox ADD COLUMN sensitive BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE events ADD COLUMN dealer_id TEXT NULL;
UPDATE events SET dealer_id = (SELECT d.dealer_id FROM dispatches d WHERE d.id = events.subject_id)
    WHERE subject_type = 'dispatch';
UPDATE events SET dealer_id = (SELECT c.dealer_id FROM warranty_claims c WHERE c.id = events.subject_id)
    WHERE subject_type = 'warranty_claim';
UPDATE events SET dealer_id = (SELECT r.dealer_id FROM registrations r WHERE r.id = events.subject_id)
    WHERE subject_type = 'registration';
UPDATE events SET dealer_id = subject_id WHERE subject_type = 'dealer';
-- Who may see a dealer-network event is decided by the feed's scope rule, not by this flag.
UPDATE events SET staff_only = FALSE
    WHERE subject_type IN ('dealer', 'registration', 'call', 'dispatch', 'warranty_claim');
UPDATE events SET kind = 'account.credit_updated' WHERE kind = 'account.updated' AND staff_only;
