-- Provisioning: the collectivité's details, its agents (mirror of the
-- directory), groups, écoles and centres de loisirs, téléservices, categories
-- and per-category rights; API tokens. Conventions: docs/adr/0002.

ALTER TABLE tenants ADD COLUMN postal_address TEXT NOT NULL DEFAULT '' CHECK (length(postal_address) <= 500);
ALTER TABLE tenants ADD COLUMN contact_email TEXT NOT NULL DEFAULT '' CHECK (length(contact_email) <= 254);
ALTER TABLE tenants ADD COLUMN siret TEXT CHECK (length(siret) = 14 AND siret NOT GLOB '*[^0-9]*');

-- Bearer tokens of the JSON API, kept as SHA-256 digests; a token belongs to a
-- super-admin (tenant_id NULL) or to a referential admin of one collectivité.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    token_digest TEXT NOT NULL UNIQUE,
    login TEXT NOT NULL CHECK (length(login) BETWEEN 1 AND 100),
    tenant_id INTEGER REFERENCES tenants (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE agents (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id INTEGER NOT NULL,
    uid TEXT NOT NULL CHECK (length(uid) BETWEEN 1 AND 64),
    first_name TEXT NOT NULL CHECK (length(first_name) BETWEEN 1 AND 100),
    last_name TEXT NOT NULL CHECK (length(last_name) BETWEEN 1 AND 100),
    -- folded (lower case, no accents): what the search box matches by prefix
    first_key TEXT NOT NULL,
    last_key TEXT NOT NULL,
    email TEXT NOT NULL CHECK (length(email) <= 254),
    phone TEXT NOT NULL CHECK (length(phone) <= 30),
    profile TEXT NOT NULL CHECK (profile IN ('agent', 'manager', 'admin')),
    -- built-in directory only; with LDAP the directory keeps the password
    password_hash TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, uid)
);
CREATE INDEX agents_last_key_idx ON agents (tenant_id, last_key);
CREATE INDEX agents_first_key_idx ON agents (tenant_id, first_key);

CREATE TABLE directory_groups (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id INTEGER NOT NULL,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    label TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);

CREATE TABLE group_members (
    tenant_id INTEGER NOT NULL,
    group_id INTEGER NOT NULL,
    agent_id INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, group_id, agent_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES directory_groups (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, agent_id) REFERENCES agents (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX group_members_agent_idx ON group_members (tenant_id, agent_id);

-- Écoles (kind school) and centres de loisirs (kind recreation_center).
CREATE TABLE facilities (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('school', 'recreation_center')),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 150),
    -- lower case: the directory names entries by name, case-insensitively
    name_key TEXT NOT NULL,
    address TEXT NOT NULL CHECK (length(address) <= 500),
    phone TEXT NOT NULL CHECK (length(phone) <= 30),
    email TEXT NOT NULL CHECK (length(email) <= 254),
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, kind, name_key)
);

CREATE TABLE categories (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id INTEGER NOT NULL,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    name_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name_key)
);

-- The collectivité's téléservices (request types); each in at most one category.
CREATE TABLE teleservices (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id INTEGER NOT NULL,
    code TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 80),
    label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    category_id INTEGER,
    active BOOLEAN NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, code),
    FOREIGN KEY (tenant_id, category_id) REFERENCES categories (tenant_id, id)
);
CREATE INDEX teleservices_category_idx ON teleservices (tenant_id, category_id);

-- No row: no access to the category.
CREATE TABLE category_rights (
    tenant_id INTEGER NOT NULL,
    category_id INTEGER NOT NULL,
    agent_id INTEGER NOT NULL,
    access TEXT NOT NULL CHECK (access IN ('none', 'read', 'write', 'manage')),
    PRIMARY KEY (tenant_id, category_id, agent_id),
    FOREIGN KEY (tenant_id, category_id) REFERENCES categories (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, agent_id) REFERENCES agents (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX category_rights_agent_idx ON category_rights (tenant_id, agent_id);

-- Links mailed to agents to choose their password; kept as SHA-256 digests.
CREATE TABLE agent_password_tokens (
    tenant_id INTEGER NOT NULL,
    token_digest TEXT NOT NULL,
    agent_id INTEGER NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, token_digest),
    FOREIGN KEY (tenant_id, agent_id) REFERENCES agents (tenant_id, id) ON DELETE CASCADE
);
