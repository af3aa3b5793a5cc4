//! The ledger in PostgreSQL: its rows (mapped by [`ledger_row`](super::ledger_row)), pages of
//! them by filter and order, the serials of ledger numbers, and the rows an import made into
//! tickets.
//!
//! Pages come in SQLite's order: text byte by byte (`COLLATE "C"`), NULL before any value, and
//! text filters that ignore case (SQLite's `LIKE` does, PostgreSQL's `ILIKE` does).

use automerge::ChangeHash;
use fieldledger_core::{TicketId, Timestamp};
use postgres::Transaction;
use postgres::types::ToSql;

use super::row::{Named, corrupt};
use super::{PostgresStorage, documents, ledger_row, projection};
use crate::ledger::{LedgerPage, LedgerQuery, LedgerRow, LedgerSort, parse_ledger_number};
use crate::projection::Projection;
use crate::storage::ledger::{self as filter, FilterValue};
use crate::storage::{Ledger, Result};

const SELECT_LEDGER_ROW: &str = "SELECT * FROM ledger WHERE ticket_id = $1";
/// Counts the rows that pass `{filter}` (a `WHERE` clause, or nothing).
const COUNT_LEDGER_ROWS: &str = "SELECT count(*) AS n FROM ledger {filter}";
/// A page of the rows that pass `{filter}`, sorted by `{order}`.
const SELECT_LEDGER_PAGE: &str = "SELECT * FROM ledger {filter}
    ORDER BY {order}, ticket_id COLLATE \"C\" LIMIT {limit} OFFSET {offset}";
/// Every row that passes `{filter}`, oldest registration first.
const SELECT_WHOLE_LEDGER: &str = "SELECT * FROM ledger {filter}
    ORDER BY registered_at NULLS FIRST, ledger_number COLLATE \"C\" NULLS FIRST,
        ticket_id COLLATE \"C\"";
/// The order of a page when the query names none: the latest changes first.
const DEFAULT_ORDER: &str = "updated_at DESC";

/// Takes the next serial of a year's ledger numbers (`$1`), the first being 1.
const TAKE_LEDGER_SERIAL: &str = "INSERT INTO ledger_numbers (year, last) VALUES ($1, 1)
    ON CONFLICT (year) DO UPDATE SET last = ledger_numbers.last + 1 RETURNING last";
/// Raises the last serial of a year's ledger numbers (`$1`) to at least `$2`.
const NOTE_LEDGER_SERIAL: &str = "INSERT INTO ledger_numbers (year, last) VALUES ($1, $2)
    ON CONFLICT (year) DO UPDATE SET last = GREATEST(ledger_numbers.last, excluded.last)";

const SELECT_LEDGER_PROJECTION: &str = "SELECT ledger_projection FROM server_meta";
const SET_LEDGER_PROJECTION: &str = "UPDATE server_meta SET ledger_projection = $1";

const INSERT_IMPORTED_ROW: &str = "INSERT INTO imported_rows (import_key, ticket_id, imported_at)
    VALUES ($1, $2, $3)";
/// The ticket (its ledger number, or id) an import made of the row with key `$1`.
const SELECT_IMPORTED_TICKET: &str = "SELECT COALESCE(l.ledger_number, l.ticket_id) AS ticket
    FROM imported_rows i JOIN ledger l ON l.ticket_id = i.ticket_id WHERE i.import_key = $1";
const SELECT_LEDGER_NUMBER: &str = "SELECT ledger_number FROM ledger WHERE ledger_number = $1";

/// The rows on a page when the query asks for no number.
const DEFAULT_PAGE: u64 = 50;
/// The most rows on one page.
const MAX_PAGE: u64 = 500;

/// An argument of a statement made for one query.
type Arg = Box<dyn ToSql + Sync>;

/// Saves `row`, with who may read the ticket; when the write that produced it took users off
/// the ticket, their access is cut at `before`, the ticket's heads just before that write.
pub(super) fn save_ledger_row(
    tx: &mut Transaction<'_>,
    row: &LedgerRow,
    before: Option<&[ChangeHash]>,
) -> Result<()> {
    ledger_row::upsert(tx, row)?;
    if let Some((year, serial)) = row.ledger_number.as_deref().and_then(parse_ledger_number) {
        note_ledger_serial(tx, year, serial)?;
    }
    documents::follow_access(tx, row, before)
}

/// Notes that serial `serial` of `year` is given: serials taken later continue after it.
fn note_ledger_serial(tx: &mut Transaction<'_>, year: i32, serial: u64) -> Result<()> {
    tx.execute(NOTE_LEDGER_SERIAL, &[&year, &super::row::bigint(serial)])?;
    Ok(())
}

/// Remembers that an import made ticket `ticket_id` of the row `key`.
pub(super) fn save_import(
    tx: &mut Transaction<'_>,
    key: &str,
    ticket_id: &TicketId,
    at: Timestamp,
) -> Result<()> {
    tx.execute(
        INSERT_IMPORTED_ROW,
        &[&key, &ticket_id.as_str(), &at.millis()],
    )?;
    Ok(())
}

/// The `WHERE` clause of the ledger rows `query` asks for (empty for all), and its arguments.
/// `ILIKE`, as SQLite's `LIKE` ignores case.
fn ledger_filter(query: &LedgerQuery) -> (String, Vec<Arg>) {
    let (filter, values) = filter::ledger_filter(query, |n| format!("${n}"), "ILIKE");
    let args = values
        .into_iter()
        .map(|value| -> Arg {
            match value {
                FilterValue::Text(text) => Box::new(text),
                FilterValue::Integer(n) => Box::new(n),
            }
        })
        .collect();
    (filter, args)
}

/// The arguments `args` as a statement takes them.
fn refs(args: &[Arg]) -> Vec<&(dyn ToSql + Sync)> {
    args.iter()
        .map(|a| a.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

/// The key of `sort` as SQLite orders it: text byte by byte.
fn sort_key(sort: LedgerSort) -> &'static str {
    match sort {
        LedgerSort::Updated => "updated_at",
        LedgerSort::Registered => "registered_at",
        LedgerSort::LedgerNumber => "ledger_number COLLATE \"C\"",
        LedgerSort::Customer => "customer_name COLLATE \"C\"",
        LedgerSort::Product => "product_name COLLATE \"C\"",
        LedgerSort::Status => "status COLLATE \"C\"",
    }
}

/// The `ORDER BY` of a page of the ledger `query` asks for; NULL first when ascending and last
/// when descending, as in SQLite.
fn ledger_order(query: &LedgerQuery) -> String {
    match query.sort {
        None => DEFAULT_ORDER.to_owned(),
        Some(sort) => {
            let direction = if query.desc {
                "DESC NULLS LAST"
            } else {
                "ASC NULLS FIRST"
            };
            format!("{} {direction}", sort_key(sort))
        }
    }
}

impl Ledger for PostgresStorage {
    fn ledger(&self, query: &LedgerQuery) -> Result<LedgerPage> {
        let (filter, args) = ledger_filter(query);
        let limit = query.limit.unwrap_or(DEFAULT_PAGE).min(MAX_PAGE);
        let count = COUNT_LEDGER_ROWS.replace("{filter}", &filter);
        let page = SELECT_LEDGER_PAGE
            .replace("{filter}", &filter)
            .replace("{order}", &ledger_order(query))
            .replace("{limit}", &limit.to_string())
            .replace("{offset}", &query.offset.to_string());
        let args = refs(&args);
        self.read(|c| {
            let total = c.query_one(&count, &args)?.unsigned("n")?;
            let rows = ledger_row::select(c, &page, &args)?;
            Ok(LedgerPage { rows, total })
        })
    }

    fn whole_ledger(&self, query: &LedgerQuery) -> Result<Vec<LedgerRow>> {
        let (filter, args) = ledger_filter(query);
        let sql = SELECT_WHOLE_LEDGER.replace("{filter}", &filter);
        self.read(|c| ledger_row::select(c, &sql, &refs(&args)))
    }

    fn ledger_row(&self, id: &TicketId) -> Result<Option<LedgerRow>> {
        self.read(|c| {
            c.query_opt(SELECT_LEDGER_ROW, &[&id.as_str()])?
                .map(|r| ledger_row::read(&r))
                .transpose()
        })
    }

    fn take_ledger_serial(&self, year: i32) -> Result<u64> {
        self.write(|tx| tx.query_one(TAKE_LEDGER_SERIAL, &[&year])?.unsigned("last"))
    }

    fn note_ledger_serial(&self, year: i32, serial: u64) -> Result<()> {
        self.write(|tx| note_ledger_serial(tx, year, serial))
    }

    fn replace_ledger_rows(&self, rows: &[Projection], projection: u32) -> Result<()> {
        let version = i32::try_from(projection).unwrap_or(i32::MAX);
        self.write(|tx| {
            for p in rows {
                save_ledger_row(tx, &p.row, None)?;
                projection::save_return_visits(tx, &p.row.ticket_id, &p.return_visits)?;
                projection::save_cost_lines(tx, &p.row.ticket_id, &p.costs)?;
            }
            tx.execute(SET_LEDGER_PROJECTION, &[&version])?;
            Ok(())
        })
    }

    fn ledger_projection(&self) -> Result<u32> {
        self.read(|c| {
            let row = c.query_one(SELECT_LEDGER_PROJECTION, &[])?;
            let version: i32 = row.value("ledger_projection")?;
            u32::try_from(version).map_err(|_| corrupt("ledger_projection"))
        })
    }

    fn find_imported(&self, key: &str, ledger_number: Option<&str>) -> Result<Option<String>> {
        self.read(|c| {
            let imported = c
                .query_opt(SELECT_IMPORTED_TICKET, &[&key])?
                .map(|r| r.value("ticket"))
                .transpose()?;
            match (imported, ledger_number) {
                (Some(known), _) => Ok(Some(known)),
                (None, Some(number)) => c
                    .query_opt(SELECT_LEDGER_NUMBER, &[&number])?
                    .map(|r| r.value("ledger_number"))
                    .transpose(),
                (None, None) => Ok(None),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::Barrier;

    use fieldledger_core::status::Status;

    use super::super::commit::tests::{Staged, batch, open, postgres, sqlite, user};
    use super::super::scratch;
    use super::*;
    use crate::ledger::LedgerSort;
    use crate::storage::{Batch, Commits, DocWrite};

    #[test]
    fn serials_taken_by_many_threads_of_two_servers_are_distinct_and_consecutive() {
        let url = scratch::fresh().expect("a scratch database");
        let servers = [open(&url), open(&url)];
        let barrier = Barrier::new(4);
        let taken: Vec<u64> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|n| {
                    let (server, barrier) = (&servers[n % 2], &barrier);
                    s.spawn(move || {
                        barrier.wait();
                        (0..50)
                            .map(|_| server.take_ledger_serial(2026).expect("a serial"))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("a thread"))
                .collect()
        });
        let distinct: BTreeSet<u64> = taken.iter().copied().collect();
        assert_eq!(distinct, (1..=200).collect());
        servers[1].note_ledger_serial(2026, 500).expect("noted");
        servers[0]
            .note_ledger_serial(2026, 10)
            .expect("noted, and kept lower");
        assert_eq!(servers[0].take_ledger_serial(2026).expect("a serial"), 501);
        assert_eq!(servers[0].take_ledger_serial(2027).expect("a serial"), 1);
    }

    /// A ledger row's customer, ledger number, registration, status and last change.
    type Case = (&'static str, Option<&'static str>, Option<i64>, Status, i64);

    /// The writes of six tickets whose rows differ in what the ledger filters and sorts by,
    /// with ties, NULLs, case, and the characters `LIKE` treats specially.
    fn rows() -> Vec<DocWrite> {
        let tech = user("tech.li");
        let cases: [Case; 6] = [
            (
                "alpha Works",
                Some("KS-2026-000003"),
                Some(5_000),
                Status::Registered,
                9,
            ),
            ("Alpha works", None, Some(5_000), Status::HandedOff, 9),
            ("beta", Some("KS-2026-000001"), None, Status::Closed, 7),
            ("Ωmega", None, Some(4_000), Status::Registered, 8),
            (
                "gamma_1",
                Some("KS-2025-000010"),
                Some(6_000),
                Status::OnSite,
                9,
            ),
            (
                "delta%",
                Some("KS-2026-000002"),
                Some(3_000),
                Status::Resolved,
                6,
            ),
        ];
        cases
            .iter()
            .enumerate()
            .map(|(n, (customer, number, registered, status, updated))| {
                let (_, mut write) = Staged::register(customer, 1_000, None);
                let row = &mut write.ledger;
                row.ledger_number = number.map(str::to_owned);
                row.registered_at = registered.map(Timestamp);
                row.status = *status;
                row.updated_at = Timestamp(*updated);
                row.job_number = format!("J-{n}");
                if n.is_multiple_of(2) {
                    row.assignees = vec![tech.clone()];
                }
                write
            })
            .collect()
    }

    /// The queries to ask both storages.
    fn queries() -> Vec<LedgerQuery> {
        let text = |s: &str| Some(s.to_owned());
        let mut queries = vec![
            LedgerQuery::default(),
            LedgerQuery {
                customer: text("ALPHA"),
                ..LedgerQuery::default()
            },
            LedgerQuery {
                customer: text("%"),
                ..LedgerQuery::default()
            },
            LedgerQuery {
                q: text("_1"),
                ..LedgerQuery::default()
            },
            LedgerQuery {
                q: text(" ks-2026 "),
                ..LedgerQuery::default()
            },
            LedgerQuery {
                job_number: text("j-"),
                status: Some(Status::Registered),
                ..LedgerQuery::default()
            },
            LedgerQuery {
                assignee: Some(user("tech.li")),
                ..LedgerQuery::default()
            },
            LedgerQuery {
                readable_by: Some(user("tech.li")),
                ..LedgerQuery::default()
            },
            LedgerQuery {
                registered_from: Some(4_000),
                registered_to: Some(6_000),
                ..LedgerQuery::default()
            },
            LedgerQuery {
                offset: 2,
                limit: Some(3),
                ..LedgerQuery::default()
            },
        ];
        let sorts = [
            LedgerSort::Updated,
            LedgerSort::Registered,
            LedgerSort::LedgerNumber,
            LedgerSort::Customer,
            LedgerSort::Product,
            LedgerSort::Status,
        ];
        for sort in sorts {
            for desc in [false, true] {
                queries.push(LedgerQuery {
                    sort: Some(sort),
                    desc,
                    ..LedgerQuery::default()
                });
            }
        }
        queries
    }

    #[test]
    fn pages_filters_serials_and_imports_answer_as_sqlite_does() {
        let (pg, (_dir, lite)) = (postgres(), sqlite());
        let writes = rows();
        let imported = writes[2].ticket_id.clone();
        let batches = [Batch {
            imports: vec![("sheet-1:7".to_owned(), imported.clone())],
            ..batch(writes)
        }];
        pg.commit(&batches, Timestamp(10))
            .expect("a commit on PostgreSQL");
        lite.commit(&batches, Timestamp(10))
            .expect("a commit on SQLite");
        let both = [&pg as &dyn Ledger, &lite];
        for query in queries() {
            let [on_pg, on_lite] = both.map(|s| s.ledger(&query).expect("a page"));
            assert_eq!(on_pg, on_lite, "{query:?}");
            let [on_pg, on_lite] = both.map(|s| s.whole_ledger(&query).expect("the ledger"));
            assert_eq!(on_pg, on_lite, "{query:?}");
        }
        let all = pg.ledger(&LedgerQuery::default()).expect("a page");
        assert_eq!(all.total, 6);
        let alpha = LedgerQuery {
            customer: Some("ALPHA".into()),
            ..LedgerQuery::default()
        };
        assert_eq!(pg.ledger(&alpha).expect("a page").total, 2);
        for s in both {
            assert_eq!(s.take_ledger_serial(2026).expect("a serial"), 4);
            assert_eq!(s.take_ledger_serial(2025).expect("a serial"), 11);
            assert_eq!(
                s.find_imported("sheet-1:7", None).expect("found"),
                Some("KS-2026-000001".to_owned())
            );
            assert_eq!(
                s.find_imported("sheet-2:1", Some("KS-2026-000002"))
                    .expect("found"),
                Some("KS-2026-000002".to_owned())
            );
            assert_eq!(s.find_imported("sheet-2:1", None).expect("none"), None);
            assert_eq!(s.ledger_projection().expect("a version"), 0);
        }
        let mut row = pg.ledger_row(&imported).expect("a row").expect("one");
        row.customer_name = "Beta Rebuilt".into();
        let rebuilt = [Projection {
            row: row.clone(),
            return_visits: Vec::new(),
            costs: Vec::new(),
            events: Vec::new(),
        }];
        for s in both {
            s.replace_ledger_rows(&rebuilt, 3).expect("rebuilt");
            assert_eq!(s.ledger_projection().expect("a version"), 3);
            assert_eq!(s.ledger_row(&imported).expect("a row"), Some(row.clone()));
        }
    }
}
