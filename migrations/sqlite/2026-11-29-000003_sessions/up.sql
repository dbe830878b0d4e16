-- Server-side sessions: the cookie holds only a random key, whose SHA-256
-- digest is the row's id. A platform table (like api_tokens): it is read
-- before any collectivité is known; the rows name theirs in tenant_id
-- (NULL for the platform's super-admins) and the principal they belong to.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY CHECK (length(id) = 64),
    plane TEXT NOT NULL CHECK (plane IN ('portal', 'backoffice', 'provisioning')),
    tenant_id INTEGER REFERENCES tenants (id) ON DELETE CASCADE,
    principal_kind TEXT CHECK (principal_kind IN ('superadmin', 'agent', 'household')),
    principal_id TEXT CHECK (length(principal_id) <= 200),
    state TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    CHECK ((principal_kind IS NULL) = (principal_id IS NULL))
);
CREATE INDEX sessions_principal_idx ON sessions (principal_kind, tenant_id, principal_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- The platform's own audit trail: super-admins' actions, their sign-ins,
-- API tokens issued and revoked. Append-only for the runtime role.
CREATE TABLE platform_audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    occurred_at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    detail_json TEXT
);
CREATE INDEX platform_audit_events_time_idx ON platform_audit_events (occurred_at);
