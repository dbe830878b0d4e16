-- Payments. A régie collects for the téléservices (their fees) and the
-- invoices attached to it; PayFiP knows it by its client number.
CREATE TABLE regies (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
    label_key TEXT NOT NULL,
    numcli TEXT NOT NULL CHECK (length(numcli) = 6),
    mode TEXT NOT NULL CHECK (mode IN ('test', 'activation', 'production')),
    email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, label_key)
);

-- What a foyer owes: an invoice of the collectivité's billing software, or
-- a request's fee. Amounts in cents.
CREATE TABLE invoices (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    household_id BIGINT NOT NULL,
    regie_id BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('invoice', 'fee')),
    reference TEXT NOT NULL CHECK (length(reference) BETWEEN 1 AND 40),
    label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    issued_on DATE NOT NULL,
    due_on DATE,
    request_id BIGINT,
    state TEXT NOT NULL CHECK (state IN ('owed', 'paid', 'cancelled')),
    payment_id BIGINT,
    paid_at TIMESTAMP,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, regie_id, reference)
);
CREATE INDEX invoices_household_idx ON invoices (tenant_id, household_id, state);

CREATE TABLE invoice_lines (
    tenant_id BIGINT NOT NULL,
    invoice_id BIGINT NOT NULL,
    position INTEGER NOT NULL,
    label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    unit_cents BIGINT NOT NULL,
    amount_cents BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, invoice_id, position)
);

-- A foyer's deposit account at a régie (canteen, perischool…): topped up
-- online, spent by the billing software.
CREATE TABLE deposit_accounts (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    household_id BIGINT NOT NULL,
    regie_id BIGINT NOT NULL,
    reference TEXT NOT NULL CHECK (length(reference) BETWEEN 1 AND 40),
    label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    balance_cents BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, regie_id, reference)
);

CREATE TABLE deposit_movements (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    amount_cents BIGINT NOT NULL,
    label TEXT NOT NULL,
    payment_id BIGINT,
    occurred_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

-- A payment: sent to the provider (Initialized), then Validated, Refused or
-- Cancelled once, by what the provider answers to a detail call.
CREATE TABLE payments (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    household_id BIGINT NOT NULL,
    regie_id BIGINT NOT NULL,
    reference TEXT NOT NULL,
    provider TEXT NOT NULL,
    provider_ref TEXT,
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    state TEXT NOT NULL CHECK (state IN ('initialized', 'validated', 'refused', 'cancelled')),
    mode TEXT NOT NULL CHECK (mode IN ('internet', 'card')),
    email TEXT NOT NULL,
    payer_name TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    checked_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, reference)
);
CREATE UNIQUE INDEX payments_provider_ref_idx ON payments (tenant_id, provider, provider_ref);
CREATE INDEX payments_state_idx ON payments (tenant_id, state, started_at);
CREATE INDEX payments_household_idx ON payments (tenant_id, household_id, started_at);

-- What a payment pays: invoices, or a deposit account's top-up.
CREATE TABLE payment_items (
    tenant_id BIGINT NOT NULL,
    payment_id BIGINT NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('invoice', 'deposit')),
    invoice_id BIGINT,
    account_id BIGINT,
    label TEXT NOT NULL,
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    PRIMARY KEY (tenant_id, payment_id, position)
);

-- Every word of the provider on a payment, with where it came from.
CREATE TABLE payment_events (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    payment_id BIGINT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('start', 'notification', 'return', 'poll')),
    outcome TEXT NOT NULL,
    state TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX payment_events_payment_idx ON payment_events (tenant_id, payment_id, occurred_at);

-- The régie of a téléservice's fees (none: its category's).
ALTER TABLE teleservices ADD COLUMN regie_id BIGINT;
ALTER TABLE categories ADD COLUMN regie_id BIGINT;

-- The collectivité's payment settings: online payment off for a period,
-- with a message; payments in progress and the history shown or not.
ALTER TABLE settings ADD COLUMN payments_off_from DATE;
ALTER TABLE settings ADD COLUMN payments_off_until DATE;
ALTER TABLE settings ADD COLUMN payments_off_message TEXT NOT NULL DEFAULT '';
ALTER TABLE settings ADD COLUMN show_payments_in_progress BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE settings ADD COLUMN show_payment_history BOOLEAN NOT NULL DEFAULT TRUE;

DO $$
DECLARE t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['regies', 'invoices', 'invoice_lines', 'deposit_accounts',
                             'deposit_movements', 'payments', 'payment_items', 'payment_events'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = guichet_current_tenant()) WITH CHECK (tenant_id = guichet_current_tenant())', t);
    END LOOP;
END
$$;
