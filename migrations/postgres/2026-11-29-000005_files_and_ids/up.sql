-- Ids of technical rows come from one sequence, taken without locking any
-- row: no write waits on a per-collectivité counter (id_sequences stays for
-- the numbers people read, taken last in their transaction). It starts above
-- every id given so far, so that no (tenant_id, id) can repeat.
CREATE SEQUENCE guichet_ids;
SELECT setval('guichet_ids', (SELECT COALESCE(MAX(last_value), 0) + 1 FROM id_sequences), false);

-- Stored files (justificatifs, logos, documents): the object's key in the
-- object store, what the person called it, its checked type, size and digest.
CREATE TABLE files (
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    key TEXT NOT NULL UNIQUE CHECK (length(key) BETWEEN 1 AND 200),
    filename TEXT NOT NULL CHECK (length(filename) BETWEEN 1 AND 200),
    content_type TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    size BIGINT NOT NULL CHECK (size > 0),
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE files ENABLE ROW LEVEL SECURITY;
ALTER TABLE files FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON files USING (tenant_id = guichet_current_tenant()) WITH CHECK (tenant_id = guichet_current_tenant());
