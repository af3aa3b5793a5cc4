-- The device store, first version: identity, a summary per ticket for fast lists, and the
-- blobs kept beside the database. The document tables come from documents.sql.
CREATE TABLE device (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    device_id   TEXT    NOT NULL,
    actor_id    BLOB    NOT NULL,
    user_id     TEXT,
    role        TEXT,
    created_at  INTEGER NOT NULL
);

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
