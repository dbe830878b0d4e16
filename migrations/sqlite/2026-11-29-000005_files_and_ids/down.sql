DROP TABLE files;
DROP TABLE global_ids;
