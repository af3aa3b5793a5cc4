-- The outbox of domain events, written in the same transaction as the merge that caused them.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    ticket_id  TEXT    NOT NULL,
    audience   TEXT    NOT NULL,  -- roles, separated by spaces
    detail     TEXT    NOT NULL   -- JSON
);

-- Receivers of events over HTTP, each with the last event it acknowledged.
CREATE TABLE webhooks (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    url              TEXT    NOT NULL,
    secret           TEXT    NOT NULL,
    kinds            TEXT    NOT NULL,  -- event kinds, separated by spaces; empty for all
    delivered_upto   INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT
);
