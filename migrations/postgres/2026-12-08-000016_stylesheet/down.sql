DELETE FROM appearance_files WHERE kind = 'feuille-de-style';
DELETE FROM files WHERE content_type = 'text/css';
UPDATE tenants SET appearance = (appearance::jsonb - 'feuille-de-style')::text;
ALTER TABLE files DROP CONSTRAINT files_content_type_check;
ALTER TABLE files ADD CONSTRAINT files_content_type_check
    CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png'));
