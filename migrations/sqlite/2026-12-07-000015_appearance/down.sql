ALTER TABLE tenants DROP COLUMN appearance;
DROP TABLE appearance_files;
