//! Leases in SQLite.

use fieldledger_core::Timestamp;
use rusqlite::params;

use super::SqliteStorage;
use crate::storage::{Lease, Leases, Result};

/// Takes lease `?1` for `?2` until `?4`, or renews it, unless another holds it past `?3`.
const UPSERT_LEASE: &str = "INSERT INTO leases (name, holder, expires_at) VALUES (?1, ?2, ?4)
    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
    WHERE leases.holder = excluded.holder OR leases.expires_at <= ?3";
const DELETE_LEASE: &str = "DELETE FROM leases WHERE name = ?1 AND holder = ?2";

impl Leases for SqliteStorage {
    fn hold_lease(
        &self,
        lease: Lease,
        holder: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<bool> {
        self.write(|tx| {
            let args = params![lease.as_str(), holder, now.millis(), until.millis()];
            Ok(tx.prepare_cached(UPSERT_LEASE)?.execute(args)? > 0)
        })
    }

    fn release_lease(&self, lease: Lease, holder: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(DELETE_LEASE, params![lease.as_str(), holder])?;
            Ok(())
        })
    }
}
