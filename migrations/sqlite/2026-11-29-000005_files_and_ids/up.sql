-- Ids of technical rows come from one counter (SQLite has one writer at a
-- time, so it adds no wait); it starts above every id given so far.
CREATE TABLE global_ids (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_value INTEGER NOT NULL
);
INSERT INTO global_ids (id, last_value) SELECT 1, COALESCE(MAX(last_value), 0) FROM id_sequences;

-- Stored files (justificatifs, logos, documents): the object's key in the
-- object store, what the person called it, its checked type, size and digest.
CREATE TABLE files (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id INTEGER NOT NULL,
    key TEXT NOT NULL UNIQUE CHECK (length(key) BETWEEN 1 AND 200),
    filename TEXT NOT NULL CHECK (length(filename) BETWEEN 1 AND 200),
    content_type TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    size INTEGER NOT NULL CHECK (size > 0),
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
