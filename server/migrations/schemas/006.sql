-- The schema of a server database at version 6 (after migration 006), as SQLite stores it
-- in sqlite_master. Frozen: a database at this version has exactly these tables and indexes,
-- so this file is never edited; server/src/storage/sqlite/migrations.rs upgrades from it.

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

CREATE TABLE server_meta (
    singleton     INTEGER PRIMARY KEY CHECK (singleton = 1),
    system_actor  BLOB    NOT NULL,
    created_at    INTEGER NOT NULL
, ledger_projection INTEGER NOT NULL DEFAULT 0);

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

CREATE TABLE device_actors (
    actor_id   BLOB PRIMARY KEY,
    device_id  TEXT NOT NULL REFERENCES devices (device_id)
) WITHOUT ROWID;

CREATE TABLE feed (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id    TEXT    NOT NULL REFERENCES documents (ticket_id),
    changes      INTEGER NOT NULL,
    received_at  INTEGER NOT NULL,
    device_id    TEXT
);

CREATE INDEX feed_by_ticket ON feed (ticket_id, seq);

CREATE TABLE changes (
    hash         BLOB    PRIMARY KEY,
    ticket_id    TEXT    NOT NULL,
    received_at  INTEGER NOT NULL,
    user_id      TEXT    NOT NULL,
    device_id    TEXT
) WITHOUT ROWID;

CREATE INDEX changes_by_ticket ON changes (ticket_id);

CREATE TABLE device_docs (
    device_id    TEXT    NOT NULL REFERENCES devices (device_id),
    ticket_id    TEXT    NOT NULL REFERENCES documents (ticket_id),
    sync_state   BLOB    NOT NULL,
    sent_heads   BLOB,
    sent_ack     INTEGER,
    PRIMARY KEY (device_id, ticket_id)
) WITHOUT ROWID;

CREATE TABLE access (
    user_id    TEXT NOT NULL,
    ticket_id  TEXT NOT NULL REFERENCES documents (ticket_id),
    reason     TEXT NOT NULL,
    PRIMARY KEY (user_id, ticket_id)
) WITHOUT ROWID;

CREATE INDEX access_by_ticket ON access (ticket_id);

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
, handed_off_at INTEGER, handed_off_received_at INTEGER, next_action_due TEXT, open_actions INTEGER NOT NULL DEFAULT 0, cause TEXT NOT NULL DEFAULT '', responsibility TEXT, contact_person TEXT NOT NULL DEFAULT '', contact_method TEXT NOT NULL DEFAULT '', content TEXT NOT NULL DEFAULT '', requests TEXT NOT NULL DEFAULT '', source TEXT NOT NULL DEFAULT 'customer', sales_representative TEXT, imported INTEGER NOT NULL DEFAULT 0, shipped_on TEXT, drawings_sent_at INTEGER);

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

CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    ticket_id  TEXT    NOT NULL,
    audience   TEXT    NOT NULL,  -- roles, separated by spaces
    detail     TEXT    NOT NULL   -- JSON
);

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

CREATE INDEX ledger_by_return_visit ON ledger (next_return_visit) WHERE next_return_visit IS NOT NULL;

CREATE INDEX ledger_by_action_due ON ledger (next_action_due) WHERE next_action_due IS NOT NULL;

CREATE TABLE fired_deadlines (
    deadline   TEXT    NOT NULL,  -- handoff, return_visit_due, return_visit_overdue, corrective_action
    ticket_id  TEXT    NOT NULL,
    subject    TEXT    NOT NULL,  -- the day it concerns, or empty
    fired_at   INTEGER NOT NULL,
    event_id   INTEGER NOT NULL,
    PRIMARY KEY (deadline, ticket_id, subject)
) WITHOUT ROWID;

CREATE TABLE return_visits (
    visit_id       TEXT    PRIMARY KEY,
    ticket_id      TEXT    NOT NULL REFERENCES documents (ticket_id),
    ledger_number  TEXT,
    customer_name  TEXT    NOT NULL,
    planned_for    TEXT    NOT NULL,
    method         TEXT    NOT NULL,
    assignee       TEXT    NOT NULL,
    done_at        INTEGER,
    done_by        TEXT,
    satisfaction   INTEGER,
    resolved       INTEGER
);

CREATE INDEX return_visits_by_ticket ON return_visits (ticket_id);

CREATE INDEX return_visits_by_day ON return_visits (planned_for);

CREATE INDEX return_visits_by_assignee ON return_visits (assignee, planned_for);

CREATE TABLE cost_lines (
    cost_id       TEXT    PRIMARY KEY,
    ticket_id     TEXT    NOT NULL REFERENCES documents (ticket_id),
    kind          TEXT    NOT NULL,
    bearer        TEXT    NOT NULL,
    amount_minor  INTEGER NOT NULL,
    currency      TEXT    NOT NULL,
    approved      INTEGER,
    settled       INTEGER NOT NULL
);

CREATE INDEX cost_lines_by_ticket ON cost_lines (ticket_id);

CREATE INDEX cost_lines_by_kind ON cost_lines (kind, currency, amount_minor, approved, settled);

CREATE INDEX cost_lines_by_bearer ON cost_lines (bearer, currency, amount_minor, approved, settled);

CREATE INDEX ledger_complaints_by_product ON ledger (complaint, product_name);

CREATE INDEX ledger_complaints_by_model ON ledger (complaint, model);

CREATE INDEX ledger_complaints_by_cause ON ledger (complaint, cause);

CREATE INDEX ledger_complaints_by_responsibility ON ledger (complaint, responsibility);

CREATE INDEX ledger_complaints_by_registration ON ledger (complaint, registered_at);

CREATE INDEX ledger_awaiting_handoff ON ledger (received_at)
    WHERE handed_off_received_at IS NULL AND imported = 0;

CREATE INDEX ledger_handoff_delay_by_receipt ON ledger (handed_off_received_at - received_at)
    WHERE imported = 0;

CREATE INDEX ledger_handoff_delay_by_device ON ledger (handed_off_at - registered_at)
    WHERE imported = 0;

CREATE TABLE imported_rows (
    import_key   TEXT    PRIMARY KEY,   -- the row's ledger number, or a digest of its fields
    ticket_id    TEXT    NOT NULL REFERENCES documents (ticket_id),
    imported_at  INTEGER NOT NULL
);

CREATE TABLE web_passwords (
    user_id  TEXT    PRIMARY KEY REFERENCES users (user_id),
    hash     TEXT    NOT NULL,
    set_at   INTEGER NOT NULL
);

CREATE TABLE web_sessions (
    token_hash  BLOB    PRIMARY KEY,
    user_id     TEXT    NOT NULL REFERENCES users (user_id),
    device_id   TEXT    NOT NULL,  -- stands for the browser in the ledger's history
    csrf        TEXT    NOT NULL,  -- sent back in X-CSRF-Token on every change
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);

CREATE INDEX web_sessions_by_user ON web_sessions (user_id);

CREATE INDEX ledger_by_registration ON ledger (registered_at, ticket_id);

CREATE INDEX ledger_awaiting_drawings ON ledger (shipped_on)
    WHERE shipped_on IS NOT NULL AND drawings_sent_at IS NULL;

