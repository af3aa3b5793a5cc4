-- The sales representative of a ticket as a user, and the representative who bears a cost
-- (see the SQLite migration 012_sales.sql).
ALTER TABLE ledger ADD COLUMN sales_rep TEXT;
ALTER TABLE cost_lines ADD COLUMN borne_by TEXT;
CREATE INDEX cost_lines_by_rep ON cost_lines (borne_by) WHERE borne_by IS NOT NULL;
