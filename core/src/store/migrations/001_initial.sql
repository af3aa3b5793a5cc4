-- The device store, first version: identity, documents as snapshot plus chunks, a summary per
-- ticket for fast lists, and the blobs kept beside the database.
CREATE TABLE device (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    device_id   TEXT    NOT NULL,
    actor_id    BLOB    NOT NULL,
    user_id     TEXT,
    role        TEXT,
    created_at  INTEGER NOT NULL
);

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

CREATE TABLE summaries (
    ticket_id          TEXT    PRIMARY KEY REFERENCES documents (ticket_id) ON DELETE CASCADE,
    ledger_number      TEXT,
    kind               TEXT    NOT NULL,
    complaint          INTEGER NOT NULL,
    major              INTEGER NOT NULL,
    customer_name      TEXT    NOT NULL,
    product_name       TEXT    NOT NULL,
    model              TEXT    NOT NULL,
    job_number         TEXT    NOT NULL,
    assignees          TEXT    NOT NULL,
    disposition        TEXT,
    decision_conflict  INTEGER NOT NULL,
    on_site            INTEGER NOT NULL,
    signed_off         INTEGER NOT NULL,
    registered_at      INTEGER,
    updated_at         INTEGER NOT NULL
);

CREATE INDEX summaries_by_update ON summaries (updated_at DESC, ticket_id);

CREATE TABLE blobs (
    sha256    TEXT    PRIMARY KEY,
    mime      TEXT    NOT NULL,
    size      INTEGER NOT NULL,
    added_at  INTEGER NOT NULL,
    uploaded  INTEGER NOT NULL DEFAULT 0
);
