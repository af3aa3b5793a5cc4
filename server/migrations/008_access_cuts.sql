-- Where a user's access to a ticket was cut: the ticket's heads just before the write that took
-- the user off it (a reassignment). The user's devices may still send work that builds on no
-- more than these heads, and hear nothing written after them. A user who is given the ticket
-- again has no cut.
CREATE TABLE access_cuts (
    user_id   TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    heads     BLOB NOT NULL,
    PRIMARY KEY (user_id, ticket_id)
) WITHOUT ROWID;
-- A device that held a ticket its user can no longer read, from before cuts were recorded: the
-- cut is where the ticket stands now, so the device's work from before is still taken and
-- nothing later reaches it.
INSERT OR IGNORE INTO access_cuts (user_id, ticket_id, heads)
SELECT DISTINCT dv.user_id, dd.ticket_id, doc.heads
FROM device_docs dd
JOIN devices dv ON dv.device_id = dd.device_id
JOIN documents doc ON doc.ticket_id = dd.ticket_id
WHERE NOT EXISTS (
    SELECT 1 FROM access a WHERE a.user_id = dv.user_id AND a.ticket_id = dd.ticket_id
);
