-- The form studio. A collectivité's own téléservice form is edited as a
-- working copy, one per code, saved with a revision number so that two agents
-- editing it at once never overwrite each other; publishing makes a version,
-- which never changes afterwards (requests filed with it read it back), with
-- the scenarios it passed.
CREATE TABLE form_drafts (
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    code TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 64),
    definition TEXT NOT NULL CHECK (length(definition) <= 1048576),
    scenarios TEXT NOT NULL CHECK (length(scenarios) <= 1048576),
    revision BIGINT NOT NULL CHECK (revision >= 1),
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (tenant_id, code)
);
CREATE TABLE form_versions (
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    code TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 64),
    version INTEGER NOT NULL CHECK (version >= 1),
    definition TEXT NOT NULL,
    scenarios TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    published_by TEXT NOT NULL,
    PRIMARY KEY (tenant_id, code, version)
);
ALTER TABLE form_drafts ENABLE ROW LEVEL SECURITY;
ALTER TABLE form_drafts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON form_drafts USING (tenant_id = guichet_current_tenant()) WITH CHECK (tenant_id = guichet_current_tenant());
ALTER TABLE form_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE form_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON form_versions USING (tenant_id = guichet_current_tenant()) WITH CHECK (tenant_id = guichet_current_tenant());
