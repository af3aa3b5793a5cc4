-- The office's reference data: customers with their sites and contacts, the units installed at
-- them, the product catalogue and the cause code list (server/src/storage/reference.rs). Sites
-- and contacts are JSON lists of the customer's row.
CREATE TABLE ref_customers (
    customer_id  INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL UNIQUE,
    sites        TEXT    NOT NULL DEFAULT '[]',
    contacts     TEXT    NOT NULL DEFAULT '[]'
);
CREATE TABLE ref_products (
    code          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    model_family  TEXT NOT NULL DEFAULT ''
);
CREATE TABLE ref_units (
    unit_id          INTEGER PRIMARY KEY,
    customer_id      INTEGER NOT NULL REFERENCES ref_customers (customer_id),
    site             TEXT    NOT NULL DEFAULT '',
    product_code     TEXT    REFERENCES ref_products (code),
    product_name     TEXT    NOT NULL,
    model            TEXT    NOT NULL DEFAULT '',
    job_number       TEXT    NOT NULL UNIQUE,
    contract_number  TEXT    NOT NULL DEFAULT '',
    serial           TEXT    NOT NULL DEFAULT '',
    commissioned_on  TEXT
);
CREATE INDEX ref_units_by_customer ON ref_units (customer_id);
CREATE INDEX ref_units_by_contract ON ref_units (contract_number);
CREATE INDEX ref_units_by_serial ON ref_units (serial);
CREATE TABLE ref_causes (
    code            TEXT PRIMARY KEY,
    label_zh        TEXT NOT NULL,
    label_en        TEXT NOT NULL,
    responsibility  TEXT
);
-- A unit's service history: the ledger's tickets of its job number, newest first.
CREATE INDEX ledger_by_job_number ON ledger (job_number, registered_at);
-- The code of a ticket's cause in the cause code list, when QA chose one (the ledger projection
-- version rises with this migration), and complaints counted by it.
ALTER TABLE ledger ADD COLUMN cause_code TEXT;
CREATE INDEX ledger_complaints_by_cause_code ON ledger (complaint, cause_code);
