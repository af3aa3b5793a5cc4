-- What each department waits for, and the 30-minute hand-off measured from the desk's
-- confirmation that a ticket is a complaint (see the SQLite migration 010_departments.sql).
ALTER TABLE ledger ADD COLUMN confirmed_at BIGINT;
ALTER TABLE ledger ADD COLUMN confirmed_received_at BIGINT;
ALTER TABLE ledger ADD COLUMN waiting TEXT NOT NULL DEFAULT '';
-- The people hand-offs named, separated by spaces: they may read the ticket.
ALTER TABLE ledger ADD COLUMN addressed TEXT NOT NULL DEFAULT '';
DROP INDEX ledger_awaiting_handoff;
CREATE INDEX ledger_awaiting_handoff ON ledger (confirmed_received_at)
    WHERE handed_off_received_at IS NULL AND NOT imported AND confirmed_received_at IS NOT NULL;
DROP INDEX ledger_handoff_delay_by_receipt;
CREATE INDEX ledger_handoff_delay_by_receipt ON ledger ((handed_off_received_at - confirmed_received_at))
    WHERE NOT imported AND confirmed_received_at IS NOT NULL;
DROP INDEX ledger_handoff_delay_by_device;
CREATE INDEX ledger_handoff_delay_by_device ON ledger ((handed_off_at - confirmed_at))
    WHERE NOT imported AND confirmed_at IS NOT NULL;
CREATE INDEX ledger_waiting ON ledger (updated_at) WHERE waiting <> '';
