DELETE FROM household_tokens WHERE purpose = 'follow';
ALTER TABLE household_tokens DROP CONSTRAINT household_tokens_purpose_check;
ALTER TABLE household_tokens ADD CONSTRAINT household_tokens_purpose_check
    CHECK (purpose IN ('confirm', 'reset', 'resume'));
DELETE FROM payment_events WHERE source = 'abandon';
ALTER TABLE payment_events DROP CONSTRAINT payment_events_source_check;
ALTER TABLE payment_events ADD CONSTRAINT payment_events_source_check
    CHECK (source IN ('start', 'notification', 'return', 'poll'));
ALTER TABLE payments DROP COLUMN abandoned_at;
