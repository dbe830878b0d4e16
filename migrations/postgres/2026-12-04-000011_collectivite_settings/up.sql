-- The collectivité's settings, the portal's and the back office's in one
-- row: the request lock's delay, the default instruction delays, the alert
-- e-mails to agents. No row: the defaults.
ALTER TABLE portal_settings RENAME TO settings;
ALTER TABLE settings ADD COLUMN lock_minutes INTEGER NOT NULL DEFAULT 30 CHECK (lock_minutes BETWEEN 5 AND 480);
ALTER TABLE settings ADD COLUMN max_delay_days INTEGER NOT NULL DEFAULT 10 CHECK (max_delay_days BETWEEN 1 AND 365);
ALTER TABLE settings ADD COLUMN alert_delay_days INTEGER NOT NULL DEFAULT 3 CHECK (alert_delay_days BETWEEN 0 AND 364);
ALTER TABLE settings ADD COLUMN alerts_enabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE settings ADD COLUMN alerts_detailed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE settings ADD CONSTRAINT settings_alert_before_max CHECK (alert_delay_days < max_delay_days);
