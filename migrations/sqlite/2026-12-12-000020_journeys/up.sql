-- A payment the payer abandoned before the bank answered: its invoices are
-- payable again at once; the bank is still asked what became of it.
ALTER TABLE payments ADD COLUMN abandoned_at TIMESTAMP;

-- Events of a payment: the payer's abandonment too (SQLite changes a CHECK
-- by rebuilding the table; nothing refers to it).
CREATE TABLE payment_events_next (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    payment_id BIGINT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('start', 'notification', 'return', 'poll', 'abandon')),
    outcome TEXT NOT NULL,
    state TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
INSERT INTO payment_events_next SELECT * FROM payment_events;
DROP TABLE payment_events;
ALTER TABLE payment_events_next RENAME TO payment_events;
CREATE INDEX payment_events_payment_idx ON payment_events (tenant_id, payment_id, occurred_at);

-- Links that let someone who filed a request without an account follow it.
CREATE TABLE household_tokens_next (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    digest TEXT NOT NULL CHECK (length(digest) = 64),
    purpose TEXT NOT NULL CHECK (purpose IN ('confirm', 'reset', 'resume', 'follow')),
    individual_id INTEGER,
    request_id INTEGER,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, digest)
);
INSERT INTO household_tokens_next SELECT * FROM household_tokens;
DROP TABLE household_tokens;
ALTER TABLE household_tokens_next RENAME TO household_tokens;
CREATE INDEX household_tokens_individual_idx ON household_tokens (tenant_id, individual_id, purpose);
CREATE INDEX household_tokens_request_idx ON household_tokens (tenant_id, request_id);
