//! Sign-in attempts, counted over a sliding window so that passwords cannot be guessed at speed.
//!
//! Each attempt takes its place in the count *before* its password is checked ([`SignIns::
//! reserve`]), so that guesses sent at once cannot outrun the limit; a success takes its place
//! back ([`SignIns::succeeded`]). Three counts apply ([`counts`]):
//!
//! - one user name from one address: [`PER_USER_AND_ADDRESS`] attempts;
//! - one address, whatever the names: [`PER_ADDRESS`];
//! - one user name from every address together: [`PER_USER`], except from an address where that
//!   user signed in before. Guessing from many addresses is slowed, yet a stranger cannot lock
//!   the rightful user out: from where they usually sign in, only their own failures count.
//!
//! Where the counts are kept depends on the database: a server on SQLite is alone and keeps
//! them in memory (`crate::web::throttle::Throttle`); servers on PostgreSQL share them in the
//! database (`crate::storage::postgres::PostgresSignIns`), so that guesses spread over the
//! servers count together. Both judge time by the server's clock.

use std::net::IpAddr;
use std::time::Duration;

use fieldledger_core::Timestamp;

use crate::error::Error;

/// How long an attempt counts, in milliseconds.
pub const WINDOW_MS: i64 = 15 * 60_000;
/// How long an attempt counts.
pub const WINDOW: Duration = Duration::from_millis(WINDOW_MS as u64);
/// Attempts for one user name from one address within the window.
pub const PER_USER_AND_ADDRESS: usize = 5;
/// Attempts from one address within the window, whatever the user names.
pub const PER_ADDRESS: usize = 20;
/// Attempts for one user name within the window from addresses it never signed in from.
pub const PER_USER: usize = 50;
/// Addresses remembered per user as ones it signed in from; past them, they are forgotten and
/// the count begins again.
pub const KNOWN_ADDRESSES: usize = 16;

/// Where sign-in attempts are counted (see the module's documentation).
pub trait SignIns: Send + Sync + std::fmt::Debug {
    /// Takes a place for an attempt of `user` from `address`, or `Ok(Err(wait))` when one of
    /// its counts is full; `wait` is how long until the next attempt is taken. The attempt
    /// counts as a failure unless [`SignIns::succeeded`] is told otherwise.
    fn reserve(
        &self,
        user: &str,
        address: Option<IpAddr>,
    ) -> Result<Result<Attempt, Duration>, Error>;

    /// The password of `attempt` was right: it stops counting, the user's earlier failures from
    /// that address are forgotten, and the address is remembered as one the user signs in from.
    fn succeeded(&self, attempt: Attempt) -> Result<(), Error>;
}

/// An attempt that counts against the limits until it [`SignIns::succeeded`].
#[derive(Debug)]
pub struct Attempt {
    /// The user name, in lower case.
    pub(crate) user: String,
    /// Where it came from, when known.
    pub(crate) address: Option<IpAddr>,
    /// The counts it took a place in.
    pub(crate) keys: Vec<String>,
    /// When it was made.
    pub(crate) at: Timestamp,
}

impl Attempt {
    /// Whether `key` is the count of the user name from the address, which a success clears
    /// (the others only give back the success's own place).
    pub(crate) fn is_pair(key: &str) -> bool {
        key.starts_with("pair:")
    }
}

/// `address` as the counts name it.
pub(crate) fn address_name(address: Option<IpAddr>) -> String {
    address.map_or_else(|| "unknown".to_owned(), |a| a.to_string())
}

/// The counts, with their limits, that an attempt of `user` (lower case) from `address` falls
/// under; `known` says whether the user signed in from that address before.
pub(crate) fn counts(user: &str, address: Option<IpAddr>, known: bool) -> Vec<(String, usize)> {
    let from = address_name(address);
    let mut keys = vec![
        (format!("pair:{user}@{from}"), PER_USER_AND_ADDRESS),
        (format!("address:{from}"), PER_ADDRESS),
    ];
    if !known {
        keys.push((format!("user:{user}"), PER_USER));
    }
    keys
}

/// Whether an attempt made `at` still counts at `now`.
pub(crate) fn counts_at(at: Timestamp, now: Timestamp) -> bool {
    now.millis() - at.millis() < WINDOW_MS
}

/// How long until an attempt made at `oldest` stops counting, from `now`.
pub(crate) fn wait_after(oldest: Timestamp, now: Timestamp) -> Duration {
    let left = (WINDOW_MS - (now.millis() - oldest.millis())).clamp(0, WINDOW_MS);
    Duration::from_millis(u64::try_from(left).unwrap_or(0))
}

/// The rules, as tests that every kind of [`SignIns`] passes. Each is given two of a kind that
/// share their counts (the same one twice, or two servers on one database).
#[cfg(test)]
pub(crate) mod contract {
    use super::*;
    use crate::testing::ManualClock;

    fn fail(sign_ins: &dyn SignIns, user: &str, address: Option<IpAddr>, times: usize) {
        for _ in 0..times {
            assert!(reserve(sign_ins, user, address).is_ok());
        }
    }

    fn reserve(
        sign_ins: &dyn SignIns,
        user: &str,
        address: Option<IpAddr>,
    ) -> Result<Attempt, Duration> {
        sign_ins.reserve(user, address).expect("the counts")
    }

    pub(crate) fn a_user_name_is_refused_from_an_address_after_its_failures(
        a: &dyn SignIns,
        b: &dyn SignIns,
    ) {
        let here = Some(IpAddr::from([127, 0, 0, 1]));
        fail(a, "desk.wang", here, PER_USER_AND_ADDRESS - 1);
        fail(b, "desk.wang", here, 1);
        let wait = reserve(a, "DESK.WANG", here).err();
        assert!(wait.is_some_and(|w| w > Duration::from_secs(60) && w <= WINDOW));
        assert!(reserve(b, "desk.wang", here).is_err());
        assert!(reserve(b, "sup.sun", here).is_ok());
    }

    pub(crate) fn a_success_takes_its_place_back_and_forgets_the_failures_before_it(
        a: &dyn SignIns,
        b: &dyn SignIns,
    ) {
        let here = Some(IpAddr::from([127, 0, 0, 1]));
        fail(a, "desk.wang", here, PER_USER_AND_ADDRESS - 1);
        let right = reserve(b, "desk.wang", here).expect("a place");
        b.succeeded(right).expect("told");
        fail(a, "desk.wang", here, PER_USER_AND_ADDRESS);
        assert!(reserve(b, "desk.wang", here).is_err());
    }

    pub(crate) fn an_address_is_refused_after_failures_across_user_names(
        a: &dyn SignIns,
        b: &dyn SignIns,
    ) {
        let there = Some(IpAddr::from([10, 0, 0, 9]));
        for i in 0..PER_ADDRESS {
            let node = if i % 2 == 0 { a } else { b };
            fail(node, &format!("user{i}"), there, 1);
        }
        assert!(reserve(a, "someone.new", there).is_err());
        let elsewhere = Some(IpAddr::from([10, 0, 0, 8]));
        assert!(reserve(b, "someone.new", elsewhere).is_ok());
    }

    pub(crate) fn strangers_cannot_lock_a_user_out_of_where_they_sign_in(
        a: &dyn SignIns,
        b: &dyn SignIns,
    ) {
        let office = Some(IpAddr::from([192, 0, 2, 10]));
        let signed_in = reserve(a, "desk.wang", office).expect("a place");
        a.succeeded(signed_in).expect("told");
        // Guesses from many addresses, on both servers, fill the user's own count...
        for n in 0..PER_USER {
            let stranger = Some(IpAddr::from([203, 0, 113, (n % 250) as u8 + 1]));
            let node = if n % 2 == 0 { a } else { b };
            let _ = reserve(node, "desk.wang", stranger);
        }
        let newcomer = Some(IpAddr::from([198, 51, 100, 7]));
        assert!(reserve(a, "desk.wang", newcomer).is_err());
        // ...yet the rightful user still signs in from the office, on either server.
        assert!(reserve(b, "desk.wang", office).is_ok());
        let right = reserve(a, "desk.wang", office).expect("a place");
        a.succeeded(right).expect("told");
    }

    pub(crate) fn attempts_stop_counting_when_they_leave_the_window(
        a: &dyn SignIns,
        b: &dyn SignIns,
        clock: &ManualClock,
    ) {
        let here = Some(IpAddr::from([127, 0, 0, 1]));
        fail(a, "desk.wang", here, PER_USER_AND_ADDRESS);
        clock.advance(WINDOW_MS / 2);
        let wait = reserve(b, "desk.wang", here).err();
        assert!(wait.is_some_and(|w| w == Duration::from_millis((WINDOW_MS / 2) as u64)));
        clock.advance(WINDOW_MS / 2);
        assert!(reserve(b, "desk.wang", here).is_ok());
    }

    /// Guesses sent at once from several threads of each of `nodes` take no more places than
    /// the limit, all together.
    pub(crate) fn guesses_at_once_never_exceed_the_limit(nodes: &[&dyn SignIns]) {
        let here = Some(IpAddr::from([198, 51, 100, 1]));
        let taken = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            for node in nodes {
                for _ in 0..4 {
                    s.spawn(|| {
                        for _ in 0..PER_USER_AND_ADDRESS {
                            if reserve(*node, "fin.zhao", here).is_ok() {
                                taken.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            }
                        }
                    });
                }
            }
        });
        assert_eq!(taken.into_inner(), PER_USER_AND_ADDRESS);
    }
}
