DROP TABLE files;
DROP SEQUENCE guichet_ids;
