DROP INDEX mail_outbox_sent_idx;
ALTER TABLE mail_outbox ADD COLUMN next_attempt_at TIMESTAMP NOT NULL DEFAULT (datetime('now'));
CREATE INDEX mail_outbox_due_idx ON mail_outbox (state, next_attempt_at);
ALTER TABLE mail_outbox DROP COLUMN secret;
DROP TABLE jobs;
