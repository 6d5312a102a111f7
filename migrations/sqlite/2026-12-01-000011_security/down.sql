UPDATE events SET kind = 'account.updated' WHERE kind = 'account.credit_updated';
UPDATE events SET staff_only = TRUE
    WHERE subject_type IN ('dealer', 'registration', 'call', 'dispatch', 'warranty_claim');
ALTER TABLE events DROP COLUMN dealer_id;
ALTER TABLE outbox DROP COLUMN sensitive;
ALTER TABLE dealer_invitations DROP COLUMN revoked_at;
ALTER TABLE email_tokens DROP COLUMN password_hash;
