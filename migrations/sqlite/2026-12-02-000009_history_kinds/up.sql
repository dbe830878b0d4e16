-- The kinds of a request's history are one list in the domain
-- (`ActionKind`), the only writer's type; the table no longer repeats it
-- (SQLite drops a CHECK by rebuilding the table).
CREATE TABLE request_actions_next (
    tenant_id INTEGER NOT NULL,
    id INTEGER NOT NULL,
    request_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 40),
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('household', 'agent', 'system')),
    actor_id INTEGER,
    actor_name TEXT NOT NULL,
    resulting_state TEXT NOT NULL,
    note TEXT NOT NULL CHECK (length(note) <= 2000),
    -- Seen by the household (the public history).
    public BOOLEAN NOT NULL,
    snapshot_json TEXT,
    file_id INTEGER,
    occurred_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, request_id) REFERENCES requests (tenant_id, id) ON DELETE CASCADE
);
INSERT INTO request_actions_next SELECT * FROM request_actions;
DROP TABLE request_actions;
ALTER TABLE request_actions_next RENAME TO request_actions;
CREATE INDEX request_actions_request_idx ON request_actions (tenant_id, request_id, occurred_at);
