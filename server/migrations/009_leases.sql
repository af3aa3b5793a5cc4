-- Leases: which server runs the deadline watcher and delivers the webhooks when several share
-- one database. A lease its holder stops renewing passes to the next server that asks.
CREATE TABLE leases (
    name        TEXT    PRIMARY KEY,  -- what the holder does: deadline_watcher, webhooks
    holder      TEXT    NOT NULL,     -- the server holding it
    expires_at  INTEGER NOT NULL
) WITHOUT ROWID;
