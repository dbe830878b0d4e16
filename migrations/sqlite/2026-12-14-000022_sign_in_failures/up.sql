-- Failed sign-ins counted by every process alike (the login throttle): the
-- key is a digest of what is counted (a login and an address, a login, an
-- address), never the login or the address themselves. Read before any
-- tenant is chosen: no row-level policy.
CREATE TABLE sign_in_failures (
    key TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 100),
    failures INTEGER NOT NULL CHECK (failures >= 0),
    first_at TIMESTAMP NOT NULL,
    last_at TIMESTAMP NOT NULL,
    next_at TIMESTAMP NOT NULL
);
CREATE INDEX sign_in_failures_last ON sign_in_failures (last_at);
