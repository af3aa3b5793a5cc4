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

#[cfg(test)]
mod tests {
    use fieldledger_core::{IdSource, Timestamp};

    use super::*;
    use crate::storage::Storage;
    use crate::storage::postgres::{PostgresStorage, scratch};
    use crate::storage::sqlite::SqliteStorage;

    const TERM: i64 = 10_000;

    /// Two servers, `a` and `b`, on one database, asking for the same lease.
    fn one_holder_at_a_time(a: &dyn Storage, b: &dyn Storage) {
        let ask = |s: &dyn Storage, holder: &str, now: i64| {
            s.hold_lease(
                Lease::Webhooks,
                holder,
                Timestamp(now),
                Timestamp(now + TERM),
            )
            .expect("lease")
        };
        assert!(ask(a, "a", 0), "a free lease is taken");
        assert!(!ask(b, "b", 1), "a held lease is not");
        assert!(ask(a, "a", 3_000), "its holder renews it");
        assert!(
            !ask(b, "b", 12_000),
            "a renewed lease lasts its term from the renewal"
        );
        assert!(
            ask(b, "b", 13_000),
            "a lease its holder stopped renewing passes on"
        );
        assert!(!ask(a, "a", 13_001), "and the old holder no longer has it");
        // The other lease is apart.
        let other = a
            .hold_lease(
                Lease::DeadlineWatcher,
                "a",
                Timestamp(13_002),
                Timestamp(23_002),
            )
            .expect("lease");
        assert!(other);
        b.release_lease(Lease::Webhooks, "b").expect("release");
        assert!(ask(a, "a", 13_003), "a lease given up is taken at once");
        a.release_lease(Lease::Webhooks, "b")
            .expect("not b's to give up");
        assert!(!ask(b, "b", 13_004), "only its holder gives a lease up");
    }

    #[test]
    fn on_sqlite_one_server_holds_a_lease_until_it_lapses_or_is_given_up() {
        let dir = tempfile::tempdir().expect("dir");
        let a = SqliteStorage::open(dir.path(), Timestamp(0), IdSource::random()).expect("a");
        let b = SqliteStorage::open(dir.path(), Timestamp(0), IdSource::random()).expect("b");
        one_holder_at_a_time(&a, &b);
    }

    #[test]
    fn on_postgres_one_server_holds_a_lease_until_it_lapses_or_is_given_up() {
        let url = scratch::fresh().expect("database");
        let a = PostgresStorage::open(&url, 2, Timestamp(0), IdSource::random()).expect("a");
        let b = PostgresStorage::open(&url, 2, Timestamp(0), IdSource::random()).expect("b");
        one_holder_at_a_time(&a, &b);
    }
}
