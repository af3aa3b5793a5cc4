-- The server database on PostgreSQL, for any number of stateless servers. It keeps what the
-- SQLite schema keeps, with PostgreSQL's types: times are milliseconds since the epoch
-- (BIGINT), as in the tickets; flags are BOOLEAN; bytes are BYTEA.
--
-- Differences from SQLite, each for several servers at once:
-- - a document is a snapshot plus the changes received since, each change a row keyed by its
--   hash (`changes.data`); compaction folds them into a new snapshot and clears the bytes of
--   exactly the changes it folded, keeping the row (when and from whom it arrived);
-- - the feed and the outbox take their positions under one lock held to the commit
--   (`pg_advisory_xact_lock`), so that a reader who has seen position n has seen every position
--   below it;
-- - leases say which server runs the deadline watcher and delivers the webhooks;
-- - sign-in attempts and blobs are shared by every server.

CREATE TABLE server_meta (
    singleton          INTEGER PRIMARY KEY CHECK (singleton = 1),
    system_actor       BYTEA   NOT NULL,
    created_at         BIGINT  NOT NULL,
    ledger_projection  INTEGER NOT NULL DEFAULT 0,
    made_by_demo       BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE documents (
    ticket_id    TEXT    PRIMARY KEY,
    snapshot     BYTEA   NOT NULL,
    heads        BYTEA   NOT NULL,
    -- changes received since the snapshot (their bytes are in `changes`)
    chunk_count  INTEGER NOT NULL DEFAULT 0,
    chunk_bytes  BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE changes (
    hash         BYTEA   PRIMARY KEY,
    ticket_id    TEXT    NOT NULL REFERENCES documents (ticket_id),
    seq          BIGINT  GENERATED ALWAYS AS IDENTITY,
    received_at  BIGINT  NOT NULL,
    user_id      TEXT    NOT NULL,
    device_id    TEXT,
    -- the change (automerge's change chunk) until a snapshot holds it; then NULL
    data         BYTEA
);
CREATE INDEX changes_by_ticket ON changes (ticket_id, seq);
CREATE INDEX changes_unfolded ON changes (ticket_id, seq) WHERE data IS NOT NULL;

CREATE TABLE users (
    user_id     TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    actor_id    BYTEA   NOT NULL UNIQUE,
    created_at  BIGINT  NOT NULL
);

CREATE TABLE devices (
    device_id    TEXT    PRIMARY KEY,
    user_id      TEXT    NOT NULL REFERENCES users (user_id),
    label        TEXT    NOT NULL,
    token_hash   BYTEA   NOT NULL UNIQUE,
    enrolled_at  BIGINT  NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX devices_by_user ON devices (user_id);

CREATE TABLE device_actors (
    actor_id   BYTEA PRIMARY KEY,
    device_id  TEXT  NOT NULL REFERENCES devices (device_id)
);

CREATE TABLE feed (
    seq          BIGINT  PRIMARY KEY,
    ticket_id    TEXT    NOT NULL REFERENCES documents (ticket_id),
    changes      INTEGER NOT NULL,
    received_at  BIGINT  NOT NULL,
    device_id    TEXT
);
CREATE INDEX feed_by_ticket ON feed (ticket_id, seq);

CREATE TABLE device_docs (
    device_id   TEXT   NOT NULL REFERENCES devices (device_id),
    ticket_id   TEXT   NOT NULL REFERENCES documents (ticket_id),
    sync_state  BYTEA  NOT NULL,
    sent_heads  BYTEA,
    sent_ack    BIGINT,
    PRIMARY KEY (device_id, ticket_id)
);

CREATE TABLE access (
    user_id    TEXT NOT NULL,
    ticket_id  TEXT NOT NULL REFERENCES documents (ticket_id),
    reason     TEXT NOT NULL,
    PRIMARY KEY (user_id, ticket_id)
);
CREATE INDEX access_by_ticket ON access (ticket_id);

CREATE TABLE access_cuts (
    user_id    TEXT  NOT NULL,
    ticket_id  TEXT  NOT NULL,
    heads      BYTEA NOT NULL,
    PRIMARY KEY (user_id, ticket_id)
);

CREATE TABLE ledger (
    ticket_id               TEXT    PRIMARY KEY REFERENCES documents (ticket_id),
    ledger_number           TEXT    UNIQUE,
    status                  TEXT    NOT NULL,
    kind                    TEXT    NOT NULL,
    complaint               BOOLEAN NOT NULL,
    major                   BOOLEAN NOT NULL,
    customer_name           TEXT    NOT NULL,
    product_name            TEXT    NOT NULL,
    model                   TEXT    NOT NULL,
    job_number              TEXT    NOT NULL,
    contract_number         TEXT    NOT NULL,
    assignees               TEXT    NOT NULL,
    disposition             TEXT,
    decision_conflict       BOOLEAN NOT NULL,
    registered_at           BIGINT,
    received_at             BIGINT  NOT NULL,
    updated_at              BIGINT  NOT NULL,
    cost_total_minor        BIGINT  NOT NULL,
    next_return_visit       TEXT,
    created_by              TEXT,
    handed_off_at           BIGINT,
    handed_off_received_at  BIGINT,
    next_action_due         TEXT,
    open_actions            INTEGER NOT NULL DEFAULT 0,
    cause                   TEXT    NOT NULL DEFAULT '',
    responsibility          TEXT,
    contact_person          TEXT    NOT NULL DEFAULT '',
    contact_method          TEXT    NOT NULL DEFAULT '',
    content                 TEXT    NOT NULL DEFAULT '',
    requests                TEXT    NOT NULL DEFAULT '',
    source                  TEXT    NOT NULL DEFAULT 'customer',
    sales_representative    TEXT,
    imported                BOOLEAN NOT NULL DEFAULT FALSE,
    shipped_on              TEXT,
    drawings_sent_at        BIGINT
);
CREATE INDEX ledger_by_status ON ledger (status, updated_at);
CREATE INDEX ledger_by_update ON ledger (updated_at DESC, ticket_id);
CREATE INDEX ledger_by_registration ON ledger (registered_at, ticket_id);
CREATE INDEX ledger_awaiting_handoff ON ledger (received_at)
    WHERE handed_off_received_at IS NULL AND NOT imported;
CREATE INDEX ledger_handoff_delay_by_receipt ON ledger ((handed_off_received_at - received_at))
    WHERE NOT imported;
CREATE INDEX ledger_handoff_delay_by_device ON ledger ((handed_off_at - registered_at))
    WHERE NOT imported;
CREATE INDEX ledger_by_return_visit ON ledger (next_return_visit)
    WHERE next_return_visit IS NOT NULL;
CREATE INDEX ledger_by_action_due ON ledger (next_action_due) WHERE next_action_due IS NOT NULL;
CREATE INDEX ledger_awaiting_drawings ON ledger (shipped_on)
    WHERE shipped_on IS NOT NULL AND drawings_sent_at IS NULL;
CREATE INDEX ledger_complaints_by_product ON ledger (complaint, product_name);
CREATE INDEX ledger_complaints_by_model ON ledger (complaint, model);
CREATE INDEX ledger_complaints_by_cause ON ledger (complaint, cause);
CREATE INDEX ledger_complaints_by_responsibility ON ledger (complaint, responsibility);
CREATE INDEX ledger_complaints_by_registration ON ledger (complaint, registered_at);

CREATE TABLE ledger_numbers (
    year  INTEGER PRIMARY KEY,
    last  BIGINT  NOT NULL
);

CREATE TABLE imported_rows (
    import_key   TEXT    PRIMARY KEY,
    ticket_id    TEXT    NOT NULL REFERENCES documents (ticket_id),
    imported_at  BIGINT  NOT NULL
);

CREATE TABLE return_visits (
    visit_id       TEXT    PRIMARY KEY,
    ticket_id      TEXT    NOT NULL REFERENCES documents (ticket_id),
    ledger_number  TEXT,
    customer_name  TEXT    NOT NULL,
    planned_for    TEXT    NOT NULL,
    method         TEXT    NOT NULL,
    assignee       TEXT    NOT NULL,
    done_at        BIGINT,
    done_by        TEXT,
    satisfaction   INTEGER,
    resolved       BOOLEAN
);
CREATE INDEX return_visits_by_ticket ON return_visits (ticket_id);
CREATE INDEX return_visits_by_day ON return_visits (planned_for);
CREATE INDEX return_visits_by_assignee ON return_visits (assignee, planned_for);

CREATE TABLE cost_lines (
    cost_id       TEXT    PRIMARY KEY,
    ticket_id     TEXT    NOT NULL REFERENCES documents (ticket_id),
    kind          TEXT    NOT NULL,
    bearer        TEXT    NOT NULL,
    amount_minor  BIGINT  NOT NULL,
    currency      TEXT    NOT NULL,
    approved      BOOLEAN,
    settled       BOOLEAN NOT NULL
);
CREATE INDEX cost_lines_by_ticket ON cost_lines (ticket_id);
CREATE INDEX cost_lines_by_kind ON cost_lines (kind, currency, amount_minor, approved, settled);
CREATE INDEX cost_lines_by_bearer ON cost_lines (bearer, currency, amount_minor, approved, settled);

CREATE TABLE fired_deadlines (
    deadline   TEXT    NOT NULL,
    ticket_id  TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    fired_at   BIGINT  NOT NULL,
    event_id   BIGINT  NOT NULL,
    PRIMARY KEY (deadline, ticket_id, subject)
);

CREATE TABLE events (
    id         BIGINT  PRIMARY KEY,
    at         BIGINT  NOT NULL,
    kind       TEXT    NOT NULL,
    ticket_id  TEXT    NOT NULL,
    audience   TEXT    NOT NULL,  -- roles, separated by spaces
    detail     TEXT    NOT NULL   -- JSON
);

CREATE TABLE webhooks (
    id               BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url              TEXT    NOT NULL,
    secret           TEXT    NOT NULL,
    kinds            TEXT    NOT NULL,  -- event kinds, separated by spaces; empty for all
    delivered_upto   BIGINT  NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT  NOT NULL DEFAULT 0,
    last_error       TEXT
);

CREATE TABLE security_events (
    id         BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         BIGINT  NOT NULL,
    kind       TEXT    NOT NULL,
    device_id  TEXT,
    user_id    TEXT,
    ticket_id  TEXT,
    detail     TEXT    NOT NULL
);

CREATE TABLE blobs (
    sha256       TEXT    PRIMARY KEY,
    size         BIGINT  NOT NULL,
    received_at  BIGINT  NOT NULL
);

CREATE TABLE web_passwords (
    user_id  TEXT    PRIMARY KEY REFERENCES users (user_id),
    hash     TEXT    NOT NULL,
    set_at   BIGINT  NOT NULL
);

CREATE TABLE web_sessions (
    token_hash  BYTEA   PRIMARY KEY,
    user_id     TEXT    NOT NULL REFERENCES users (user_id),
    device_id   TEXT    NOT NULL,
    csrf        TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL
);
CREATE INDEX web_sessions_by_user ON web_sessions (user_id);

CREATE TABLE leases (
    name        TEXT    PRIMARY KEY,  -- what the holder does: deadline_watcher, webhooks
    holder      TEXT    NOT NULL,     -- the server holding it
    expires_at  BIGINT  NOT NULL
);

-- Blobs' bytes are kept here rather than in files, so that every server serves any blob and
-- resumes any upload, and the database is the one thing to back up (`crate::blobs`).
-- The bytes of complete blobs (`blobs` says when each arrived).
CREATE TABLE blob_bytes (
    sha256  TEXT   PRIMARY KEY,
    data    BYTEA  NOT NULL
);

-- The pieces of unfinished uploads, each device's apart, each piece a row as it came (a value
-- appended to would be rewritten whole at every piece); the upload stands at the sum of their
-- lengths and expires a week after its last piece.
CREATE TABLE blob_uploads (
    device_id    TEXT    NOT NULL,
    sha256       TEXT    NOT NULL,
    byte_offset  BIGINT  NOT NULL,
    data         BYTEA   NOT NULL,
    received_at  BIGINT  NOT NULL,
    PRIMARY KEY (device_id, sha256, byte_offset)
);

-- Which device sent which blob whole: only to such a device is the blob complete.
CREATE TABLE blob_holders (
    device_id  TEXT  NOT NULL,
    sha256     TEXT  NOT NULL,
    PRIMARY KEY (device_id, sha256)
);

-- Sign-in attempts that count against the limits (`crate::sign_ins`), one row per count an
-- attempt falls under, kept while they are in the window; and where each user signed in
-- before.
CREATE TABLE sign_in_attempts (
    id   BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key  TEXT    NOT NULL,
    at   BIGINT  NOT NULL
);
CREATE INDEX sign_in_attempts_by_key ON sign_in_attempts (key, at);
CREATE INDEX sign_in_attempts_by_time ON sign_in_attempts (at);

CREATE TABLE sign_in_addresses (
    user_name  TEXT    NOT NULL,
    address    TEXT    NOT NULL,
    at         BIGINT  NOT NULL,
    PRIMARY KEY (user_name, address)
);
