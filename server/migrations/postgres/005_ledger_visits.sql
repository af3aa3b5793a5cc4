-- How many on-site visits each ticket had, and each cost's description, submitter and audit
-- note (see the SQLite migration 013_ledger_visits.sql).
ALTER TABLE ledger ADD COLUMN visits INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cost_lines ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE cost_lines ADD COLUMN submitted_by TEXT NOT NULL DEFAULT '';
ALTER TABLE cost_lines ADD COLUMN audit_note TEXT;
