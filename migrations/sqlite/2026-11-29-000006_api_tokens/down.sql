DROP TABLE api_tokens;
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_digest TEXT NOT NULL UNIQUE,
    login TEXT NOT NULL CHECK (length(login) BETWEEN 1 AND 100),
    tenant_id INTEGER REFERENCES tenants (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL
);
