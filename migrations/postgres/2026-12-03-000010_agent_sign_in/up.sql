-- How a collectivité's agents may sign in besides their directory's
-- password: with ProConnect (the platform's client), once its referential
-- admin opens it. No row: the directory only.
CREATE TABLE agent_sign_in (
    tenant_id BIGINT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    proconnect BOOLEAN NOT NULL
);
ALTER TABLE agent_sign_in ENABLE ROW LEVEL SECURITY;
ALTER TABLE agent_sign_in FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON agent_sign_in USING (tenant_id = guichet_current_tenant()) WITH CHECK (tenant_id = guichet_current_tenant());
