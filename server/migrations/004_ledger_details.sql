-- The ledger carries the whole complaint information processing form, so that it can be
-- exported as the department's spreadsheet ledger, and knows which tickets were imported from
-- one. Imported rows are remembered by a key, so that importing a file again creates nothing
-- twice.
ALTER TABLE ledger ADD COLUMN contact_person TEXT NOT NULL DEFAULT '';
ALTER TABLE ledger ADD COLUMN contact_method TEXT NOT NULL DEFAULT '';
ALTER TABLE ledger ADD COLUMN content TEXT NOT NULL DEFAULT '';
ALTER TABLE ledger ADD COLUMN requests TEXT NOT NULL DEFAULT '';
ALTER TABLE ledger ADD COLUMN source TEXT NOT NULL DEFAULT 'customer';
ALTER TABLE ledger ADD COLUMN sales_representative TEXT;
ALTER TABLE ledger ADD COLUMN imported INTEGER NOT NULL DEFAULT 0;

DROP INDEX ledger_awaiting_handoff;
CREATE INDEX ledger_awaiting_handoff ON ledger (received_at)
    WHERE handed_off_received_at IS NULL AND imported = 0;
-- Late hand-offs, found by their delay rather than by reading the whole ledger.
CREATE INDEX ledger_handoff_delay_by_receipt ON ledger (handed_off_received_at - received_at)
    WHERE imported = 0;
CREATE INDEX ledger_handoff_delay_by_device ON ledger (handed_off_at - registered_at)
    WHERE imported = 0;

CREATE TABLE imported_rows (
    import_key   TEXT    PRIMARY KEY,   -- the row's ledger number, or a digest of its fields
    ticket_id    TEXT    NOT NULL REFERENCES documents (ticket_id),
    imported_at  INTEGER NOT NULL
);

-- The version of the ledger's projection from the documents: when the code projects more than
-- the stored rows hold, the server rebuilds the ledger as it opens.
ALTER TABLE server_meta ADD COLUMN ledger_projection INTEGER NOT NULL DEFAULT 0;
