-- The portal's style sheet is a stored file too (text/css, checked whole).
-- SQLite changes a CHECK by rebuilding the table; other tables reference
-- files, so foreign keys are off while it is swapped, and checked after.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE files_next (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id INTEGER NOT NULL,
    key TEXT NOT NULL UNIQUE CHECK (length(key) BETWEEN 1 AND 200),
    filename TEXT NOT NULL CHECK (length(filename) BETWEEN 1 AND 200),
    content_type TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png', 'text/css')),
    size INTEGER NOT NULL CHECK (size > 0),
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
INSERT INTO files_next SELECT * FROM files;
DROP TABLE files;
ALTER TABLE files_next RENAME TO files;
COMMIT;
PRAGMA foreign_keys = ON;
