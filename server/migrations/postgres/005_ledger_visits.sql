-- How many on-site visits each ticket had (see the SQLite migration 013_ledger_visits.sql).
ALTER TABLE ledger ADD COLUMN visits INTEGER NOT NULL DEFAULT 0;
