-- The digest of the secret key that signs and encrypts the session cookies,
-- as the first process recorded it: a process started with another key is
-- refused (the sessions of the others would be unknown to it).
CREATE TABLE platform_keys (
    name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 40),
    digest TEXT NOT NULL CHECK (length(digest) = 64),
    set_at TIMESTAMP NOT NULL
);
