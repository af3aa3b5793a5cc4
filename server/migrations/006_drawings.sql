-- The drawing delivery: the technical department sends a product's electronic drawings within
-- 3 working days after it ships. The ledger knows when it shipped and whether the drawings
-- came, so that the watcher finds late ones without reading documents.
ALTER TABLE ledger ADD COLUMN shipped_on TEXT;
ALTER TABLE ledger ADD COLUMN drawings_sent_at INTEGER;
CREATE INDEX ledger_awaiting_drawings ON ledger (shipped_on)
    WHERE shipped_on IS NOT NULL AND drawings_sent_at IS NULL;
