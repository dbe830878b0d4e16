-- A payment the payer abandoned before the bank answered: its invoices are
-- payable again at once; the bank is still asked what became of it.
ALTER TABLE payments ADD COLUMN abandoned_at TIMESTAMP;

-- Events of a payment: the payer's abandonment too.
ALTER TABLE payment_events DROP CONSTRAINT payment_events_source_check;
ALTER TABLE payment_events ADD CONSTRAINT payment_events_source_check
    CHECK (source IN ('start', 'notification', 'return', 'poll', 'abandon'));

-- Links that let someone who filed a request without an account follow it.
ALTER TABLE household_tokens DROP CONSTRAINT household_tokens_purpose_check;
ALTER TABLE household_tokens ADD CONSTRAINT household_tokens_purpose_check
    CHECK (purpose IN ('confirm', 'reset', 'resume', 'follow'));
