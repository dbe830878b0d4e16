ALTER TABLE categories DROP COLUMN email;
DROP TABLE sms_messages;
DROP TABLE courriers;
