ALTER TABLE teleservices DROP COLUMN fee_cents;
