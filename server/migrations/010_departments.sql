-- What each department waits for, and the 30-minute hand-off measured from the desk's
-- confirmation that a ticket is a complaint. `waiting` holds `role:reason` entries separated by
-- spaces (a department's queue); `confirmed_at` is the device time of the confirmation and
-- `confirmed_received_at` when the server received it. The ledger is rebuilt by the new
-- projection when the server opens, which fills them.
ALTER TABLE ledger ADD COLUMN confirmed_at INTEGER;
ALTER TABLE ledger ADD COLUMN confirmed_received_at INTEGER;
ALTER TABLE ledger ADD COLUMN waiting TEXT NOT NULL DEFAULT '';
-- The people hand-offs named, separated by spaces: they may read the ticket.
ALTER TABLE ledger ADD COLUMN addressed TEXT NOT NULL DEFAULT '';
DROP INDEX ledger_awaiting_handoff;
CREATE INDEX ledger_awaiting_handoff ON ledger (confirmed_received_at)
    WHERE handed_off_received_at IS NULL AND imported = 0 AND confirmed_received_at IS NOT NULL;
DROP INDEX ledger_handoff_delay_by_receipt;
CREATE INDEX ledger_handoff_delay_by_receipt ON ledger (handed_off_received_at - confirmed_received_at)
    WHERE imported = 0 AND confirmed_received_at IS NOT NULL;
DROP INDEX ledger_handoff_delay_by_device;
CREATE INDEX ledger_handoff_delay_by_device ON ledger (handed_off_at - confirmed_at)
    WHERE imported = 0 AND confirmed_at IS NOT NULL;
CREATE INDEX ledger_waiting ON ledger (updated_at) WHERE waiting <> '';
