//! Everything the server keeps, behind one trait per aggregate so that either database, the
//! embedded SQLite or PostgreSQL for several stateless servers, can keep it: [`Accounts`],
//! [`Sessions`], [`Documents`], [`Commits`], [`Ledger`], [`Leases`], [`Deadlines`],
//! [`Reports`], [`Reference`], [`Outbox`], [`Blobs`] and [`SecurityEvents`], each in the file
//! named for it with the types it uses. [`Storage`] is all of them together, what the server holds;
//! [`sqlite::SqliteStorage`] is the embedded default and [`postgres::PostgresStorage`] the
//! shared one.

mod accounts;
mod blobs;
mod commit;
mod deadlines;
mod documents;
mod leases;
mod ledger;
mod outbox;
pub mod postgres;
pub mod reference;
mod reports;
mod security_events;
mod sessions;
pub mod sqlite;
pub mod transfer;

pub use accounts::{Accounts, ActorBinding, Device, User};
pub use blobs::Blobs;
pub use commit::{Batch, Commits, DeviceDocWrite, DocBytes, DocWrite};
pub use deadlines::Deadlines;
pub use documents::{DeviceDoc, Documents, FeedPage};
pub use leases::{Lease, Leases};
pub use ledger::Ledger;
pub use outbox::{Outbox, Webhook};
pub use reference::Reference;
pub use reports::{Reports, complaint_group};
pub use security_events::{SecurityEvent, SecurityEvents};
pub use sessions::{Sessions, WebSession};

use crate::error::Error;

/// The result type of storage.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What the server keeps: every aggregate's trait. Writes of the sync path go through
/// [`Commits::commit`], one transaction for any number of batches; everything else is a small
/// query or command. A database implements every aggregate, then says it is a `Storage`.
pub trait Storage:
    Accounts
    + Sessions
    + Documents
    + Commits
    + Ledger
    + Leases
    + Deadlines
    + Reports
    + Reference
    + Outbox
    + Blobs
    + SecurityEvents
    + Send
    + Sync
    + 'static
{
    /// Which database this is, as `/healthz` names it: `sqlite` or `postgresql`.
    fn database(&self) -> &'static str;
}
