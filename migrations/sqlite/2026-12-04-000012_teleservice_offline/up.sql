-- What the portal says of a téléservice taken offline.
ALTER TABLE teleservices ADD COLUMN offline_message TEXT NOT NULL DEFAULT '' CHECK (length(offline_message) <= 500);
