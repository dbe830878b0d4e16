-- How a collectivité's agents may sign in besides their directory's
-- password: with ProConnect (the platform's client), once its referential
-- admin opens it. No row: the directory only.
CREATE TABLE agent_sign_in (
    tenant_id INTEGER PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    proconnect BOOLEAN NOT NULL
);
