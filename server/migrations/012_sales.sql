-- The sales representative of a ticket as a user, and the representative who bears a cost.
-- The ledger projection version rises with this migration: the server fills the new columns of
-- existing tickets from their documents as it opens (`server/src/ledger.rs`).

-- The ticket's sales representative (a user of the sales role); NULL while it names none. They
-- may read the ticket (access reason 'sales_rep') while it names them.
ALTER TABLE ledger ADD COLUMN sales_rep TEXT;
-- The sales representative who bears a cost borne by one; NULL for other bearers.
ALTER TABLE cost_lines ADD COLUMN borne_by TEXT;
-- The costs a representative bears, for their own list.
CREATE INDEX cost_lines_by_rep ON cost_lines (borne_by) WHERE borne_by IS NOT NULL;
