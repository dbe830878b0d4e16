-- The portal's style sheet is a stored file too (text/css, checked whole).
ALTER TABLE files DROP CONSTRAINT files_content_type_check;
ALTER TABLE files ADD CONSTRAINT files_content_type_check
    CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png', 'text/css'));
