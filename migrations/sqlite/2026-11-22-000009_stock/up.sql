-- Consumable stock: an account's stock locations with their stock levels, the devices linked
-- for automated toner replenishment, stock managers' assignments, the credentials devices
-- report supply levels with, replenishment orders, and every stock movement.

CREATE TABLE stock_locations (
    id                    TEXT PRIMARY KEY,
    account_id            TEXT NOT NULL REFERENCES accounts (id),
    name                  TEXT NOT NULL,
    shipping_instructions TEXT NULL,
    address_line1         TEXT NOT NULL,
    address_line2         TEXT NULL,
    postal_code           TEXT NOT NULL,
    city                  TEXT NOT NULL,
    country               TEXT NOT NULL,
    created_by            TEXT NOT NULL REFERENCES users (id),
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    UNIQUE (account_id, name)
);

-- One consumable kept at a location.
CREATE TABLE stock_levels (
    stock_location_id        TEXT NOT NULL REFERENCES stock_locations (id),
    part_number              TEXT NOT NULL,
    description              TEXT NOT NULL,
    on_hand                  INTEGER NOT NULL CHECK (on_hand >= 0),
    reorder_point            INTEGER NOT NULL CHECK (reorder_point >= 0),
    -- A linked device reporting this consumable below this level (percent) raises an order.
    supply_threshold_percent INTEGER NOT NULL CHECK (supply_threshold_percent BETWEEN 1 AND 99),
    -- How many units a replenishment order asks for.
    order_quantity           INTEGER NOT NULL CHECK (order_quantity > 0),
    updated_at               TIMESTAMP NOT NULL,
    PRIMARY KEY (stock_location_id, part_number)
);

-- A device is replenished from at most one location.
CREATE TABLE stock_location_devices (
    device_id         TEXT PRIMARY KEY REFERENCES devices (id),
    stock_location_id TEXT NOT NULL REFERENCES stock_locations (id),
    linked_at         TIMESTAMP NOT NULL
);
CREATE INDEX stock_location_devices_location ON stock_location_devices (stock_location_id);

-- Stock locations an account's stock managers are responsible for.
CREATE TABLE stock_assignments (
    account_id        TEXT NOT NULL REFERENCES accounts (id),
    user_id           TEXT NOT NULL REFERENCES users (id),
    stock_location_id TEXT NOT NULL REFERENCES stock_locations (id),
    created_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, stock_location_id)
);
CREATE INDEX stock_assignments_location ON stock_assignments (stock_location_id);

-- Stock locations an invited stock manager is assigned on acceptance (JSON array of ids).
ALTER TABLE invitations ADD COLUMN stock_location_ids TEXT NULL;

-- A credential a device, or the account's monitoring agent (no device), reports supply
-- levels with; it opens nothing else. The token is stored hashed.
CREATE TABLE device_credentials (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    device_id    TEXT NULL REFERENCES devices (id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_by   TEXT NOT NULL REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP NULL,
    last_used_at TIMESTAMP NULL
);
CREATE INDEX device_credentials_account ON device_credentials (account_id, id);

CREATE TABLE replenishment_orders (
    id                     TEXT PRIMARY KEY,
    account_id             TEXT NOT NULL REFERENCES accounts (id),
    stock_location_id      TEXT NOT NULL REFERENCES stock_locations (id),
    device_id              TEXT NOT NULL REFERENCES devices (id),
    part_number            TEXT NOT NULL,
    quantity               INTEGER NOT NULL CHECK (quantity > 0),
    reported_level_percent INTEGER NOT NULL,
    status                 TEXT NOT NULL CHECK (status IN ('open', 'received')),
    raised_at              TIMESTAMP NOT NULL,
    received_quantity      INTEGER NULL CHECK (received_quantity > 0),
    received_by            TEXT NULL REFERENCES users (id),
    received_at            TIMESTAMP NULL
);
-- No second order for a device's consumable while one is open, however many reports race.
CREATE UNIQUE INDEX replenishment_orders_one_open ON replenishment_orders (device_id, part_number)
    WHERE status = 'open';
CREATE INDEX replenishment_orders_location ON replenishment_orders (stock_location_id, id);

-- Append-only: receipts, consumption and counts, each with the stock after it.
CREATE TABLE stock_movements (
    id                TEXT PRIMARY KEY,
    stock_location_id TEXT NOT NULL REFERENCES stock_locations (id),
    part_number       TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('receipt', 'consumption', 'count')),
    quantity          INTEGER NOT NULL,
    on_hand_after     INTEGER NOT NULL CHECK (on_hand_after >= 0),
    order_id          TEXT NULL REFERENCES replenishment_orders (id),
    device_id         TEXT NULL REFERENCES devices (id),
    recorded_by       TEXT NOT NULL REFERENCES users (id),
    recorded_at       TIMESTAMP NOT NULL
);
CREATE INDEX stock_movements_location ON stock_movements (stock_location_id, id);
