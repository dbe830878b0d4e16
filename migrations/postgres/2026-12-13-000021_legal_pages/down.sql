DROP TABLE legal_pages;
