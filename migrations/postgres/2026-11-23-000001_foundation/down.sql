DROP TABLE mail_outbox;
DROP TABLE audit_events;
DROP TABLE id_sequences;
DROP FUNCTION guichet_current_tenant();
DROP TABLE super_admins;
DROP TABLE tenant_hosts;
DROP TABLE tenants;
