//! Leases: when several servers share one database, the work that must run once (the deadline
//! watcher, webhook delivery) runs on the server holding its lease. A holder renews its lease
//! while it works; one that dies stops renewing, and the lease passes to the next server that
//! asks once it expires.

use fieldledger_core::Timestamp;

use super::Result;

/// The work done under a lease.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Lease {
    /// Looking for due and missed deadlines.
    DeadlineWatcher,
    /// Delivering events to webhooks.
    Webhooks,
}

impl Lease {
    /// The lease's name as stored.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Leases, taken and renewed in one statement so that two servers never both hold one.
pub trait Leases {
    /// Takes `lease` for `holder` until `until`, or renews it when `holder` holds it already;
    /// `true` when `holder` holds it now. A lease held by another is taken only once it has
    /// expired by `now`.
    fn hold_lease(
        &self,
        lease: Lease,
        holder: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<bool>;
    /// Gives `lease` up, when `holder` holds it, so that another server takes it at once.
    fn release_lease(&self, lease: Lease, holder: &str) -> Result<()>;
}
