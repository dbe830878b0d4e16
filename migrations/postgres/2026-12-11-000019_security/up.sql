-- What each foyer uploaded each day (Europe/Paris), against its daily
-- allowance: files stored for nobody's use cost the collectivité.
CREATE TABLE upload_usage (
    tenant_id BIGINT NOT NULL,
    household_id BIGINT NOT NULL,
    day DATE NOT NULL,
    files BIGINT NOT NULL CHECK (files >= 0),
    bytes BIGINT NOT NULL CHECK (bytes >= 0),
    PRIMARY KEY (tenant_id, household_id, day),
    FOREIGN KEY (tenant_id, household_id) REFERENCES households (tenant_id, id) ON DELETE CASCADE
);
ALTER TABLE upload_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE upload_usage FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON upload_usage USING (tenant_id = guichet_current_tenant()) WITH CHECK (tenant_id = guichet_current_tenant());

-- Anonymous actions counted per window (sign-ups, links mailed, visitors'
-- starts), shared by every process: the key names the action, the
-- collectivité and the address or e-mail counted. Read before any tenant
-- is chosen, as sessions are: no row-level policy.
CREATE TABLE rate_counts (
    key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 400),
    window_start TIMESTAMP NOT NULL,
    hits BIGINT NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_counts_window ON rate_counts (window_start);

-- Bearer tokens open one plane's API: the back office's or provisioning's.
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'backoffice' CHECK (scope IN ('backoffice', 'provisioning'));
UPDATE api_tokens SET scope = 'provisioning' WHERE super_admin_id IS NOT NULL;
