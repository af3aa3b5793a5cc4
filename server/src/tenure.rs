//! A lease as a server holds it ([`crate::storage::Leases`]): renewed while the server does the
//! lease's work, given up when it stops. When several servers share one database, the holder
//! alone does the work; if it dies, its lease expires after [`TERM`] and the next server that
//! renews takes over.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use fieldledger_core::{Clock, Timestamp};

use crate::storage::{Lease, Storage};

/// How long a lease lasts unless renewed: how long the work may stop when its server dies.
pub const TERM: Duration = Duration::from_secs(10);
/// How often a holder renews its lease (and another server asks for it): a third of the term,
/// so that a holder that misses a renewal or two keeps it.
pub const RENEWAL: Duration = Duration::from_millis(3_000);

/// This server's claim on one lease.
#[derive(Debug)]
pub struct Tenure {
    lease: Lease,
    holder: String,
    held: AtomicBool,
}

impl Tenure {
    /// The claim of server `holder` on `lease`, not held yet.
    pub fn new(lease: Lease, holder: &str) -> Arc<Self> {
        Arc::new(Self {
            lease,
            holder: holder.to_owned(),
            held: AtomicBool::new(false),
        })
    }

    /// Takes or renews the lease at `now`; whether this server holds it. A storage failure
    /// counts as not holding it: the work waits rather than risk running twice.
    pub fn renew(&self, storage: &dyn Storage, clock: &dyn Clock) -> bool {
        let now = clock.now();
        let until = Timestamp(now.millis() + TERM.as_millis() as i64);
        let held = storage
            .hold_lease(self.lease, &self.holder, now, until)
            .unwrap_or_else(|e| {
                tracing::warn!(lease = self.lease.as_str(), error = %e, "lease not renewed");
                false
            });
        if held != self.held.swap(held, Ordering::SeqCst) {
            let (lease, holder) = (self.lease.as_str(), &self.holder);
            if held {
                tracing::info!(lease, holder, "this server took the lease");
            } else {
                tracing::info!(lease, holder, "this server no longer holds the lease");
            }
        }
        held
    }

    /// Whether this server held the lease when it last asked.
    pub fn held(&self) -> bool {
        self.held.load(Ordering::SeqCst)
    }

    /// Gives the lease up, so that another server takes it at once.
    pub fn release(&self, storage: &dyn Storage) {
        if self.held.swap(false, Ordering::SeqCst)
            && let Err(e) = storage.release_lease(self.lease, &self.holder)
        {
            tracing::warn!(lease = self.lease.as_str(), error = %e, "lease not given up");
        }
    }
}

/// A name for this server among those sharing a database: its process id and a random part.
pub fn server_name() -> String {
    format!("{}-{:08x}", std::process::id(), rand::random::<u32>())
}
