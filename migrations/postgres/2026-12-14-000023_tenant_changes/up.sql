-- Every change to a collectivité's entry or host names is told to every
-- process on channel `guichet_tenants` (LISTEN), whoever made it (a page,
-- a command, another process): their caches of host resolution drop at once.
CREATE FUNCTION guichet_tenants_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('guichet_tenants', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER tenants_changed AFTER INSERT OR UPDATE OR DELETE ON tenants
    FOR EACH STATEMENT EXECUTE FUNCTION guichet_tenants_changed();
CREATE TRIGGER tenant_hosts_changed AFTER INSERT OR UPDATE OR DELETE ON tenant_hosts
    FOR EACH STATEMENT EXECUTE FUNCTION guichet_tenants_changed();
