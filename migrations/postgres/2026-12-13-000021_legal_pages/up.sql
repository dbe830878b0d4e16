-- The collectivité's own text of a page every public service must have
-- (legal notice, personal data, accessibility statement); without a row,
-- the page says the text made from its settings.
CREATE TABLE legal_pages (
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('mentions-legales', 'donnees-personnelles', 'accessibilite')),
    body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 40000),
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (tenant_id, kind)
);
ALTER TABLE legal_pages ENABLE ROW LEVEL SECURITY;
ALTER TABLE legal_pages FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON legal_pages USING (tenant_id = guichet_current_tenant()) WITH CHECK (tenant_id = guichet_current_tenant());
