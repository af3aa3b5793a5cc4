//! Import of a ledger kept in a spreadsheet (CSV, as Excel saves it: UTF-8 or GB18030) as
//! tickets. The command line reads the file ([`read`]), and sends its rows to the server in
//! pieces ([`upload`]); the server makes each row one ticket, whole or not at all, and
//! remembers each row by a key, so that importing the same file again creates nothing twice.

use std::collections::BTreeMap;

use fieldledger_core::ticket::decision::Disposition;
use fieldledger_core::ticket::intake::{IntakeSource, Registration, TicketKind};
use fieldledger_core::ticket::quality::Responsibility;
use fieldledger_core::{Author, Operation, Ticket, TicketId, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::calendar::Calendar;
use crate::columns::{Column, Language, yes_no};
use crate::engine::{Engine, NewTicket};
use crate::error::{Code, Error};
use crate::storage::User;

/// The most rows one import request carries.
pub const MAX_ROWS_PER_REQUEST: usize = 500;
/// The rows the command line sends per request: small enough for a steady progress bar.
const ROWS_PER_UPLOAD: usize = 100;

/// One row of a ledger file, read and ready to become a ticket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportRow {
    /// The line of the file where the row starts.
    pub line: u64,
    /// The ledger number it had, kept as the ticket's.
    #[serde(default)]
    pub ledger_number: Option<String>,
    /// When it was registered; the time of the import when the file does not say.
    #[serde(default)]
    pub registered_at: Option<Timestamp>,
    /// The complaint information processing form.
    pub registration: Registration,
    /// The remedy judged.
    #[serde(default)]
    pub disposition: Option<Disposition>,
    /// The cause found.
    #[serde(default)]
    pub cause: String,
    /// The responsibility ruled.
    #[serde(default)]
    pub responsibility: Option<Responsibility>,
}

impl ImportRow {
    /// What identifies the row across imports: its ledger number, or else a digest of what it
    /// records (the same row in the same file gives the same digest).
    pub fn key(&self) -> String {
        match &self.ledger_number {
            Some(number) => format!("ledger:{number}"),
            None => {
                let fields = serde_json::json!([
                    self.registered_at,
                    self.registration,
                    self.disposition,
                    self.cause,
                    self.responsibility
                ]);
                format!("sha256:{}", hex::encode(Sha256::digest(fields.to_string())))
            }
        }
    }

    /// The ticket this row becomes, written by `author` (under `actor`) at `now`: registered
    /// at the row's time, then its disposition, cause and responsibility as one change each.
    fn ticket(
        &self,
        id: TicketId,
        author: &Author,
        actor: automerge::ActorId,
        now: Timestamp,
        source: &str,
    ) -> Result<Ticket, Error> {
        let mut ticket = Ticket::import(
            id,
            actor,
            author,
            self.registered_at.unwrap_or(now),
            &self.registration,
            &format!("{source}, line {}", self.line),
        )?;
        let mut operations = Vec::new();
        if let Some(disposition) = self.disposition {
            operations.push(Operation::Decide {
                disposition,
                rationale: format!("imported from {source}"),
            });
        }
        if !self.cause.trim().is_empty() {
            operations.push(Operation::RecordCause {
                cause: self.cause.clone(),
                cause_code: None,
            });
        }
        if let Some(responsibility) = self.responsibility {
            operations.push(Operation::RuleResponsibility { responsibility });
        }
        for op in &operations {
            ticket.apply(author, now, op)?;
        }
        Ok(ticket)
    }
}

/// A row that was not imported, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    /// The line of the file where the row starts.
    pub line: u64,
    /// Why, naming the column.
    pub reason: String,
}

/// What a ledger file holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LedgerFile {
    /// The rows that read well.
    pub rows: Vec<ImportRow>,
    /// The rows that did not.
    pub rejected: Vec<Rejected>,
    /// Headers of columns that import does not read (derived columns, or not the ledger's).
    pub ignored_columns: Vec<String>,
}

fn unreadable(message: impl Into<String>) -> Error {
    Error::new(Code::UnreadableFile, message)
}

/// The text of a file saved as UTF-8 (with or without a byte-order mark) or, as Excel on a
/// Chinese system saves CSV, as GB18030.
pub(crate) fn text_of(bytes: &[u8]) -> Result<String, Error> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_owned()),
        Err(_) => encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(|text| text.into_owned())
            .ok_or_else(|| unreadable("the file is neither UTF-8 nor GB18030 (GBK) text")),
    }
}

/// "客户名称 (customer name)".
fn both(column: Column) -> String {
    format!(
        "{} ({})",
        column.header(Language::Chinese),
        column.header(Language::English)
    )
}

/// Reads a CSV ledger file whose first line names the columns (in Chinese or English, in any
/// order). A file without the columns a ticket needs is refused whole; a row that does not
/// read is rejected with its line and reason, and the others are kept. Local times are read in
/// `calendar`'s zone.
pub fn read(bytes: &[u8], calendar: &Calendar) -> Result<LedgerFile, Error> {
    let text = text_of(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| unreadable(format!("the first line does not read as CSV: {e}")))?
        .clone();
    let mut file = LedgerFile::default();
    let mut columns: BTreeMap<Column, usize> = BTreeMap::new();
    for (index, header) in headers.iter().enumerate() {
        match Column::from_header(header).filter(|c| c.importable()) {
            Some(column) => {
                if columns.insert(column, index).is_some() {
                    return Err(unreadable(format!(
                        "the column {} appears twice",
                        both(column)
                    )));
                }
            }
            None if header.trim().is_empty() => {}
            None => file.ignored_columns.push(header.trim().to_owned()),
        }
    }
    let missing: Vec<String> = [Column::CustomerName, Column::ProductName, Column::Content]
        .into_iter()
        .filter(|c| !columns.contains_key(c))
        .map(both)
        .collect();
    if !missing.is_empty() {
        return Err(unreadable(format!(
            "the file has no column {}; the first line must name the columns",
            missing.join(", ")
        )));
    }
    let mut lines = Lines::new(&text);
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.at(p.byte()));
                file.rejected.push(Rejected {
                    line,
                    reason: format!("the row does not read as CSV: {e}"),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| lines.at(p.byte()));
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let cell = |column: Column| {
            columns
                .get(&column)
                .and_then(|&i| record.get(i))
                .map_or("", crate::columns::as_typed)
        };
        match row_of(line, &cell, calendar) {
            Ok(row) => file.rows.push(row),
            Err(reason) => file.rejected.push(Rejected { line, reason }),
        }
    }
    Ok(file)
}

/// The lines of a text, counted forward as the CSV reader moves on: each record's line costs
/// only the bytes since the record before. The CSV reader counts lines itself, but one short
/// after each `\r\n` (as Excel ends lines): it places a record at the `\n` that ends the line
/// before, which this counts.
pub(crate) struct Lines<'a> {
    text: &'a [u8],
    counted_to: usize,
    newlines: u64,
}

impl<'a> Lines<'a> {
    /// Counts the lines of `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        Self {
            text: text.as_bytes(),
            counted_to: 0,
            newlines: 0,
        }
    }

    /// The line a record starting at `byte` starts on; `byte` never goes back.
    pub(crate) fn at(&mut self, byte: u64) -> u64 {
        let end = usize::try_from(byte).map_or(self.text.len(), |b| (b + 1).min(self.text.len()));
        if end > self.counted_to {
            let fresh = &self.text[self.counted_to..end];
            self.newlines += fresh.iter().filter(|&&b| b == b'\n').count() as u64;
            self.counted_to = end;
        }
        1 + self.newlines
    }
}

/// "客户名称 (customer name): …".
fn within(column: Column, e: impl std::fmt::Display) -> String {
    format!("{}: {e}", both(column))
}

/// The value a cell of a column of names holds (a kind, a disposition, …); `None` when empty.
fn named<T: serde::de::DeserializeOwned>(column: Column, text: &str) -> Result<Option<T>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let name = column.value_name(text).map_err(|e| within(column, e))?;
    serde_json::from_value(serde_json::Value::String(name.to_owned()))
        .map(Some)
        .map_err(|e| within(column, e))
}

/// Reads one row through `cell`; the error names the column.
fn row_of<'a>(
    line: u64,
    cell: &dyn Fn(Column) -> &'a str,
    calendar: &Calendar,
) -> Result<ImportRow, String> {
    let kind: TicketKind =
        named(Column::Kind, cell(Column::Kind))?.unwrap_or(TicketKind::Complaint);
    let text = |column: Column| cell(column).trim().to_owned();
    let sales_representative = Some(text(Column::SalesRepresentative)).filter(|s| !s.is_empty());
    let source: IntakeSource = match named(Column::Source, cell(Column::Source))? {
        Some(source) => source,
        None if sales_representative.is_some() => IntakeSource::SalesRepresentative,
        None => IntakeSource::Customer,
    };
    let registered_at = match cell(Column::RegisteredAt).trim() {
        "" => None,
        written => Some(calendar.parse_local(written).ok_or_else(|| {
            within(
                Column::RegisteredAt,
                format!("{written:?} is not a date and time like 2026-03-05 14:30"),
            )
        })?),
    };
    let registration = Registration {
        kind,
        complaint: yes_no(cell(Column::Complaint), kind == TicketKind::Complaint)
            .map_err(|e| within(Column::Complaint, e))?,
        product_name: text(Column::ProductName),
        model: text(Column::Model),
        job_number: text(Column::JobNumber),
        contract_number: text(Column::ContractNumber),
        customer_name: text(Column::CustomerName),
        contact_person: text(Column::ContactPerson),
        contact_method: text(Column::ContactMethod),
        content: cell(Column::Content).to_owned(),
        requests: cell(Column::Requests).to_owned(),
        source,
        sales_representative,
        sales_rep: None,
        major: yes_no(cell(Column::Major), false).map_err(|e| within(Column::Major, e))?,
        customer_id: None,
        unit_id: None,
    };
    Ok(ImportRow {
        line,
        ledger_number: Some(text(Column::LedgerNumber)).filter(|n| !n.is_empty()),
        registered_at,
        registration,
        disposition: named(Column::Disposition, cell(Column::Disposition))?,
        cause: text(Column::Cause),
        responsibility: named(Column::Responsibility, cell(Column::Responsibility))?,
    })
}

/// The body of `POST /v1/import`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportRequest {
    /// The file the rows come from, as the tickets will say.
    pub source: String,
    /// At most [`MAX_ROWS_PER_REQUEST`] rows.
    pub rows: Vec<ImportRow>,
}

/// What became of one row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// A new ticket.
    Created {
        /// Its id.
        ticket_id: TicketId,
        /// Its ledger number: the row's, or a new one.
        ledger_number: Option<String>,
    },
    /// An earlier import (or the ledger) already has this row.
    Existing {
        /// The ticket's ledger number (its id when it has none).
        ledger_number: String,
    },
    /// Not imported.
    Rejected {
        /// Why.
        reason: String,
    },
}

/// The outcome of the row that starts at `line`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowOutcome {
    /// The line of the file.
    pub line: u64,
    /// What became of it.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// Imports `request`'s rows as tickets by `user`: each row that reads well and is new becomes
/// one ticket, stored whole with the rest in one commit; each other row says why not.
pub fn import(
    engine: &Engine,
    user: &User,
    request: &ImportRequest,
) -> Result<Vec<RowOutcome>, Error> {
    if request.rows.len() > MAX_ROWS_PER_REQUEST {
        return Err(Error::new(
            Code::TooManyRows,
            format!("an import request may carry at most {MAX_ROWS_PER_REQUEST} rows"),
        ));
    }
    let now = engine.now();
    let author = Author::new(user.id.clone(), user.role);
    let actor = engine.actor_of(user);
    // Each row is settled here, or becomes a new ticket stored with the others below.
    enum Pending {
        Settled(Outcome),
        New,
    }
    let mut pending = Vec::with_capacity(request.rows.len());
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    let mut tickets = Vec::new();
    for row in &request.rows {
        let key = row.key();
        let state = if let Some(&first) = seen.get(&key) {
            Pending::Settled(Outcome::Rejected {
                reason: format!("repeats the row of line {first}"),
            })
        } else if let Some(known) = engine
            .storage()
            .find_imported(&key, row.ledger_number.as_deref())?
        {
            Pending::Settled(Outcome::Existing {
                ledger_number: known,
            })
        } else {
            match row.ticket(
                engine.ids().ticket(),
                &author,
                actor.clone(),
                now,
                &request.source,
            ) {
                Ok(ticket) => {
                    tickets.push(NewTicket {
                        ticket,
                        ledger_number: row.ledger_number.clone(),
                        import_key: Some(key.clone()),
                    });
                    Pending::New
                }
                Err(e) => Pending::Settled(Outcome::Rejected {
                    reason: e.to_string(),
                }),
            }
        };
        seen.entry(key).or_insert(row.line);
        pending.push((row.line, state));
    }
    // The new tickets come back in the order they went, as do the rows that made them.
    let mut stored = engine.store_new(user, tickets)?.into_iter();
    let mut outcomes = Vec::with_capacity(pending.len());
    for (line, state) in pending {
        let outcome = match state {
            Pending::Settled(outcome) => outcome,
            Pending::New => match stored.next() {
                Some((ticket_id, ledger_number)) => Outcome::Created {
                    ticket_id,
                    ledger_number,
                },
                None => Outcome::Rejected {
                    reason: "the server did not store it".into(),
                },
            },
        };
        outcomes.push(RowOutcome { line, outcome });
    }
    Ok(outcomes)
}

/// Sends `file`'s rows to the server at `server` with `token`, a piece at a time, calling
/// `progress` with the rows done so far; returns each row's outcome, the file's own rejections
/// among them, in line order.
pub fn upload(
    file: &LedgerFile,
    source: &str,
    server: &str,
    token: &str,
    progress: impl FnMut(usize),
) -> Result<Vec<RowOutcome>, Error> {
    let url = format!("{}/v1/import", server.trim_end_matches('/'));
    let rejected = file.rejected.iter().map(|r| RowOutcome {
        line: r.line,
        outcome: Outcome::Rejected {
            reason: r.reason.clone(),
        },
    });
    let body = |rows: &[ImportRow]| {
        serde_json::to_vec(&ImportRequest {
            source: source.to_owned(),
            rows: rows.to_vec(),
        })
        .map_err(|e| unreadable(e.to_string()))
    };
    let mut outcomes = upload_pieces(&url, token, &file.rows, ROWS_PER_UPLOAD, body, progress)?;
    outcomes.extend(rejected);
    outcomes.sort_by_key(|o| o.line);
    Ok(outcomes)
}

/// Posts `rows` to `url` with `token`, `per_piece` at a time, each piece as the body
/// `body` makes of it, calling `progress` with the rows done so far; returns the outcomes the
/// server answered, piece after piece. The ledger's import and the reference data's share it.
pub(crate) fn upload_pieces<R, O: serde::de::DeserializeOwned>(
    url: &str,
    token: &str,
    rows: &[R],
    per_piece: usize,
    body: impl Fn(&[R]) -> Result<Vec<u8>, Error>,
    mut progress: impl FnMut(usize),
) -> Result<Vec<O>, Error> {
    let agent = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(300)))
        .http_status_as_error(false)
        .build()
        .new_agent();
    let mut outcomes = Vec::new();
    let mut done = 0;
    for piece in rows.chunks(per_piece) {
        let body = body(piece)?;
        let answer = fieldledger_core::transport::answer(
            agent
                .post(url)
                .header("Authorization", format!("Bearer {token}"))
                .header("Content-Type", "application/json")
                .send(&body[..]),
        )?;
        let answered: Vec<O> = serde_json::from_slice(&answer).map_err(|e| {
            Error::new(
                Code::BadAnswer,
                format!("the server's answer does not read: {e}"),
            )
        })?;
        outcomes.extend(answered);
        done += piece.len();
        progress(done);
    }
    Ok(outcomes)
}
