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
