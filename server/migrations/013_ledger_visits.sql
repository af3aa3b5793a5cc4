-- How many on-site visits each ticket had, for the first-visit fix rate of the statistics, and
-- what finance reads of each cost: what it was, who submitted it and why an audit rejected it.
-- The ledger projection version rises with this migration: the server fills the new columns of
-- existing tickets from their documents as it opens (`server/src/ledger.rs`).
ALTER TABLE ledger ADD COLUMN visits INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cost_lines ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE cost_lines ADD COLUMN submitted_by TEXT NOT NULL DEFAULT '';
-- The auditor's note; NULL until audited.
ALTER TABLE cost_lines ADD COLUMN audit_note TEXT;
