-- PostgreSQL tells every process of a change to a collectivité's entry
-- (LISTEN/NOTIFY); SQLite serves one process, which knows its own changes.
SELECT 1;
