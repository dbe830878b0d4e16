PRAGMA foreign_keys = OFF;
BEGIN;
DELETE FROM appearance_files WHERE kind = 'feuille-de-style';
DELETE FROM files WHERE content_type = 'text/css';
UPDATE tenants SET appearance = json_remove(appearance, '$."feuille-de-style"');
CREATE TABLE files_next (
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
INSERT INTO files_next SELECT * FROM files;
DROP TABLE files;
ALTER TABLE files_next RENAME TO files;
COMMIT;
PRAGMA foreign_keys = ON;
