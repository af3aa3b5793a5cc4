-- Statistics over a period: what each statistic is dated by, and covering indexes so that a
-- statistic of a month or a year reads one index range without touching the tables. The ledger
-- projection version rises with this migration: the server fills the new columns of existing
-- tickets from their documents as it opens (`server/src/ledger.rs`).

-- When a ticket first reached resolved or closed (device time); NULL while it has not.
ALTER TABLE ledger ADD COLUMN resolved_at INTEGER;
-- The roles its hand-offs passed it to, space-separated machine names, sorted and distinct.
ALTER TABLE ledger ADD COLUMN handed_off_to TEXT NOT NULL DEFAULT '';
-- When a cost was submitted (device time); every line gets it when the ledger is rebuilt.
ALTER TABLE cost_lines ADD COLUMN submitted_at INTEGER;

-- Complaints of a period by any axis. Its leading columns serve what
-- ledger_complaints_by_registration served, which it replaces.
DROP INDEX ledger_complaints_by_registration;
CREATE INDEX ledger_complaint_statistics ON ledger (complaint, registered_at, product_name,
    model, cause, responsibility, customer_name, disposition, resolved_at, assignees,
    handed_off_to);
-- Hand-offs of the confirmed complaints registered in a period.
CREATE INDEX ledger_handoffs_by_registration ON ledger (registered_at, imported, confirmed_at,
    confirmed_received_at, handed_off_at, handed_off_received_at);
-- Open corrective actions by due day, with their count.
CREATE INDEX ledger_open_actions_by_due ON ledger (next_action_due, open_actions)
    WHERE next_action_due IS NOT NULL;
-- Return visits planned in a period, with their outcomes.
CREATE INDEX return_visits_outcomes_by_day ON return_visits (planned_for, done_at, resolved,
    satisfaction);
-- Costs submitted in a period, by kind and by bearer: each count reads one of these in its
-- groups' order, the submission time checked in the index, with no sort of a year of costs. They
-- replace the covering indexes of migration 003, whose columns they hold.
DROP INDEX cost_lines_by_kind;
DROP INDEX cost_lines_by_bearer;
CREATE INDEX cost_lines_by_kind ON cost_lines (kind, currency, submitted_at, amount_minor,
    approved, settled);
CREATE INDEX cost_lines_by_bearer ON cost_lines (bearer, currency, submitted_at, amount_minor,
    approved, settled);
