-- Durable jobs: timed and background work (e-mail, purges, later alerts and
-- payment polling). A platform table, so that one query on the due index
-- finds the work of every collectivité; each job names its collectivité, and
-- its handler reaches that collectivité's rows through a scoped transaction.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id INTEGER REFERENCES tenants (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 100),
    -- at most one pending job per kind and key (periodic work)
    unique_key TEXT CHECK (length(unique_key) <= 200),
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
    run_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
    locked_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX jobs_due_idx ON jobs (run_at, id) WHERE state = 'pending';
CREATE UNIQUE INDEX jobs_unique_idx ON jobs (kind, unique_key) WHERE state = 'pending';
CREATE INDEX jobs_finished_idx ON jobs (finished_at) WHERE state <> 'pending';

-- The outbox keeps the messages; their delivery is a job ("mail.send").
-- A message carrying a secret link loses its body once sent.
ALTER TABLE mail_outbox ADD COLUMN secret BOOLEAN NOT NULL DEFAULT 0;
DROP INDEX mail_outbox_due_idx;
ALTER TABLE mail_outbox DROP COLUMN next_attempt_at;
CREATE INDEX mail_outbox_sent_idx ON mail_outbox (tenant_id, sent_at);
INSERT INTO jobs (tenant_id, kind, payload, state, run_at, attempts, max_attempts, created_at)
    SELECT tenant_id, 'mail.send', '{"mail_id":' || id || '}', 'pending', datetime('now'), attempts, 8, created_at
      FROM mail_outbox WHERE state = 'pending';
