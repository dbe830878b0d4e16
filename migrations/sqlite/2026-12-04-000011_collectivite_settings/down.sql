ALTER TABLE settings DROP COLUMN alerts_detailed;
ALTER TABLE settings DROP COLUMN alerts_enabled;
ALTER TABLE settings DROP COLUMN alert_delay_days;
ALTER TABLE settings DROP COLUMN max_delay_days;
ALTER TABLE settings DROP COLUMN lock_minutes;
ALTER TABLE settings RENAME TO portal_settings;
