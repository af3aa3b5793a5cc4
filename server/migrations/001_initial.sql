-- The office server, first version.
--
-- Documents as a snapshot plus the chunks of changes appended since, in the device store's
-- layout (fieldledger-core's documents.sql), so that core's document functions read and write
-- them. Copied here as this migration first created them, so that fresh installs and upgraded
-- databases keep the same tables whatever later becomes of the device store's schema.
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

-- Everything else the server keeps.
CREATE TABLE server_meta (
    singleton     INTEGER PRIMARY KEY CHECK (singleton = 1),
    system_actor  BLOB    NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE users (
    user_id     TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    actor_id    BLOB    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE devices (
    device_id    TEXT    PRIMARY KEY,
    user_id      TEXT    NOT NULL REFERENCES users (user_id),
    label        TEXT    NOT NULL,
    token_hash   BLOB    NOT NULL UNIQUE,
    enrolled_at  INTEGER NOT NULL,
    revoked_at   INTEGER
);

-- Each automerge actor belongs to one device: the first to present it.
CREATE TABLE device_actors (
    actor_id   BLOB PRIMARY KEY,
    device_id  TEXT NOT NULL REFERENCES devices (device_id)
) WITHOUT ROWID;

-- The change feed: one row each time a document's stored heads change, with the device whose
-- request wrote it (that device got everything of the write in its answer).
CREATE TABLE feed (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id    TEXT    NOT NULL REFERENCES documents (ticket_id),
    changes      INTEGER NOT NULL,
    received_at  INTEGER NOT NULL,
    device_id    TEXT
);

CREATE INDEX feed_by_ticket ON feed (ticket_id, seq);

-- When the server first received each change, and from whom.
CREATE TABLE changes (
    hash         BLOB    PRIMARY KEY,
    ticket_id    TEXT    NOT NULL,
    received_at  INTEGER NOT NULL,
    user_id      TEXT    NOT NULL,
    device_id    TEXT
) WITHOUT ROWID;

CREATE INDEX changes_by_ticket ON changes (ticket_id);

-- Per device and document: the automerge sync state (what both are known to have), and the
-- heads last sent with the id of the response that carried them; the device acknowledges them
-- by presenting that id in its next request.
CREATE TABLE device_docs (
    device_id    TEXT    NOT NULL REFERENCES devices (device_id),
    ticket_id    TEXT    NOT NULL REFERENCES documents (ticket_id),
    sync_state   BLOB    NOT NULL,
    sent_heads   BLOB,
    sent_ack     INTEGER,
    PRIMARY KEY (device_id, ticket_id)
) WITHOUT ROWID;

-- Who may read a ticket beyond the office roles: its assignees and its creator.
CREATE TABLE access (
    user_id    TEXT NOT NULL,
    ticket_id  TEXT NOT NULL REFERENCES documents (ticket_id),
    reason     TEXT NOT NULL,
    PRIMARY KEY (user_id, ticket_id)
) WITHOUT ROWID;

CREATE INDEX access_by_ticket ON access (ticket_id);

-- The central complaint ledger: a projection of every ticket document.
CREATE TABLE ledger (
    ticket_id          TEXT    PRIMARY KEY REFERENCES documents (ticket_id),
    ledger_number      TEXT    UNIQUE,
    status             TEXT    NOT NULL,
    kind               TEXT    NOT NULL,
    complaint          INTEGER NOT NULL,
    major              INTEGER NOT NULL,
    customer_name      TEXT    NOT NULL,
    product_name       TEXT    NOT NULL,
    model              TEXT    NOT NULL,
    job_number         TEXT    NOT NULL,
    contract_number    TEXT    NOT NULL,
    assignees          TEXT    NOT NULL,
    disposition        TEXT,
    decision_conflict  INTEGER NOT NULL,
    registered_at      INTEGER,
    received_at        INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    cost_total_minor   INTEGER NOT NULL,
    next_return_visit  TEXT,
    created_by         TEXT
);

CREATE INDEX ledger_by_status ON ledger (status, updated_at);
CREATE INDEX ledger_by_update ON ledger (updated_at DESC, ticket_id);

CREATE TABLE ledger_numbers (
    year  INTEGER PRIMARY KEY,
    last  INTEGER NOT NULL
);

CREATE TABLE blobs (
    sha256       TEXT    PRIMARY KEY,
    size         INTEGER NOT NULL,
    received_at  INTEGER NOT NULL
);

CREATE TABLE security_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    device_id  TEXT,
    user_id    TEXT,
    ticket_id  TEXT,
    detail     TEXT    NOT NULL
);
