ALTER TABLE api_tokens DROP COLUMN scope;
DROP TABLE rate_counts;
DROP TABLE upload_usage;
