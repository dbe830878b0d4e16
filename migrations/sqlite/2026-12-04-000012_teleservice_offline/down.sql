ALTER TABLE teleservices DROP COLUMN offline_message;
