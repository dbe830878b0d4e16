ALTER TABLE teleservice_requirements DROP COLUMN required;
