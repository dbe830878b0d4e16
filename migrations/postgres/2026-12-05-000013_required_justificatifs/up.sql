-- A justificatif a téléservice requires: the request is not sent without it.
ALTER TABLE teleservice_requirements ADD COLUMN required BOOLEAN NOT NULL DEFAULT FALSE;
