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
