-- API tokens belong to a principal's row, not to a login string: removing the
-- super-admin or the agent removes their tokens, and a uid given again to
-- someone else later inherits nothing. Each token expires and records its
-- last use. Existing tokens are carried over to their principal's row.
CREATE TABLE api_tokens_v2 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_digest TEXT NOT NULL UNIQUE,
    super_admin_id INTEGER REFERENCES super_admins (id) ON DELETE CASCADE,
    tenant_id INTEGER REFERENCES tenants (id) ON DELETE CASCADE,
    agent_id INTEGER,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    FOREIGN KEY (tenant_id, agent_id) REFERENCES agents (tenant_id, id) ON DELETE CASCADE,
    CHECK ((super_admin_id IS NULL) = (agent_id IS NOT NULL)),
    CHECK ((agent_id IS NULL) = (tenant_id IS NULL))
);
CREATE INDEX api_tokens_agent_idx ON api_tokens_v2 (tenant_id, agent_id);
CREATE INDEX api_tokens_super_admin_idx ON api_tokens_v2 (super_admin_id);
INSERT INTO api_tokens_v2 (token_digest, super_admin_id, created_at, expires_at)
    SELECT t.token_digest, s.id, t.created_at, datetime('now', '+90 days')
      FROM api_tokens t JOIN super_admins s ON s.login = t.login;
INSERT INTO api_tokens_v2 (token_digest, tenant_id, agent_id, created_at, expires_at)
    SELECT t.token_digest, a.tenant_id, a.id, t.created_at, datetime('now', '+90 days')
      FROM api_tokens t
      JOIN tenants n
      JOIN agents a ON a.tenant_id = n.id AND t.login = a.uid || '@' || n.slug;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_v2 RENAME TO api_tokens;
