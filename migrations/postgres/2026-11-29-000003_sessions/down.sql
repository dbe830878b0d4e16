DROP TABLE sessions;
DROP TABLE platform_audit_events;
