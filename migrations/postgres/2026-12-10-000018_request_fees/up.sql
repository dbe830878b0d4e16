-- A téléservice's fee, owed at submission to the téléservice's régie
-- (teleservices.regie_id); none when NULL.
ALTER TABLE teleservices ADD COLUMN fee_cents BIGINT;
