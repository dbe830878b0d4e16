-- The collectivité's appearance and documents: its logos and its PDF
-- documents (help, FAQ, legal notices, terms of use), each the current file
-- and the previous one, which may be restored.
CREATE TABLE appearance_files (
    tenant_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    slot TEXT NOT NULL CHECK (slot IN ('current', 'previous')),
    file_id BIGINT NOT NULL,
    uploaded_at TIMESTAMP NOT NULL,
    uploaded_by TEXT NOT NULL,
    PRIMARY KEY (tenant_id, kind, slot)
);

-- What the pages show of it (which files exist, by their file's id), kept
-- with the collectivité's entry so that the host's resolution brings it.
ALTER TABLE tenants ADD COLUMN appearance TEXT NOT NULL DEFAULT '{}';

ALTER TABLE appearance_files ENABLE ROW LEVEL SECURITY;
ALTER TABLE appearance_files FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON appearance_files USING (tenant_id = guichet_current_tenant()) WITH CHECK (tenant_id = guichet_current_tenant());
