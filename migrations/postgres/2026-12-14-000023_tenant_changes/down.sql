DROP TRIGGER tenant_hosts_changed ON tenant_hosts;
DROP TRIGGER tenants_changed ON tenants;
DROP FUNCTION guichet_tenants_changed();
