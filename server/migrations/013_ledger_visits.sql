-- How many on-site visits each ticket had, for the first-visit fix rate of the statistics. The
-- ledger projection version rises with this migration: the server fills the column of existing
-- tickets from their documents as it opens (`server/src/ledger.rs`).
ALTER TABLE ledger ADD COLUMN visits INTEGER NOT NULL DEFAULT 0;
