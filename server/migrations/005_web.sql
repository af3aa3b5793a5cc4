-- The web dashboard: office users' passwords (argon2id PHC strings) and their sign-in
-- sessions. A session is kept only as the SHA-256 of its cookie, like a device token.
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

-- The dashboard sorts the ledger by registration; without an index the first page of a large
-- ledger sorted so reads every row.
CREATE INDEX ledger_by_registration ON ledger (registered_at, ticket_id);
