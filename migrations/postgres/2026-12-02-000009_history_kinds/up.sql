-- The kinds of a request's history are one list in the domain
-- (`ActionKind`), the only writer's type; the table no longer repeats it.
ALTER TABLE request_actions DROP CONSTRAINT request_actions_kind_check;
ALTER TABLE request_actions ADD CONSTRAINT request_actions_kind_check CHECK (length(kind) BETWEEN 1 AND 40);
