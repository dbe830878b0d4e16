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
