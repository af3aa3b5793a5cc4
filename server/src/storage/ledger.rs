//! The central complaint ledger as stored: one row per ticket, projected from its document,
//! with the serials of ledger numbers and the rows an import made into tickets.

use fieldledger_core::TicketId;

use super::Result;
use crate::ledger::{LedgerPage, LedgerQuery, LedgerRow};
use crate::projection::Projection;

/// Ledger rows, ledger numbers and imported rows. Rows are written with their documents by
/// [`super::Commits::commit`], or rebuilt by [`Ledger::replace_ledger_rows`].
pub trait Ledger {
    /// A page of the ledger.
    fn ledger(&self, query: &LedgerQuery) -> Result<LedgerPage>;
    /// Every ledger row `query` matches, whatever its paging, oldest registration first.
    fn whole_ledger(&self, query: &LedgerQuery) -> Result<Vec<LedgerRow>>;
    /// One ledger row.
    fn ledger_row(&self, id: &TicketId) -> Result<Option<LedgerRow>>;

    /// Takes the next serial of `year`'s ledger numbers, in a transaction of its own, so that
    /// no two servers on this storage ever take the same one. A serial taken for a write that
    /// then fails is not given again (a gap, as a database sequence leaves).
    fn take_ledger_serial(&self, year: i32) -> Result<u64>;
    /// Notes that serial `serial` of `year` was given elsewhere (an imported ticket kept its
    /// number), so that serials taken later continue after it.
    fn note_ledger_serial(&self, year: i32, serial: u64) -> Result<()>;

    /// Rewrites ledger rows, and the tickets' return visits and costs, from their documents,
    /// by version `projection` of [`LedgerRow::project`].
    fn replace_ledger_rows(&self, rows: &[Projection], projection: u32) -> Result<()>;
    /// The version of [`LedgerRow::project`] that last rebuilt the ledger.
    fn ledger_projection(&self) -> Result<u32>;

    /// The ticket (its ledger number, or id) that an earlier import made of the row `key`, or
    /// that already has `ledger_number`.
    fn find_imported(&self, key: &str, ledger_number: Option<&str>) -> Result<Option<String>>;
}

/// A value a ledger filter compares a column with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum FilterValue {
    /// Text.
    Text(String),
    /// A number (milliseconds since the epoch).
    Integer(i64),
}

/// The `WHERE` clause of the ledger rows `query` asks for (empty for all), and its values in
/// order, written once for every database: `placeholder(n)` writes the database's n-th
/// parameter (`?n`, `$n`), and `like` is its operator for a match that ignores case (SQLite's
/// `LIKE`, PostgreSQL's `ILIKE`).
pub(super) fn ledger_filter(
    query: &LedgerQuery,
    placeholder: impl Fn(usize) -> String,
    like: &str,
) -> (String, Vec<FilterValue>) {
    let mut clauses = Vec::new();
    let mut values = Vec::new();
    // Clauses without a value.
    let mut fixed: Vec<String> = Vec::new();
    // Every `?` of a clause becomes the same numbered parameter.
    let mut arg = |clause: &str, value: FilterValue| {
        values.push(value);
        clauses.push(clause.replace('?', &placeholder(values.len())));
    };
    if let Some(status) = query.status {
        arg("status = ?", FilterValue::Text(status.as_str().into()));
    }
    let contains = |s: &str| FilterValue::Text(format!("%{}%", escape_like(s)));
    for (column, value) in [
        ("customer_name", &query.customer),
        ("product_name", &query.product),
        ("model", &query.model),
        ("job_number", &query.job_number),
        ("contract_number", &query.contract_number),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            arg(&format!("{column} {like} ? ESCAPE '\\'"), contains(v));
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
        let clause = columns
            .map(|c| format!("{c} {like} ? ESCAPE '\\'"))
            .join(" OR ");
        arg(&format!("({clause})"), contains(q));
    }
    if let Some(user) = &query.assignee {
        let clause = format!("(' ' || assignees || ' ') {like} ?");
        arg(&clause, FilterValue::Text(format!("% {} %", user.as_str())));
    }
    if let Some(role) = query.waiting_for {
        // Role names hold `_`, a wildcard of LIKE: escaped.
        let clause = format!("(' ' || waiting) {like} ? ESCAPE '\\'");
        let token = escape_like(role.as_str());
        arg(&clause, FilterValue::Text(format!("% {token}:%")));
    }
    if let Some(from) = query.registered_from {
        arg("registered_at >= ?", FilterValue::Integer(from));
    }
    if let Some(to) = query.registered_to {
        arg("registered_at < ?", FilterValue::Integer(to));
    }
    if let Some(group) = &query.group {
        // A bare boolean column reads the same in both databases.
        fixed.push("complaint".to_owned());
        match (&group.expression, &group.key) {
            (Some(list), Some(key)) if group.list => {
                let clause = format!("(' ' || {list} || ' ') {like} ? ESCAPE '\\'");
                arg(
                    &clause,
                    FilterValue::Text(format!("% {} %", escape_like(key))),
                );
            }
            (Some(list), None) if group.list => fixed.push(format!("{list} = ''")),
            (Some(expression), Some(key)) => {
                arg(&format!("{expression} = ?"), FilterValue::Text(key.clone()))
            }
            (Some(expression), None) => fixed.push(format!("{expression} IS NULL")),
            (None, Some(_)) => {}
            (None, None) => fixed.push("registered_at IS NULL".to_owned()),
        }
    }
    if let Some(user) = &query.readable_by {
        arg(
            "ticket_id IN (SELECT ticket_id FROM access WHERE user_id = ?)",
            FilterValue::Text(user.as_str().into()),
        );
    }
    clauses.extend(fixed);
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    (filter, values)
}

/// `text` with the wildcards of `LIKE` (and its escape character) escaped by `\`.
fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
