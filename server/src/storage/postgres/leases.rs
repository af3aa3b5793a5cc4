//! Leases on PostgreSQL.

use fieldledger_core::Timestamp;

use super::PostgresStorage;
use crate::storage::{Lease, Leases, Result};

/// Takes lease `$1` for `$2` until `$4`, or renews it, unless another holds it past `$3`. The
/// row's lock makes two servers asking at once take turns: the second sees the first's holder.
const UPSERT_LEASE: &str = "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $4)
    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
    WHERE leases.holder = excluded.holder OR leases.expires_at <= $3";
const DELETE_LEASE: &str = "DELETE FROM leases WHERE name = $1 AND holder = $2";

impl Leases for PostgresStorage {
    fn hold_lease(
        &self,
        lease: Lease,
        holder: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<bool> {
        let args: [&(dyn postgres::types::ToSql + Sync); 4] =
            [&lease.as_str(), &holder, &now.millis(), &until.millis()];
        self.write(|tx| Ok(tx.execute(UPSERT_LEASE, &args)? > 0))
    }

    fn release_lease(&self, lease: Lease, holder: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(DELETE_LEASE, &[&lease.as_str(), &holder])?;
            Ok(())
        })
    }
}
