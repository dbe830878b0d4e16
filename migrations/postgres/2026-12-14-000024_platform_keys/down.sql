DROP TABLE platform_keys;
