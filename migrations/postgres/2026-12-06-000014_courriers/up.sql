-- Courriers types: the letters of a téléservice, written by the agents who
-- manage it (the body in the courriers' markup, checked when saved).
CREATE TABLE courriers (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    teleservice_id BIGINT NOT NULL,
    short_label TEXT NOT NULL CHECK (length(short_label) BETWEEN 1 AND 60),
    label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    model TEXT NOT NULL,
    body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, teleservice_id, short_label),
    FOREIGN KEY (tenant_id, teleservice_id) REFERENCES teleservices (tenant_id, id) ON DELETE CASCADE
);

-- Text messages to households, delivered through the SMS gateway by the
-- "sms.send" job, retried while the gateway is down.
CREATE TABLE sms_messages (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    request_id BIGINT,
    recipient TEXT NOT NULL,
    body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 480),
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    provider_ref TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id)
);

-- The address a category's correspondence comes from (RQ_CAT_EMAIL).
ALTER TABLE categories ADD COLUMN email TEXT NOT NULL DEFAULT '';

DO $$
DECLARE t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['courriers', 'sms_messages'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = guichet_current_tenant()) WITH CHECK (tenant_id = guichet_current_tenant())', t);
    END LOOP;
END
$$;
