//! The embedded default storage: one SQLite file in the data directory, WAL, one writer
//! connection and a few readers. `synchronous=FULL`: a receipt promises that a change survives
//! even a power cut.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use automerge::sync;
use automerge::{ActorId, ChangeHash};
use fieldledger_core::store::{documents, keep_statements};
use fieldledger_core::{Date, DeviceId, IdSource, Role, Ticket, TicketId, Timestamp, UserId};
use rusqlite::types::Value;
use rusqlite::{
    Connection, OpenFlags, OptionalExtension, Row, Transaction, TransactionBehavior, params,
    params_from_iter,
};

use super::{
    ActorBinding, Batch, Device, DeviceDoc, DocBytes, DocWrite, FeedPage, Result, SecurityEvent,
    Storage, User, Webhook,
};
use crate::costs::{CostQuery, CostRow};
use crate::deadlines::Deadline;
use crate::error::ServerError;
use crate::events::{Event, EventKind};
use crate::ledger::{LedgerPage, LedgerQuery, LedgerRow, name, parse_ledger_number};
use crate::projection::Projection;
use crate::return_visits::{ReturnVisitRow, VisitDays, VisitQuery, VisitState};
use crate::statistics::{
    ComplaintAxis, CostLine, CostStatistics, CostTotal, Group, HandoffCompliance, OpenActions,
    VisitOutcomes, share,
};
use crate::web::session::WebSession;

mod migrations;

/// The file inside the data directory.
pub const DATABASE_FILE: &str = "fieldledger-server.db";
/// Reader connections kept open; a read beyond them opens (and then closes) another, which
/// costs a schema parse.
const READERS: usize = 32;
/// The most automerge actors one device may hold (one per install of the app, in practice).
const MAX_ACTORS_PER_DEVICE: usize = 8;

/// SQLite storage in a data directory.
pub struct SqliteStorage {
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    path: std::path::PathBuf,
    /// Where the actors of new users (and the system actor of a new database) come from.
    ids: IdSource,
}

impl std::fmt::Debug for SqliteStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStorage")
            .field("path", &self.path)
            .finish()
    }
}

fn corrupt(what: &str) -> ServerError {
    ServerError::Core(fieldledger_core::Error::Corrupt(format!(
        "unreadable {what} in the server database"
    )))
}

/// A read-only connection to the database at `path`.
fn open_reader(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    keep_statements(&conn)?;
    Ok(conn)
}

fn parse<T: std::str::FromStr>(s: String, what: &str) -> Result<T> {
    s.parse().map_err(|_| corrupt(what))
}

impl SqliteStorage {
    /// Opens (or creates) the database in `dir`.
    pub fn open(dir: &Path, now: Timestamp, ids: IdSource) -> Result<Self> {
        crate::private_files::create_dir(dir)?;
        let path = dir.join(DATABASE_FILE);
        crate::private_files::create_file(&path)?;
        let mut conn = Connection::open(&path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        keep_statements(&conn)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "temp_store", 2)?;
        migrations::migrate(&mut conn)?;
        conn.execute(
            "INSERT OR IGNORE INTO server_meta (singleton, system_actor, created_at) VALUES (1, ?1, ?2)",
            params![ids.actor().to_bytes(), now.millis()],
        )?;
        let readers = (0..READERS)
            .map(|_| open_reader(&path))
            .collect::<Result<_>>()?;
        Ok(Self {
            writer: Mutex::new(conn),
            readers: Mutex::new(readers),
            path,
            ids,
        })
    }

    fn writer(&self) -> MutexGuard<'_, Connection> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on a reader connection.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match conn {
            Some(c) => c,
            None => open_reader(&self.path)?,
        };
        let result = f(&conn);
        let mut pool = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if pool.len() < READERS {
            pool.push(conn);
        }
        result
    }

    /// Runs `f` in one write transaction, committed when it returns `Ok`. The transaction takes
    /// the database's write lock as it begins (waiting for another server's writer, if one holds
    /// it), so that what it reads stays true until it commits.
    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// The actors bound to `device`.
    fn device_actors(&self, device: &DeviceId) -> Result<Vec<ActorId>> {
        self.read(|c| {
            let mut stmt =
                c.prepare_cached("SELECT actor_id FROM device_actors WHERE device_id = ?1")?;
            let rows = stmt.query_map([device.as_str()], |r| r.get::<_, Vec<u8>>(0))?;
            Ok(rows
                .collect::<rusqlite::Result<Vec<_>>>()?
                .into_iter()
                .map(ActorId::from)
                .collect())
        })
    }

    /// Runs SQLite's integrity check; `Ok(())` when the database is sound.
    pub fn integrity_check(&self) -> Result<()> {
        self.read(|c| {
            let verdict: String = c
                .prepare_cached("PRAGMA integrity_check")?
                .query_row([], |r| r.get(0))?;
            if verdict == "ok" {
                Ok(())
            } else {
                Err(corrupt(&format!("database ({verdict})")))
            }
        })
    }
}

fn user_from_row(r: &Row<'_>) -> rusqlite::Result<(String, String, String, Vec<u8>, i64)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn user_of(row: (String, String, String, Vec<u8>, i64)) -> Result<User> {
    Ok(User {
        id: parse(row.0, "user id")?,
        name: row.1,
        role: parse::<Role>(row.2, "role")?,
        actor: Some(ActorId::from(row.3)),
        created_at: Timestamp(row.4),
    })
}

fn device_from_row(r: &Row<'_>) -> rusqlite::Result<(String, String, String, i64, Option<i64>)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn device_of(row: (String, String, String, i64, Option<i64>)) -> Result<Device> {
    Ok(Device {
        id: parse(row.0, "device id")?,
        user: parse(row.1, "user id")?,
        label: row.2,
        enrolled_at: Timestamp(row.3),
        revoked_at: row.4.map(Timestamp),
    })
}

const LEDGER_COLUMNS: &str =
    "ticket_id, ledger_number, status, kind, complaint, major, customer_name,
    product_name, model, job_number, contract_number, assignees, disposition, decision_conflict,
    registered_at, received_at, updated_at, cost_total_minor, next_return_visit, created_by,
    handed_off_at, handed_off_received_at, next_action_due, open_actions, cause, responsibility,
    contact_person, contact_method, content, requests, source, sales_representative, imported,
    shipped_on, drawings_sent_at";

fn ledger_of(r: &Row<'_>) -> rusqlite::Result<std::result::Result<LedgerRow, String>> {
    let id: String = r.get(0)?;
    let status: String = r.get(2)?;
    let assignees: String = r.get(11)?;
    let next: Option<String> = r.get(18)?;
    let action_due: Option<String> = r.get(22)?;
    Ok((|| {
        Ok(LedgerRow {
            ticket_id: id.parse().map_err(|_| "ticket id")?,
            ledger_number: r.get(1).map_err(|_| "ledger number")?,
            status: status.parse().map_err(|_| "status")?,
            kind: r.get(3).map_err(|_| "kind")?,
            complaint: r.get(4).map_err(|_| "complaint")?,
            major: r.get(5).map_err(|_| "major")?,
            customer_name: r.get(6).map_err(|_| "customer")?,
            product_name: r.get(7).map_err(|_| "product")?,
            model: r.get(8).map_err(|_| "model")?,
            job_number: r.get(9).map_err(|_| "job number")?,
            contract_number: r.get(10).map_err(|_| "contract number")?,
            assignees: assignees
                .split_whitespace()
                .map(|u| u.parse().map_err(|_| "assignee"))
                .collect::<std::result::Result<_, _>>()?,
            created_by: r
                .get::<_, Option<String>>(19)
                .map_err(|_| "creator")?
                .map(|u| u.parse().map_err(|_| "creator"))
                .transpose()?,
            disposition: r.get(12).map_err(|_| "disposition")?,
            decision_conflict: r.get(13).map_err(|_| "conflict")?,
            registered_at: r
                .get::<_, Option<i64>>(14)
                .map_err(|_| "registered")?
                .map(Timestamp),
            received_at: Timestamp(r.get(15).map_err(|_| "received")?),
            updated_at: Timestamp(r.get(16).map_err(|_| "updated")?),
            cost_total_minor: r.get(17).map_err(|_| "costs")?,
            next_return_visit: next
                .map(|d| d.parse().map_err(|_| "return visit"))
                .transpose()?,
            handed_off_at: r
                .get::<_, Option<i64>>(20)
                .map_err(|_| "handed off")?
                .map(Timestamp),
            handed_off_received_at: r
                .get::<_, Option<i64>>(21)
                .map_err(|_| "hand-off received")?
                .map(Timestamp),
            next_action_due: action_due
                .map(|d| d.parse().map_err(|_| "action due"))
                .transpose()?,
            open_actions: r.get(23).map_err(|_| "open actions")?,
            cause: r.get(24).map_err(|_| "cause")?,
            responsibility: r.get(25).map_err(|_| "responsibility")?,
            contact_person: r.get(26).map_err(|_| "contact person")?,
            contact_method: r.get(27).map_err(|_| "contact method")?,
            content: r.get(28).map_err(|_| "content")?,
            requests: r.get(29).map_err(|_| "requests")?,
            source: r.get(30).map_err(|_| "source")?,
            sales_representative: r.get(31).map_err(|_| "sales representative")?,
            imported: r.get(32).map_err(|_| "imported")?,
            shipped_on: r
                .get::<_, Option<String>>(33)
                .map_err(|_| "shipped on")?
                .map(|d| d.parse().map_err(|_| "shipped on"))
                .transpose()?,
            drawings_sent_at: r
                .get::<_, Option<i64>>(34)
                .map_err(|_| "drawings sent")?
                .map(Timestamp),
        })
    })()
    .map_err(|what: &str| what.to_owned()))
}

/// The `WHERE` clause of the ledger rows `query` asks for (empty for all), and its arguments.
fn ledger_filter(query: &LedgerQuery) -> (String, Vec<Value>) {
    let mut clauses = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    let mut arg = |clause: &str, value: Value, args: &mut Vec<Value>| {
        args.push(value);
        clauses.push(clause.replace('?', &format!("?{}", args.len())));
    };
    if let Some(status) = query.status {
        arg("status = ?", Value::Text(status.as_str().into()), &mut args);
    }
    let contains = |s: &str| {
        Value::Text(format!(
            "%{}%",
            s.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        ))
    };
    for (column, value) in [
        ("customer_name", &query.customer),
        ("product_name", &query.product),
        ("model", &query.model),
        ("job_number", &query.job_number),
        ("contract_number", &query.contract_number),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            arg(
                &format!("{column} LIKE ? ESCAPE '\\'"),
                contains(v),
                &mut args,
            );
        }
    }
    if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let columns = [
            "ledger_number",
            "customer_name",
            "product_name",
            "model",
            "job_number",
            "contract_number",
        ];
        // Every `?` of the clause becomes the same numbered argument.
        let clause = columns
            .map(|c| format!("{c} LIKE ? ESCAPE '\\'"))
            .join(" OR ");
        arg(&format!("({clause})"), contains(q), &mut args);
    }
    if let Some(user) = &query.assignee {
        arg(
            "(' ' || assignees || ' ') LIKE ?",
            Value::Text(format!("% {} %", user.as_str())),
            &mut args,
        );
    }
    if let Some(from) = query.registered_from {
        arg("registered_at >= ?", Value::Integer(from), &mut args);
    }
    if let Some(to) = query.registered_to {
        arg("registered_at < ?", Value::Integer(to), &mut args);
    }
    if let Some(user) = &query.readable_by {
        arg(
            "ticket_id IN (SELECT ticket_id FROM access WHERE user_id = ?)",
            Value::Text(user.as_str().into()),
            &mut args,
        );
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    (filter, args)
}

/// The ledger rows `sql` (which selects [`LEDGER_COLUMNS`]) finds with `params`.
fn ledger_rows(c: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<Vec<LedgerRow>> {
    let mut stmt = c.prepare_cached(sql)?;
    let rows = stmt
        .query_map(params, ledger_of)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|r| r.map_err(|what| corrupt(&what)))
        .collect()
}

fn save_return_visits(
    tx: &Transaction<'_>,
    id: &TicketId,
    visits: &[ReturnVisitRow],
) -> Result<()> {
    tx.prepare_cached("DELETE FROM return_visits WHERE ticket_id = ?1")?
        .execute([id.as_str()])?;
    for v in visits {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO return_visits (visit_id, ticket_id, ledger_number, customer_name,
                 planned_for, method, assignee, done_at, done_by, satisfaction, resolved)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?
        .execute(params![
            v.visit_id,
            id.as_str(),
            v.ledger_number,
            v.customer_name,
            v.planned_for.to_string(),
            name(&v.method),
            v.assignee.as_str(),
            v.done_at.map(Timestamp::millis),
            v.done_by.as_ref().map(UserId::as_str),
            v.satisfaction,
            v.resolved,
        ])?;
    }
    Ok(())
}

fn save_cost_lines(tx: &Transaction<'_>, id: &TicketId, costs: &[CostLine]) -> Result<()> {
    tx.prepare_cached("DELETE FROM cost_lines WHERE ticket_id = ?1")?
        .execute([id.as_str()])?;
    for c in costs {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO cost_lines (cost_id, ticket_id, kind, bearer, amount_minor, currency,
                 approved, settled)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            c.cost_id,
            id.as_str(),
            c.kind,
            c.bearer,
            c.amount_minor,
            c.currency,
            c.approved,
            c.settled
        ])?;
    }
    Ok(())
}

/// Takes the next serial of a year's ledger numbers (`?1`), the first being 1.
const TAKE_LEDGER_SERIAL: &str = "INSERT INTO ledger_numbers (year, last) VALUES (?1, 1)
     ON CONFLICT (year) DO UPDATE SET last = last + 1 RETURNING last";

/// Raises the last serial of a year's ledger numbers (`?1`) to at least `?2`.
const NOTE_LEDGER_SERIAL: &str = "INSERT INTO ledger_numbers (year, last) VALUES (?1, ?2)
     ON CONFLICT (year) DO UPDATE SET last = max(last, excluded.last)";

/// Notes that serial `serial` of `year` is given: serials taken later continue after it.
fn note_ledger_serial(tx: &Transaction<'_>, year: i32, serial: u64) -> Result<()> {
    tx.prepare_cached(NOTE_LEDGER_SERIAL)?
        .execute(params![year, serial])?;
    Ok(())
}

/// Refuses to write `doc` over a document that another server wrote since this one read it:
/// the stored heads must be those the write was staged on (none, for a new ticket).
fn check_heads(tx: &Transaction<'_>, doc: &DocWrite) -> Result<()> {
    let stored = documents::heads(tx, &doc.ticket_id)?;
    let staged_on = (!doc.new).then_some(doc.before.as_slice());
    if stored.as_deref() != staged_on {
        return Err(ServerError::Stale(format!(
            "ticket {} was written by another server meanwhile",
            doc.ticket_id
        )));
    }
    Ok(())
}

/// Saves `row`, and who may read the ticket with it; when the write that produced it took users
/// off the ticket, their access is cut at `before`, the ticket's heads just before that write.
fn save_ledger_row(
    tx: &Transaction<'_>,
    row: &LedgerRow,
    before: Option<&[ChangeHash]>,
) -> Result<()> {
    let assignees: Vec<&str> = row.assignees.iter().map(UserId::as_str).collect();
    tx.prepare_cached(
        "INSERT INTO ledger (ticket_id, ledger_number, status, kind, complaint, major, customer_name,
             product_name, model, job_number, contract_number, assignees, disposition, decision_conflict,
             registered_at, received_at, updated_at, cost_total_minor, next_return_visit, created_by,
             handed_off_at, handed_off_received_at, next_action_due, open_actions, cause, responsibility,
             contact_person, contact_method, content, requests, source, sales_representative, imported,
             shipped_on, drawings_sent_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,
             ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35)
         ON CONFLICT (ticket_id) DO UPDATE SET ledger_number = excluded.ledger_number,
             status = excluded.status, kind = excluded.kind, complaint = excluded.complaint,
             major = excluded.major, customer_name = excluded.customer_name,
             product_name = excluded.product_name, model = excluded.model,
             job_number = excluded.job_number, contract_number = excluded.contract_number,
             assignees = excluded.assignees, disposition = excluded.disposition,
             decision_conflict = excluded.decision_conflict, registered_at = excluded.registered_at,
             updated_at = excluded.updated_at, cost_total_minor = excluded.cost_total_minor,
             next_return_visit = excluded.next_return_visit, created_by = excluded.created_by,
             handed_off_at = excluded.handed_off_at,
             handed_off_received_at = excluded.handed_off_received_at,
             next_action_due = excluded.next_action_due, open_actions = excluded.open_actions,
             cause = excluded.cause, responsibility = excluded.responsibility,
             contact_person = excluded.contact_person, contact_method = excluded.contact_method,
             content = excluded.content, requests = excluded.requests, source = excluded.source,
             sales_representative = excluded.sales_representative, imported = excluded.imported,
             shipped_on = excluded.shipped_on, drawings_sent_at = excluded.drawings_sent_at",
    )?
    .execute(params![
        row.ticket_id.as_str(),
        row.ledger_number,
        row.status.as_str(),
        row.kind,
        row.complaint,
        row.major,
        row.customer_name,
        row.product_name,
        row.model,
        row.job_number,
        row.contract_number,
        assignees.join(" "),
        row.disposition,
        row.decision_conflict,
        row.registered_at.map(Timestamp::millis),
        row.received_at.millis(),
        row.updated_at.millis(),
        row.cost_total_minor,
        row.next_return_visit.map(|d| d.to_string()),
        row.created_by.as_ref().map(UserId::as_str),
        row.handed_off_at.map(Timestamp::millis),
        row.handed_off_received_at.map(Timestamp::millis),
        row.next_action_due.map(|d| d.to_string()),
        row.open_actions,
        row.cause,
        row.responsibility,
        row.contact_person,
        row.contact_method,
        row.content,
        row.requests,
        row.source,
        row.sales_representative,
        row.imported,
        row.shipped_on.map(|d| d.to_string()),
        row.drawings_sent_at.map(Timestamp::millis),
    ])?;
    if let Some(number) = &row.ledger_number
        && let Some((year, n)) = parse_ledger_number(number)
    {
        note_ledger_serial(tx, year, n)?;
    }
    // Who may read the ticket follows the row: its assignees and its creator.
    let id = row.ticket_id.as_str();
    if let Some(before) = before {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO access_cuts (user_id, ticket_id, heads)
             SELECT user_id, ticket_id, ?2 FROM access WHERE ticket_id = ?1 AND reason = 'assigned'",
        )?
        .execute(params![id, documents::encode_heads(before)])?;
    }
    tx.prepare_cached("DELETE FROM access WHERE ticket_id = ?1 AND reason = 'assigned'")?
        .execute([id])?;
    for user in &row.assignees {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO access (user_id, ticket_id, reason) VALUES (?1, ?2, 'assigned')",
        )?
        .execute(params![user.as_str(), id])?;
    }
    if let Some(creator) = &row.created_by {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO access (user_id, ticket_id, reason) VALUES (?1, ?2, 'created')",
        )?
        .execute(params![creator.as_str(), id])?;
    }
    tx.prepare_cached(
        "DELETE FROM access_cuts WHERE ticket_id = ?1
           AND user_id IN (SELECT user_id FROM access WHERE ticket_id = ?1)",
    )?
    .execute([id])?;
    Ok(())
}

fn encode_state(shared: &[ChangeHash]) -> Vec<u8> {
    let mut state = sync::State::new();
    state.shared_heads = shared.to_vec();
    state.encode()
}

impl Storage for SqliteStorage {
    fn system_actor(&self) -> Result<ActorId> {
        self.read(|c| {
            Ok(ActorId::from(
                c.prepare_cached("SELECT system_actor FROM server_meta")?
                    .query_row([], |r| r.get::<_, Vec<u8>>(0))?,
            ))
        })
    }

    fn add_user(&self, user: &User) -> Result<()> {
        let actor = user.actor.clone().unwrap_or_else(|| self.ids.actor());
        self.write(|tx| {
            let added = tx.execute(
                "INSERT OR IGNORE INTO users (user_id, name, role, actor_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![user.id.as_str(), user.name, user.role.as_str(), actor.to_bytes(), user.created_at.millis()],
            )?;
            if added == 0 {
                return Err(ServerError::refused(
                    axum::http::StatusCode::CONFLICT,
                    "exists",
                    format!("user {} exists already", user.id),
                ));
            }
            Ok(())
        })
    }

    fn users(&self) -> Result<Vec<User>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT user_id, name, role, actor_id, created_at FROM users ORDER BY user_id",
            )?;
            let rows = stmt
                .query_map([], user_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter().map(user_of).collect()
        })
    }

    fn user(&self, id: &UserId) -> Result<Option<User>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT user_id, name, role, actor_id, created_at FROM users WHERE user_id = ?1",
            )?
            .query_row([id.as_str()], user_from_row)
            .optional()?
            .map(user_of)
            .transpose()
        })
    }

    fn add_device(&self, device: &Device, token_hash: &[u8; 32]) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO devices (device_id, user_id, label, token_hash, enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![device.id.as_str(), device.user.as_str(), device.label, &token_hash[..], device.enrolled_at.millis()],
            )?;
            Ok(())
        })
    }

    fn revoke_device(&self, id: &DeviceId, at: Timestamp) -> Result<bool> {
        self.write(|tx| {
            Ok(tx.execute(
                "UPDATE devices SET revoked_at = ?2 WHERE device_id = ?1 AND revoked_at IS NULL",
                params![id.as_str(), at.millis()],
            )? > 0)
        })
    }

    fn devices(&self) -> Result<Vec<Device>> {
        self.read(|c| {
            let mut stmt =
                c.prepare("SELECT device_id, user_id, label, enrolled_at, revoked_at FROM devices ORDER BY user_id, enrolled_at")?;
            let rows = stmt.query_map([], device_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter().map(device_of).collect()
        })
    }

    fn device_by_token(&self, token_hash: &[u8; 32]) -> Result<Option<(Device, User)>> {
        let found = self.read(|c| {
            Ok(c.prepare_cached(
                "SELECT device_id, user_id, label, enrolled_at, revoked_at FROM devices
                 WHERE token_hash = ?1 AND revoked_at IS NULL",
            )?
            .query_row([&token_hash[..]], device_from_row)
            .optional()?)
        })?;
        let Some(row) = found else { return Ok(None) };
        let device = device_of(row)?;
        let user = self
            .user(&device.user)?
            .ok_or_else(|| corrupt("device owner"))?;
        Ok(Some((device, user)))
    }

    fn bind_actors(&self, device: &DeviceId, actors: &[ActorId]) -> Result<ActorBinding> {
        let known = self.device_actors(device)?;
        if actors.iter().all(|a| known.contains(a)) {
            return Ok(ActorBinding {
                bound: known,
                refused: Vec::new(),
            });
        }
        let refused = self.write(|tx| {
            let mut elsewhere = Vec::new();
            for actor in actors.iter().take(MAX_ACTORS_PER_DEVICE) {
                // The server's own actor and the office users' actors are never a device's.
                tx.execute(
                    "INSERT OR IGNORE INTO device_actors (actor_id, device_id)
                     SELECT ?1, ?2 WHERE NOT EXISTS (SELECT 1 FROM users WHERE actor_id = ?1)
                         AND NOT EXISTS (SELECT 1 FROM server_meta WHERE system_actor = ?1)
                         AND (SELECT count(*) FROM device_actors WHERE device_id = ?2) < ?3",
                    params![actor.to_bytes(), device.as_str(), MAX_ACTORS_PER_DEVICE],
                )?;
                let owner: Option<String> = tx
                    .prepare_cached("SELECT device_id FROM device_actors WHERE actor_id = ?1")?
                    .query_row([actor.to_bytes()], |r| r.get(0))
                    .optional()?;
                if owner.as_deref() != Some(device.as_str()) {
                    elsewhere.push(actor.clone());
                }
            }
            Ok(elsewhere)
        })?;
        Ok(ActorBinding {
            bound: self.device_actors(device)?,
            refused,
        })
    }

    fn load_ticket(&self, id: &TicketId, actor: &ActorId) -> Result<Option<(Ticket, u32)>> {
        self.read(|c| match documents::load(c, id, actor) {
            Ok(ticket) => Ok(Some((ticket, documents::chunk_count(c, id)?))),
            Err(fieldledger_core::Error::UnknownTicket(_)) => Ok(None),
            Err(e) => Err(e.into()),
        })
    }

    fn ticket_ids(&self) -> Result<Vec<TicketId>> {
        self.read(|c| {
            let mut stmt = c.prepare("SELECT ticket_id FROM documents ORDER BY ticket_id")?;
            let rows = stmt
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter().map(|id| parse(id, "ticket id")).collect()
        })
    }

    fn device_doc(&self, device: &DeviceId, id: &TicketId) -> Result<Option<DeviceDoc>> {
        self.read(|c| {
            let row = c
                .prepare_cached("SELECT sync_state, sent_heads, sent_ack FROM device_docs WHERE device_id = ?1 AND ticket_id = ?2")?
                .query_row([device.as_str(), id.as_str()], |r| {
                    Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Option<Vec<u8>>>(1)?, r.get::<_, Option<u64>>(2)?))
                })
                .optional()?;
            row.map(|(state, sent_heads, sent_ack)| {
                let shared = sync::State::decode(&state).map_err(|_| corrupt("sync state"))?.shared_heads;
                let sent = match (sent_heads, sent_ack) {
                    (Some(h), Some(c)) => Some((documents::decode_heads(&h)?, c)),
                    _ => None,
                };
                Ok(DeviceDoc { shared, sent })
            })
            .transpose()
        })
    }

    fn has_access(&self, user: &UserId, id: &TicketId) -> Result<bool> {
        self.read(|c| {
            Ok(
                c.prepare_cached("SELECT 1 FROM access WHERE user_id = ?1 AND ticket_id = ?2")?
                    .query_row([user.as_str(), id.as_str()], |_| Ok(()))
                    .optional()?
                    .is_some(),
            )
        })
    }

    fn access_cut(&self, user: &UserId, id: &TicketId) -> Result<Option<Vec<ChangeHash>>> {
        self.read(|c| {
            c.prepare_cached("SELECT heads FROM access_cuts WHERE user_id = ?1 AND ticket_id = ?2")?
                .query_row([user.as_str(), id.as_str()], |r| r.get::<_, Vec<u8>>(0))
                .optional()?
                .map(|heads| Ok(documents::decode_heads(&heads)?))
                .transpose()
        })
    }

    fn feed(
        &self,
        device: &DeviceId,
        user: &UserId,
        everything: bool,
        cursor: u64,
        limit: usize,
    ) -> Result<FeedPage> {
        self.read(|c| {
            let head: u64 = c.prepare_cached("SELECT coalesce(max(seq), 0) FROM feed")?.query_row( [], |r| r.get(0))?;
            if head <= cursor {
                return Ok(FeedPage {
                    cursor: head.max(cursor),
                    ..FeedPage::default()
                });
            }
            let sql = if everything {
                // NOT INDEXED: walk the rows after the cursor by their key, so that the cost
                // follows what changed, not the length of the feed.
                "SELECT ticket_id, max(seq) AS last FROM feed NOT INDEXED
                 WHERE seq > ?1 AND device_id IS NOT ?2
                 GROUP BY ticket_id ORDER BY last"
            } else {
                "SELECT f.ticket_id, max(f.seq) AS last FROM feed f
                 JOIN access a ON a.ticket_id = f.ticket_id AND a.user_id = ?3
                 WHERE f.seq > ?1 AND f.device_id IS NOT ?2 GROUP BY f.ticket_id ORDER BY last"
            };
            // The grouped rows are all computed before the first is returned, so the page is
            // cut here rather than by a LIMIT.
            let mut stmt = c.prepare_cached(sql)?;
            let row = |r: &rusqlite::Row<'_>| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?));
            let rows = if everything {
                stmt.query_map(params![cursor, device.as_str()], row)?
            } else {
                stmt.query_map(params![cursor, device.as_str(), user.as_str()], row)?
            }
            .take(limit + 1)
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let more = rows.len() > limit;
            let page: Vec<_> = rows.into_iter().take(limit).collect();
            let new_cursor = if more { page.last().map_or(cursor, |(_, seq)| *seq) } else { head };
            let tickets = page
                .into_iter()
                .map(|(id, seq)| Ok((parse(id, "ticket id")?, seq)))
                .collect::<Result<Vec<(TicketId, u64)>>>()?;
            let dropped = if everything {
                Vec::new()
            } else {
                let mut stmt = c.prepare_cached(
                    "SELECT d.ticket_id FROM device_docs d
                     WHERE d.device_id = ?2
                       AND NOT EXISTS (SELECT 1 FROM access a WHERE a.ticket_id = d.ticket_id AND a.user_id = ?3)
                       AND EXISTS (SELECT 1 FROM feed f WHERE f.ticket_id = d.ticket_id AND f.seq > ?1 AND f.seq <= ?4)",
                )?;
                let rows = stmt
                    .query_map(params![cursor, device.as_str(), user.as_str(), new_cursor], |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                rows.into_iter().map(|id| parse(id, "ticket id")).collect::<Result<_>>()?
            };
            Ok(FeedPage {
                tickets,
                dropped,
                cursor: new_cursor,
                more,
            })
        })
    }

    fn take_ledger_serial(&self, year: i32) -> Result<u64> {
        self.write(|tx| {
            Ok(tx
                .prepare_cached(TAKE_LEDGER_SERIAL)?
                .query_row([year], |r| r.get(0))?)
        })
    }

    fn note_ledger_serial(&self, year: i32, serial: u64) -> Result<()> {
        self.write(|tx| note_ledger_serial(tx, year, serial))
    }

    fn stored_heads(&self, id: &TicketId) -> Result<Option<Vec<ChangeHash>>> {
        self.read(|c| Ok(documents::heads(c, id)?))
    }

    fn received_at(&self, id: &TicketId) -> Result<BTreeMap<ChangeHash, Timestamp>> {
        self.read(|c| {
            let mut stmt =
                c.prepare_cached("SELECT hash, received_at FROM changes WHERE ticket_id = ?1")?;
            let rows = stmt
                .query_map([id.as_str()], |r| {
                    Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(h, at)| {
                    Ok((
                        ChangeHash::try_from(&h[..]).map_err(|_| corrupt("change hash"))?,
                        Timestamp(at),
                    ))
                })
                .collect()
        })
    }

    fn first_sender(&self, id: &TicketId) -> Result<Option<UserId>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT user_id FROM changes WHERE ticket_id = ?1 ORDER BY received_at LIMIT 1",
            )?
            .query_row([id.as_str()], |r| r.get::<_, String>(0))
            .optional()?
            .map(|user| parse(user, "user id"))
            .transpose()
        })
    }

    fn commit(&self, batches: &[Batch], at: Timestamp) -> Result<Vec<Event>> {
        self.write(|tx| {
            let mut outbox = Vec::new();
            for batch in batches {
                for doc in &batch.docs {
                    check_heads(tx, doc)?;
                    match (&doc.bytes, doc.new) {
                        (DocBytes::Snapshot(bytes), true) => documents::insert_bytes(tx, &doc.ticket_id, bytes, &doc.heads)?,
                        (DocBytes::Snapshot(bytes), false) => documents::replace_snapshot(tx, &doc.ticket_id, bytes, &doc.heads)?,
                        (DocBytes::Chunk(bytes), _) => documents::append_chunk(tx, &doc.ticket_id, bytes, &doc.heads)?,
                    }
                    if let Some(visits) = &doc.return_visits {
                        save_return_visits(tx, &doc.ticket_id, visits)?;
                    }
                    if let Some(costs) = &doc.costs {
                        save_cost_lines(tx, &doc.ticket_id, costs)?;
                    }
                    if doc.ledger_changed {
                        save_ledger_row(tx, &doc.ledger, Some(&doc.before))?;
                    } else {
                        tx.prepare_cached("UPDATE ledger SET updated_at = ?2 WHERE ticket_id = ?1")?
                            .execute(params![doc.ticket_id.as_str(), doc.ledger.updated_at.millis()])?;
                    }
                    tx.prepare_cached(
                        "INSERT INTO feed (ticket_id, changes, received_at, device_id) VALUES (?1, ?2, ?3, ?4)",
                    )?
                    .execute(params![
                        doc.ticket_id.as_str(),
                        doc.changes.len(),
                        at.millis(),
                        doc.device.as_ref().map(DeviceId::as_str)
                    ])?;
                    // A change was received when the engine merged it, the time its ledger row
                    // (and the hand-off receipt time in it) records too.
                    for hash in &doc.changes {
                        tx.prepare_cached(
                            "INSERT OR IGNORE INTO changes (hash, ticket_id, received_at, user_id, device_id)
                             VALUES (?1, ?2, ?3, ?4, ?5)",
                        )?
                        .execute(params![
                            &hash.0[..],
                            doc.ticket_id.as_str(),
                            doc.ledger.updated_at.millis(),
                            doc.user.as_str(),
                            doc.device.as_ref().map(DeviceId::as_str)
                        ])?;
                    }
                }
                for write in &batch.device_docs {
                    let state = &write.state;
                    tx.prepare_cached(
                        "INSERT INTO device_docs (device_id, ticket_id, sync_state, sent_heads, sent_ack)
                         VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT (device_id, ticket_id) DO UPDATE SET sync_state = excluded.sync_state,
                             sent_heads = excluded.sent_heads, sent_ack = excluded.sent_ack",
                    )?
                    .execute(params![
                        write.device.as_str(),
                        write.ticket_id.as_str(),
                        encode_state(&state.shared),
                        state.sent.as_ref().map(|(h, _)| documents::encode_heads(h)),
                        state.sent.as_ref().map(|(_, c)| *c),
                    ])?;
                }
                for (key, ticket_id) in &batch.imports {
                    tx.prepare_cached(
                        "INSERT INTO imported_rows (import_key, ticket_id, imported_at) VALUES (?1, ?2, ?3)",
                    )?
                    .execute(params![key, ticket_id.as_str(), at.millis()])?;
                }
                for event in &batch.security_events {
                    tracing::warn!(kind = %event.kind, device = ?event.device, user = ?event.user, ticket = ?event.ticket, "{}", event.detail);
                    tx.prepare_cached(
                        "INSERT INTO security_events (at, kind, device_id, user_id, ticket_id, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )?
                    .execute(params![
                        event.at.millis(),
                        event.kind,
                        event.device.as_ref().map(DeviceId::as_str),
                        event.user.as_ref().map(UserId::as_str),
                        event.ticket.as_ref().map(TicketId::as_str),
                        event.detail
                    ])?;
                }
                for event in &batch.events {
                    if let Some(key) = &event.deadline {
                        let fresh = tx
                            .prepare_cached(
                                "INSERT OR IGNORE INTO fired_deadlines (deadline, ticket_id, subject, fired_at, event_id)
                                 VALUES (?1, ?2, ?3, ?4, 0)",
                            )?
                            .execute(params![key.deadline.as_str(), event.ticket_id.as_str(), key.subject, at.millis()])?;
                        if fresh == 0 {
                            continue;
                        }
                    }
                    let audience = event.kind.audience();
                    let roles: Vec<&str> = audience.iter().map(|r| r.as_str()).collect();
                    tx.prepare_cached(
                        "INSERT INTO events (at, kind, ticket_id, audience, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
                    )?
                    .execute(params![
                        event.at.millis(),
                        event.kind.as_str(),
                        event.ticket_id.as_str(),
                        roles.join(" "),
                        event.detail.to_string()
                    ])?;
                    let id = tx.last_insert_rowid();
                    if let Some(key) = &event.deadline {
                        tx.prepare_cached(
                            "UPDATE fired_deadlines SET event_id = ?4 WHERE deadline = ?1 AND ticket_id = ?2 AND subject = ?3",
                        )?
                        .execute(params![key.deadline.as_str(), event.ticket_id.as_str(), key.subject, id])?;
                    }
                    outbox.push(Event {
                        id: id.try_into().unwrap_or_default(),
                        kind: event.kind,
                        ticket_id: event.ticket_id.clone(),
                        at: event.at,
                        audience,
                        detail: event.detail.clone(),
                    });
                }
            }
            Ok(outbox)
        })
    }

    fn last_event_id(&self) -> Result<u64> {
        self.read(|c| {
            Ok(c.prepare_cached("SELECT COALESCE(MAX(id), 0) FROM events")?
                .query_row([], |r| r.get(0))?)
        })
    }

    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<Event>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, at, kind, ticket_id, audience, detail FROM events WHERE id > ?1 ORDER BY id",
            )?;
            let rows = stmt
                .query_map([after], |r| {
                    Ok((
                        r.get::<_, u64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                    ))
                })?
                .take(limit)
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(id, at, kind, ticket, audience, detail)| {
                    Ok(Event {
                        id,
                        kind: parse(kind, "event kind")?,
                        ticket_id: parse(ticket, "ticket id")?,
                        at: Timestamp(at),
                        audience: audience
                            .split_whitespace()
                            .map(|r| parse(r.to_owned(), "role"))
                            .collect::<Result<_>>()?,
                        detail: serde_json::from_str(&detail).map_err(|_| corrupt("event detail"))?,
                    })
                })
                .collect()
        })
    }

    fn add_webhook(
        &self,
        url: &str,
        secret: &str,
        kinds: &[EventKind],
        from: Option<u64>,
    ) -> Result<u64> {
        let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO webhooks (url, secret, kinds, delivered_upto)
                 VALUES (?1, ?2, ?3, coalesce(?4, (SELECT coalesce(max(id), 0) FROM events)))",
                params![url, secret, kinds.join(" "), from],
            )?;
            Ok(tx.last_insert_rowid().try_into().unwrap_or_default())
        })
    }

    fn remove_webhook(&self, id: u64) -> Result<bool> {
        self.write(|tx| Ok(tx.execute("DELETE FROM webhooks WHERE id = ?1", [id])? > 0))
    }

    fn webhooks(&self) -> Result<Vec<Webhook>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, url, secret, kinds, delivered_upto, attempts, next_attempt_at, last_error
                 FROM webhooks ORDER BY id",
            )?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        Webhook {
                            id: r.get(0)?,
                            url: r.get(1)?,
                            secret: r.get(2)?,
                            kinds: Vec::new(),
                            delivered_upto: r.get(4)?,
                            attempts: r.get(5)?,
                            next_attempt_at: Timestamp(r.get(6)?),
                            last_error: r.get(7)?,
                        },
                        r.get::<_, String>(3)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(hook, kinds)| {
                    Ok(Webhook {
                        kinds: kinds
                            .split_whitespace()
                            .map(|k| parse(k.to_owned(), "event kind"))
                            .collect::<Result<_>>()?,
                        ..hook
                    })
                })
                .collect()
        })
    }

    fn webhook_delivered(&self, id: u64, event: u64) -> Result<()> {
        self.write(|tx| {
            tx.prepare_cached(
                "UPDATE webhooks SET delivered_upto = max(delivered_upto, ?2), attempts = 0,
                     next_attempt_at = 0, last_error = NULL WHERE id = ?1",
            )?
            .execute(params![id, event])?;
            Ok(())
        })
    }

    fn webhook_failed(
        &self,
        id: u64,
        attempts: u32,
        retry_at: Timestamp,
        error: &str,
    ) -> Result<()> {
        self.write(|tx| {
            tx.prepare_cached(
                "UPDATE webhooks SET attempts = ?2, next_attempt_at = ?3, last_error = ?4 WHERE id = ?1",
            )?
            .execute(params![id, attempts, retry_at.millis(), error])?;
            Ok(())
        })
    }

    fn late_handoffs(&self, now: Timestamp, limit_ms: i64) -> Result<Vec<LedgerRow>> {
        // Three ways to be late, each found through its own index (004_ledger_details.sql):
        // not handed off yet, handed off late as the server received it, or late as the
        // device recorded it. Imported tickets are history and are not judged. Written as
        // `UNION ALL` of whole queries: SQLite plans `IN (… UNION …)` as a merge of full scans.
        let not_fired = "NOT EXISTS (SELECT 1 FROM fired_deadlines f WHERE f.deadline = ?3
                         AND f.ticket_id = l.ticket_id AND f.subject = '')";
        let sql = format!(
            "SELECT {LEDGER_COLUMNS} FROM ledger l
              WHERE handed_off_received_at IS NULL AND imported = 0 AND received_at <= ?1 - ?2
                AND {not_fired}
             UNION ALL
             SELECT {LEDGER_COLUMNS} FROM ledger l
              WHERE imported = 0 AND handed_off_received_at - received_at > ?2 AND {not_fired}
             UNION ALL
             SELECT {LEDGER_COLUMNS} FROM ledger l
              WHERE imported = 0 AND handed_off_at - registered_at > ?2 AND {not_fired}"
        );
        let mut rows = self.read(|c| {
            ledger_rows(
                c,
                &sql,
                params![now.millis(), limit_ms, Deadline::Handoff.as_str()],
            )
        })?;
        // Late on both clocks: once.
        let mut seen = std::collections::BTreeSet::new();
        rows.retain(|row| seen.insert(row.ticket_id.clone()));
        Ok(rows)
    }

    fn days_due(&self, deadline: Deadline, by: Date) -> Result<Vec<LedgerRow>> {
        let (column, unless) = match deadline {
            Deadline::Handoff => return Ok(Vec::new()),
            Deadline::ReturnVisitDue | Deadline::ReturnVisitOverdue => ("next_return_visit", ""),
            Deadline::CorrectiveAction => ("next_action_due", ""),
            Deadline::DrawingDelivery => (
                "shipped_on",
                "AND drawings_sent_at IS NULL AND imported = 0",
            ),
        };
        let sql = format!(
            "SELECT {LEDGER_COLUMNS} FROM ledger l
             WHERE {column} IS NOT NULL AND {column} <= ?1 {unless}
               AND NOT EXISTS (SELECT 1 FROM fired_deadlines f WHERE f.deadline = ?2
                               AND f.ticket_id = l.ticket_id AND f.subject = l.{column})"
        );
        self.read(|c| ledger_rows(c, &sql, params![by.to_string(), deadline.as_str()]))
    }

    fn complaints_by(&self, axis: ComplaintAxis, utc_offset_minutes: i32) -> Result<Vec<Group>> {
        let key = match axis {
            ComplaintAxis::Product => "product_name".to_owned(),
            ComplaintAxis::Model => "model".to_owned(),
            ComplaintAxis::Cause => "NULLIF(cause, '')".to_owned(),
            ComplaintAxis::Responsibility => "responsibility".to_owned(),
            ComplaintAxis::Month => format!(
                "strftime('%Y-%m', registered_at / 1000, 'unixepoch', '{utc_offset_minutes:+} minutes')"
            ),
        };
        let sql = format!(
            "SELECT {key} AS k, COUNT(*) AS n FROM ledger WHERE complaint = 1
             GROUP BY k ORDER BY n DESC, k"
        );
        self.read(|c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let groups = stmt
                .query_map([], |r| {
                    Ok(Group {
                        key: r.get(0)?,
                        complaints: r.get(1)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(groups)
        })
    }

    fn handoff_compliance(&self, limit_ms: i64) -> Result<HandoffCompliance> {
        self.read(|c| {
            let (tickets, handed_off, by_device, by_receipt): (u64, u64, u64, u64) = c
                .prepare_cached(
                    "SELECT COUNT(*), COUNT(handed_off_received_at),
                        COALESCE(SUM(handed_off_at - registered_at <= ?1), 0),
                        COALESCE(SUM(handed_off_received_at - received_at <= ?1), 0)
                     FROM ledger WHERE imported = 0",
                )?
                .query_row([limit_ms], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })?;
            Ok(HandoffCompliance {
                tickets,
                handed_off,
                on_time_by_device: by_device,
                on_time_by_receipt: by_receipt,
                share_by_device: share(by_device, tickets),
                share_by_receipt: share(by_receipt, tickets),
            })
        })
    }

    fn open_actions(&self, today: Date) -> Result<OpenActions> {
        self.read(|c| {
            Ok(c.prepare_cached(
                "SELECT COALESCE(SUM(open_actions), 0), COALESCE(SUM(open_actions > 0), 0),
                    COALESCE(SUM(next_action_due < ?1), 0)
                 FROM ledger",
            )?
            .query_row([today.to_string()], |r| {
                Ok(OpenActions {
                    actions: r.get(0)?,
                    tickets: r.get(1)?,
                    tickets_past_due: r.get(2)?,
                })
            })?)
        })
    }

    fn cost_totals(&self) -> Result<CostStatistics> {
        let totals = |c: &Connection, column: &str| -> Result<Vec<CostTotal>> {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {column}, currency, COUNT(*), SUM(amount_minor),
                    TOTAL(CASE WHEN approved = 1 THEN amount_minor END),
                    TOTAL(CASE WHEN settled = 1 THEN amount_minor END)
                 FROM cost_lines GROUP BY {column}, currency ORDER BY {column}, currency"
            ))?;
            let rows = stmt
                .query_map([], |r| {
                    Ok(CostTotal {
                        key: r.get(0)?,
                        currency: r.get(1)?,
                        costs: r.get(2)?,
                        amount_minor: r.get(3)?,
                        approved_minor: r.get::<_, f64>(4)? as i64,
                        settled_minor: r.get::<_, f64>(5)? as i64,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        };
        self.read(|c| {
            Ok(CostStatistics {
                by_kind: totals(c, "kind")?,
                by_bearer: totals(c, "bearer")?,
            })
        })
    }

    fn visit_outcomes(&self) -> Result<VisitOutcomes> {
        self.read(|c| {
            let (planned, done, resolved, mean, counts): (u64, u64, u64, Option<f64>, [u64; 5]) = c
                .prepare_cached(
                    "SELECT COUNT(*), COUNT(done_at), COALESCE(SUM(resolved = 1), 0), AVG(satisfaction),
                        COALESCE(SUM(satisfaction = 1), 0), COALESCE(SUM(satisfaction = 2), 0),
                        COALESCE(SUM(satisfaction = 3), 0), COALESCE(SUM(satisfaction = 4), 0),
                        COALESCE(SUM(satisfaction = 5), 0)
                     FROM return_visits",
                )?
                .query_row([], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        [r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?],
                    ))
                })?;
            Ok(VisitOutcomes {
                planned,
                done,
                completion: share(done, planned),
                resolved,
                mean_satisfaction: mean,
                by_satisfaction: counts,
            })
        })
    }

    fn return_visits(&self, query: &VisitQuery, days: VisitDays) -> Result<Vec<ReturnVisitRow>> {
        let (today, overdue) = (days.today.to_string(), days.overdue_upto.to_string());
        let mut clauses = vec![
            match query.state {
                Some(VisitState::Done) => "done_at IS NOT NULL",
                _ => "1 = 1",
            }
            .to_owned(),
        ];
        let mut args: Vec<Value> = Vec::new();
        let mut arg = |clause: &str, value: String| {
            args.push(Value::Text(value));
            clauses.push(clause.replace('?', &format!("?{}", args.len())));
        };
        match query.state {
            None | Some(VisitState::Done) => {}
            Some(VisitState::Overdue) => arg("done_at IS NULL AND planned_for <= ?", overdue),
            Some(VisitState::Due) => {
                arg("done_at IS NULL AND planned_for > ?", overdue);
                arg("planned_for <= ?", today);
            }
            Some(VisitState::Planned) => arg("done_at IS NULL AND planned_for > ?", today),
        }
        if let Some(assignee) = &query.assignee {
            arg("assignee = ?", assignee.to_string());
        }
        if let Some(role) = query.department {
            arg(
                "assignee IN (SELECT user_id FROM users WHERE role = ?)",
                role.as_str().into(),
            );
        }
        let sql = format!(
            "SELECT visit_id, ticket_id, ledger_number, customer_name, planned_for, method, assignee,
                    done_at, done_by, satisfaction, resolved
             FROM return_visits WHERE {} ORDER BY planned_for, visit_id LIMIT 500",
            clauses.join(" AND ")
        );
        self.read(|c| {
            let mut stmt = c.prepare(&sql)?;
            let rows = stmt
                .query_map(params_from_iter(args.iter()), |r| {
                    Ok((
                        (
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, Option<String>>(2)?,
                        ),
                        (
                            r.get::<_, String>(3)?,
                            r.get::<_, String>(4)?,
                            r.get::<_, String>(5)?,
                        ),
                        (
                            r.get::<_, String>(6)?,
                            r.get::<_, Option<i64>>(7)?,
                            r.get::<_, Option<String>>(8)?,
                        ),
                        (r.get::<_, Option<u8>>(9)?, r.get::<_, Option<bool>>(10)?),
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(
                    |(
                        (visit_id, ticket, ledger_number),
                        (customer_name, day, method),
                        (assignee, done_at, done_by),
                        (satisfaction, resolved),
                    )| {
                        Ok(ReturnVisitRow {
                            visit_id,
                            ticket_id: parse(ticket, "ticket id")?,
                            ledger_number,
                            customer_name,
                            planned_for: parse(day, "planned day")?,
                            method: serde_json::from_value(serde_json::Value::String(method))
                                .map_err(|_| corrupt("return visit method"))?,
                            assignee: parse(assignee, "assignee")?,
                            done_at: done_at.map(Timestamp),
                            done_by: done_by.map(|u| parse(u, "visitor")).transpose()?,
                            satisfaction,
                            resolved,
                        })
                    },
                )
                .collect()
        })
    }

    fn replace_ledger_rows(&self, rows: &[Projection], projection: u32) -> Result<()> {
        self.write(|tx| {
            for p in rows {
                save_ledger_row(tx, &p.row, None)?;
                save_return_visits(tx, &p.row.ticket_id, &p.return_visits)?;
                save_cost_lines(tx, &p.row.ticket_id, &p.costs)?;
            }
            tx.execute(
                "UPDATE server_meta SET ledger_projection = ?1",
                [projection],
            )?;
            Ok(())
        })
    }

    fn find_imported(&self, key: &str, ledger_number: Option<&str>) -> Result<Option<String>> {
        self.read(|c| {
            let imported = c
                .prepare_cached(
                    "SELECT COALESCE(l.ledger_number, l.ticket_id) FROM imported_rows i
                     JOIN ledger l ON l.ticket_id = i.ticket_id WHERE i.import_key = ?1",
                )?
                .query_row([key], |r| r.get(0))
                .optional()?;
            match (imported, ledger_number) {
                (Some(known), _) => Ok(Some(known)),
                (None, Some(number)) => Ok(c
                    .prepare_cached("SELECT ledger_number FROM ledger WHERE ledger_number = ?1")?
                    .query_row([number], |r| r.get(0))
                    .optional()?),
                (None, None) => Ok(None),
            }
        })
    }

    fn ledger_projection(&self) -> Result<u32> {
        self.read(|c| {
            Ok(
                c.query_row("SELECT ledger_projection FROM server_meta", [], |r| {
                    r.get(0)
                })?,
            )
        })
    }

    fn made_by_demo(&self) -> Result<bool> {
        self.read(|c| Ok(c.query_row("SELECT made_by_demo FROM server_meta", [], |r| r.get(0))?))
    }

    fn mark_made_by_demo(&self) -> Result<()> {
        self.write(|tx| {
            tx.execute("UPDATE server_meta SET made_by_demo = 1", [])?;
            Ok(())
        })
    }

    fn ledger(&self, query: &LedgerQuery) -> Result<LedgerPage> {
        let (filter, args) = ledger_filter(query);
        let limit = query.limit.unwrap_or(50).min(500);
        let order = match query.sort {
            None => "updated_at DESC".to_owned(),
            Some(sort) => format!(
                "{} {}",
                sort.column(),
                if query.desc { "DESC" } else { "ASC" }
            ),
        };
        self.read(|c| {
            let total: u64 = c.query_row(&format!("SELECT count(*) FROM ledger {filter}"), params_from_iter(args.iter()), |r| r.get(0))?;
            let sql = format!(
                "SELECT {LEDGER_COLUMNS} FROM ledger {filter} ORDER BY {order}, ticket_id LIMIT {limit} OFFSET {}",
                query.offset
            );
            let rows = ledger_rows(c, &sql, params_from_iter(args.iter()))?;
            Ok(LedgerPage { rows, total })
        })
    }

    fn whole_ledger(&self, query: &LedgerQuery) -> Result<Vec<LedgerRow>> {
        let (filter, args) = ledger_filter(query);
        self.read(|c| {
            let sql = format!(
                "SELECT {LEDGER_COLUMNS} FROM ledger {filter} ORDER BY registered_at, ledger_number, ticket_id"
            );
            ledger_rows(c, &sql, params_from_iter(args.iter()))
        })
    }

    fn ledger_row(&self, id: &TicketId) -> Result<Option<LedgerRow>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {LEDGER_COLUMNS} FROM ledger WHERE ticket_id = ?1"
            ))?
            .query_row([id.as_str()], ledger_of)
            .optional()?
            .map(|r| r.map_err(|what| corrupt(&what)))
            .transpose()
        })
    }

    fn add_blob(&self, sha256: &str, size: u64, at: Timestamp) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT OR IGNORE INTO blobs (sha256, size, received_at) VALUES (?1, ?2, ?3)",
                params![sha256, size, at.millis()],
            )?;
            Ok(())
        })
    }

    fn blob_size(&self, sha256: &str) -> Result<Option<u64>> {
        self.read(|c| {
            Ok(
                c.prepare_cached("SELECT size FROM blobs WHERE sha256 = ?1")?
                    .query_row([sha256], |r| r.get(0))
                    .optional()?,
            )
        })
    }

    fn security_events(&self, limit: usize) -> Result<Vec<SecurityEvent>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT at, kind, device_id, user_id, ticket_id, detail FROM security_events ORDER BY id DESC LIMIT ?1",
            )?;
            let rows = stmt
                .query_map([limit as i64], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, String>(5)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(at, kind, device, user, ticket, detail)| {
                    Ok(SecurityEvent {
                        at: Timestamp(at),
                        kind,
                        device: device.map(|d| parse(d, "device id")).transpose()?,
                        user: user.map(|u| parse(u, "user id")).transpose()?,
                        ticket: ticket.map(|t| parse(t, "ticket id")).transpose()?,
                        detail,
                    })
                })
                .collect()
        })
    }

    fn set_password(&self, user: &UserId, hash: &str, at: Timestamp) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO web_passwords (user_id, hash, set_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, set_at = excluded.set_at",
                params![user.as_str(), hash, at.millis()],
            )?;
            // A new password ends every session signed in with the old one.
            tx.execute("DELETE FROM web_sessions WHERE user_id = ?1", [user.as_str()])?;
            Ok(())
        })
    }

    fn password_hash(&self, user: &UserId) -> Result<Option<String>> {
        self.read(|c| {
            Ok(
                c.prepare_cached("SELECT hash FROM web_passwords WHERE user_id = ?1")?
                    .query_row([user.as_str()], |r| r.get(0))
                    .optional()?,
            )
        })
    }

    fn add_session(&self, session: &WebSession, token_hash: &[u8; 32]) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM web_sessions WHERE expires_at <= ?1",
                [session.created_at.millis()],
            )?;
            tx.execute(
                "INSERT INTO web_sessions (token_hash, user_id, device_id, csrf, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    &token_hash[..],
                    session.user.as_str(),
                    session.device.as_str(),
                    session.csrf,
                    session.created_at.millis(),
                    session.expires_at.millis()
                ],
            )?;
            Ok(())
        })
    }

    fn session(&self, token_hash: &[u8; 32], now: Timestamp) -> Result<Option<WebSession>> {
        let found = self.read(|c| {
            Ok(c.prepare_cached(
                "SELECT user_id, device_id, csrf, created_at, expires_at FROM web_sessions
                 WHERE token_hash = ?1 AND expires_at > ?2",
            )?
            .query_row(params![&token_hash[..], now.millis()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            })
            .optional()?)
        })?;
        found
            .map(|(user, device, csrf, created, expires)| {
                Ok(WebSession {
                    user: parse(user, "session user")?,
                    device: parse(device, "session device")?,
                    csrf,
                    created_at: Timestamp(created),
                    expires_at: Timestamp(expires),
                })
            })
            .transpose()
    }

    fn end_session(&self, token_hash: &[u8; 32]) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM web_sessions WHERE token_hash = ?1",
                [&token_hash[..]],
            )?;
            Ok(())
        })
    }

    fn cost_rows(&self, query: &CostQuery) -> Result<Vec<CostRow>> {
        let state = match query.state {
            None => "1 = 1",
            Some(crate::costs::CostState::ToAudit) => "c.approved IS NULL",
            Some(crate::costs::CostState::ToSettle) => "c.approved = 1 AND c.settled = 0",
            Some(crate::costs::CostState::Settled) => "c.settled = 1",
        };
        let sql = format!(
            "SELECT c.cost_id, c.ticket_id, l.ledger_number, l.customer_name, c.kind, c.bearer,
                    c.amount_minor, c.currency, c.approved, c.settled
             FROM cost_lines c JOIN ledger l ON l.ticket_id = c.ticket_id
             WHERE {state} AND (?1 IS NULL OR c.bearer = ?1)
             ORDER BY c.bearer, l.updated_at DESC, c.cost_id LIMIT 500"
        );
        self.read(|c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt
                .query_map([query.bearer.as_deref()], |r| {
                    Ok((
                        (
                            r.get::<_, String>(1)?,
                            r.get::<_, Option<String>>(2)?,
                            r.get::<_, String>(3)?,
                        ),
                        CostLine {
                            cost_id: r.get(0)?,
                            kind: r.get(4)?,
                            bearer: r.get(5)?,
                            amount_minor: r.get(6)?,
                            currency: r.get(7)?,
                            approved: r.get(8)?,
                            settled: r.get(9)?,
                        },
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|((ticket, ledger_number, customer_name), line)| {
                    Ok(CostRow {
                        ticket_id: parse(ticket, "ticket id")?,
                        ledger_number,
                        customer_name,
                        line,
                    })
                })
                .collect()
        })
    }

    fn open_action_tickets(&self, limit: usize) -> Result<Vec<LedgerRow>> {
        self.read(|c| {
            ledger_rows(
                c,
                &format!(
                    "SELECT {LEDGER_COLUMNS} FROM ledger WHERE next_action_due IS NOT NULL
                     ORDER BY next_action_due, ticket_id LIMIT ?1"
                ),
                [limit as i64],
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ledger_numbers_parse() {
        assert_eq!(parse_ledger_number("KS-2026-000123"), Some((2026, 123)));
        assert_eq!(parse_ledger_number("XX-2026-1"), None);
        assert_eq!(parse_ledger_number("KS-2026"), None);
    }

    #[test]
    fn a_fresh_database_passes_its_integrity_check_and_keeps_its_system_actor() {
        let dir = tempfile::tempdir().expect("dir");
        let storage =
            SqliteStorage::open(dir.path(), Timestamp(0), IdSource::random()).expect("open");
        storage.integrity_check().expect("sound");
        let actor = storage.system_actor().expect("actor");
        drop(storage);
        let again =
            SqliteStorage::open(dir.path(), Timestamp(1), IdSource::random()).expect("reopen");
        assert_eq!(again.system_actor().expect("actor"), actor);
    }
}
