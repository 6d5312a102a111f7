-- One live claim per part of a dispatch; a rejected claim may be made again.
CREATE UNIQUE INDEX warranty_claims_once_per_dispatch_part ON warranty_claims (dispatch_id, part_number)
    WHERE dispatch_id IS NOT NULL AND status <> 'rejected';

-- Invitations to become one of a dealer's users; the mailed token is stored hashed.
CREATE TABLE dealer_invitations (
    id          TEXT PRIMARY KEY,
    dealer_id   TEXT NOT NULL REFERENCES dealers (id),
    email       TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('dealer-admin', 'dealer-technician')),
    token_hash  TEXT NOT NULL UNIQUE,
    invited_by  TEXT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP NULL,
    accepted_by TEXT NULL REFERENCES users (id)
);
CREATE INDEX dealer_invitations_dealer ON dealer_invitations (dealer_id, id);
