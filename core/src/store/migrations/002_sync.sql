-- Sync with the office server: the enrolment, the change-feed cursor, and per ticket what the
-- office has confirmed (receipts) and the automerge sync state.
CREATE TABLE sync_meta (
    singleton        INTEGER PRIMARY KEY CHECK (singleton = 1),
    server_url       TEXT,
    token            TEXT,
    cursor           INTEGER NOT NULL DEFAULT 0,
    last_response    INTEGER NOT NULL DEFAULT 0,
    last_sync_at     INTEGER,
    last_attempt_at  INTEGER,
    last_error       TEXT
);

INSERT INTO sync_meta (singleton) VALUES (1);

CREATE TABLE sync_docs (
    ticket_id        TEXT PRIMARY KEY REFERENCES documents (ticket_id) ON DELETE CASCADE,
    confirmed_heads  BLOB NOT NULL DEFAULT x'',
    sync_state       BLOB,
    last_error       TEXT
);
