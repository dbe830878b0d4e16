DROP TABLE form_versions;
DROP TABLE form_drafts;
