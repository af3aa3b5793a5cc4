-- Deadlines of the service flow: what the ledger needs to find them fast, and the deadlines
-- whose event has been written, so that each fires once across restarts.
ALTER TABLE ledger ADD COLUMN handed_off_at INTEGER;           -- device time of the first hand-off or order
ALTER TABLE ledger ADD COLUMN handed_off_received_at INTEGER;  -- when the server received it
ALTER TABLE ledger ADD COLUMN next_action_due TEXT;            -- earliest due day of an open CAPA
ALTER TABLE ledger ADD COLUMN open_actions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ledger ADD COLUMN cause TEXT NOT NULL DEFAULT '';
ALTER TABLE ledger ADD COLUMN responsibility TEXT;

CREATE INDEX ledger_awaiting_handoff ON ledger (received_at) WHERE handed_off_received_at IS NULL;
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

-- The return visits of every ticket, projected from the documents with the ledger.
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

-- The costs of every ticket, projected from the documents with the ledger, for statistics.
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

-- Covering indexes for the statistics: each count reads one index, in its order, without
-- touching the tables.
CREATE INDEX cost_lines_by_kind ON cost_lines (kind, currency, amount_minor, approved, settled);
CREATE INDEX cost_lines_by_bearer ON cost_lines (bearer, currency, amount_minor, approved, settled);
CREATE INDEX ledger_complaints_by_product ON ledger (complaint, product_name);
CREATE INDEX ledger_complaints_by_model ON ledger (complaint, model);
CREATE INDEX ledger_complaints_by_cause ON ledger (complaint, cause);
CREATE INDEX ledger_complaints_by_responsibility ON ledger (complaint, responsibility);
CREATE INDEX ledger_complaints_by_registration ON ledger (complaint, registered_at);

-- Tickets stored before deadlines were watched are not judged after the fact: their hand-off
-- counts as fired, and `fieldledger-server rebuild-ledger` fills in their hand-off times and
-- return visits and costs.
INSERT INTO fired_deadlines (deadline, ticket_id, subject, fired_at, event_id)
SELECT 'handoff', ticket_id, '', updated_at, 0 FROM ledger;
