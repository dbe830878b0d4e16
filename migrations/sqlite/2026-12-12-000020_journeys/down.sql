DELETE FROM household_tokens WHERE purpose = 'follow';
CREATE TABLE household_tokens_next (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    digest TEXT NOT NULL CHECK (length(digest) = 64),
    purpose TEXT NOT NULL CHECK (purpose IN ('confirm', 'reset', 'resume')),
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
DELETE FROM payment_events WHERE source = 'abandon';
CREATE TABLE payment_events_next (
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
INSERT INTO payment_events_next SELECT * FROM payment_events;
DROP TABLE payment_events;
ALTER TABLE payment_events_next RENAME TO payment_events;
CREATE INDEX payment_events_payment_idx ON payment_events (tenant_id, payment_id, occurred_at);
ALTER TABLE payments DROP COLUMN abandoned_at;
