-- Documents as a snapshot plus the chunks of changes appended since; shared by the device store
-- and the office server (see documents.rs).
CREATE TABLE documents (
    ticket_id    TEXT    PRIMARY KEY,
    snapshot     BLOB    NOT NULL,
    chunk_count  INTEGER NOT NULL DEFAULT 0,
    chunk_bytes  INTEGER NOT NULL DEFAULT 0,
    next_seq     INTEGER NOT NULL DEFAULT 0,
    heads        BLOB    NOT NULL
);

CREATE TABLE chunks (
    ticket_id  TEXT    NOT NULL REFERENCES documents (ticket_id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    data       BLOB    NOT NULL,
    PRIMARY KEY (ticket_id, seq)
) WITHOUT ROWID;
