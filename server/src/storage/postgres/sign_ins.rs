//! Sign-in attempts in PostgreSQL, counted together for every server, so that guesses spread
//! over the servers meet the same limits as guesses sent to one (the rules are
//! [`crate::sign_ins`]'s).
//!
//! An attempt is counted in one transaction that first takes an advisory lock for each count
//! it falls under: attempts that share a count are counted one after the other, whichever
//! servers they reach, and never take more places than the limit. The locks are taken in one
//! order, so that two attempts never wait for each other.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fieldledger_core::{Clock, Timestamp};
use postgres::Transaction;

use super::PostgresStorage;
use super::row::Named;
use crate::error::Error;
use crate::sign_ins::{
    Attempt, KNOWN_ADDRESSES, SignIns, WINDOW_MS, address_name, counts, wait_after,
};
use crate::storage::Result;

/// The class of the advisory locks, one per count, under which attempts are counted; the
/// number spells "FLSI". (Locks of two keys never meet those of one, such as
/// [`super::ORDERED_APPEND_LOCK`].)
const COUNT_LOCK_CLASS: i32 = 0x464C_5349;

/// The locks of the counts `$1`, in the order they are taken.
const SELECT_COUNT_LOCKS: &str = "SELECT DISTINCT hashtext(key) AS lock
    FROM unnest($1::TEXT[]) AS key ORDER BY lock";
const LOCK_COUNT: &str = "SELECT pg_advisory_xact_lock($1, $2)";
const SELECT_KNOWN_ADDRESS: &str = "SELECT at FROM sign_in_addresses
    WHERE user_name = $1 AND address = $2";
/// The attempts of each of the counts `$1` made after `$2`, and the oldest of them.
const SELECT_COUNTS: &str = "SELECT key, count(*) AS attempts, min(at) AS oldest
    FROM sign_in_attempts WHERE key = ANY($1) AND at > $2 GROUP BY key";
/// Takes a place made at `$2` in each of the counts `$1`.
const INSERT_ATTEMPTS: &str = "INSERT INTO sign_in_attempts (key, at)
    SELECT key, $2 FROM unnest($1::TEXT[]) AS key";
const DELETE_COUNT: &str = "DELETE FROM sign_in_attempts WHERE key = $1";
/// Gives back one place made at `$2` in count `$1`.
const DELETE_PLACE: &str = "DELETE FROM sign_in_attempts WHERE id =
    (SELECT id FROM sign_in_attempts WHERE key = $1 AND at = $2 LIMIT 1)";
const COUNT_KNOWN_ADDRESSES: &str =
    "SELECT count(*) AS known FROM sign_in_addresses WHERE user_name = $1";
const FORGET_KNOWN_ADDRESSES: &str = "DELETE FROM sign_in_addresses WHERE user_name = $1";
const UPSERT_KNOWN_ADDRESS: &str = "INSERT INTO sign_in_addresses (user_name, address, at)
    VALUES ($1, $2, $3) ON CONFLICT (user_name, address) DO UPDATE SET at = excluded.at";
/// Deletes the attempts made at `$1` or before, which count no longer, passing over any that
/// another transaction is deleting.
const DELETE_OLD_ATTEMPTS: &str = "DELETE FROM sign_in_attempts WHERE id IN
    (SELECT id FROM sign_in_attempts WHERE at <= $1 FOR UPDATE SKIP LOCKED)";

/// Sign-in attempts in the PostgreSQL database, for any number of servers.
pub struct PostgresSignIns {
    storage: Arc<PostgresStorage>,
    clock: Arc<dyn Clock>,
    /// When this server last deleted the attempts that count no longer.
    swept_at: Mutex<Option<Timestamp>>,
}

impl std::fmt::Debug for PostgresSignIns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresSignIns")
            .field("storage", &self.storage)
            .finish_non_exhaustive()
    }
}

/// Takes the locks of `keys` until `tx` ends.
fn lock_counts(tx: &mut Transaction<'_>, keys: &[String]) -> Result<()> {
    let locks = tx.query(SELECT_COUNT_LOCKS, &[&keys])?;
    for lock in &locks {
        let lock: i32 = lock.value("lock")?;
        tx.execute(LOCK_COUNT, &[&COUNT_LOCK_CLASS, &lock])?;
    }
    Ok(())
}

/// The key under which a user's known addresses change, one server at a time.
fn known_key(user: &str) -> String {
    format!("known:{user}")
}

impl PostgresSignIns {
    /// The sign-in attempts of the database `storage` is connected to, the time from `clock`.
    pub fn new(storage: Arc<PostgresStorage>, clock: Arc<dyn Clock>) -> Self {
        Self {
            storage,
            clock,
            swept_at: Mutex::new(None),
        }
    }

    /// Deletes the attempts that count no longer, at most once a window on each server.
    fn sweep(&self, now: Timestamp) -> Result<()> {
        {
            let mut swept_at = self.swept_at.lock().unwrap_or_else(|p| p.into_inner());
            if swept_at.is_some_and(|at| now.millis() - at.millis() < WINDOW_MS) {
                return Ok(());
            }
            *swept_at = Some(now);
        }
        self.storage.write(|tx| {
            tx.execute(DELETE_OLD_ATTEMPTS, &[&(now.millis() - WINDOW_MS)])?;
            Ok(())
        })
    }
}

impl SignIns for PostgresSignIns {
    fn reserve(
        &self,
        user: &str,
        address: Option<IpAddr>,
    ) -> Result<Result<Attempt, Duration>, Error> {
        let now = self.clock.now();
        self.sweep(now)?;
        let user = user.to_lowercase();
        self.storage.write(|tx| {
            let known = address.is_some()
                && tx
                    .query_opt(SELECT_KNOWN_ADDRESS, &[&user, &address_name(address)])?
                    .is_some();
            let limits = counts(&user, address, known);
            let keys: Vec<String> = limits.iter().map(|(key, _)| key.clone()).collect();
            lock_counts(tx, &keys)?;
            let mut wait = None;
            for row in tx.query(SELECT_COUNTS, &[&keys, &(now.millis() - WINDOW_MS)])? {
                let key: &str = row.value("key")?;
                let attempts = row.unsigned("attempts")?;
                let limit = limits
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, l)| *l as u64);
                if limit.is_some_and(|l| attempts >= l) {
                    let left = wait_after(row.timestamp("oldest")?, now);
                    wait = Some(wait.map_or(left, |w: Duration| w.max(left)));
                }
            }
            if let Some(wait) = wait {
                return Ok(Err(wait));
            }
            tx.execute(INSERT_ATTEMPTS, &[&keys, &now.millis()])?;
            Ok(Ok(Attempt {
                user,
                address,
                keys,
                at: now,
            }))
        })
    }

    fn succeeded(&self, attempt: Attempt) -> Result<(), Error> {
        let now = self.clock.now();
        self.storage.write(|tx| {
            let mut locked = attempt.keys.clone();
            locked.push(known_key(&attempt.user));
            lock_counts(tx, &locked)?;
            for key in &attempt.keys {
                if Attempt::is_pair(key) {
                    tx.execute(DELETE_COUNT, &[key])?;
                } else {
                    tx.execute(DELETE_PLACE, &[key, &attempt.at.millis()])?;
                }
            }
            if attempt.address.is_some() {
                let row = tx.query_one(COUNT_KNOWN_ADDRESSES, &[&attempt.user])?;
                if row.unsigned("known")? >= KNOWN_ADDRESSES as u64 {
                    tx.execute(FORGET_KNOWN_ADDRESSES, &[&attempt.user])?;
                }
                let address = address_name(attempt.address);
                tx.execute(
                    UPSERT_KNOWN_ADDRESS,
                    &[&attempt.user, &address, &now.millis()],
                )?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use fieldledger_core::IdSource;

    use super::*;
    use crate::sign_ins::contract;
    use crate::storage::postgres::scratch;
    use crate::testing::ManualClock;

    /// Two servers' sign-in counts on one fresh database, and their clock.
    fn servers() -> (PostgresSignIns, PostgresSignIns, Arc<ManualClock>) {
        let url = scratch::fresh().expect("a scratch database");
        let clock = Arc::new(ManualClock::default());
        let open = || {
            let storage = PostgresStorage::open(&url, 8, Timestamp(0), IdSource::random())
                .expect("the database");
            PostgresSignIns::new(Arc::new(storage), clock.clone())
        };
        let (a, b) = (open(), open());
        (a, b, clock)
    }

    #[test]
    fn a_user_name_is_refused_from_an_address_after_its_failures_and_another_is_not() {
        let (a, b, _) = servers();
        contract::a_user_name_is_refused_from_an_address_after_its_failures(&a, &b);
    }

    #[test]
    fn a_success_takes_its_place_back_and_forgets_the_failures_before_it() {
        let (a, b, _) = servers();
        contract::a_success_takes_its_place_back_and_forgets_the_failures_before_it(&a, &b);
    }

    #[test]
    fn an_address_is_refused_after_failures_across_user_names() {
        let (a, b, _) = servers();
        contract::an_address_is_refused_after_failures_across_user_names(&a, &b);
    }

    #[test]
    fn strangers_cannot_lock_a_user_out_of_where_they_sign_in() {
        let (a, b, _) = servers();
        contract::strangers_cannot_lock_a_user_out_of_where_they_sign_in(&a, &b);
    }

    #[test]
    fn attempts_stop_counting_when_they_leave_the_window() {
        let (a, b, clock) = servers();
        contract::attempts_stop_counting_when_they_leave_the_window(&a, &b, &clock);
    }

    #[test]
    fn guesses_at_once_on_two_servers_never_exceed_the_limit() {
        let (a, b, _) = servers();
        contract::guesses_at_once_never_exceed_the_limit(&[&a, &b]);
    }
}
