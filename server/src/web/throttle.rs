//! Sign-in attempts, counted over a sliding window so that passwords cannot be guessed at speed.
//!
//! Each attempt takes its place in the count *before* its password is checked ([`Throttle::
//! reserve`]), so that guesses sent at once cannot outrun the limit; a success takes its place
//! back ([`Throttle::succeeded`]). Three counts apply:
//!
//! - one user name from one address: [`PER_USER_AND_ADDRESS`] attempts;
//! - one address, whatever the names: [`PER_ADDRESS`];
//! - one user name from every address together: [`PER_USER`], except from an address where that
//!   user signed in before. Guessing from many addresses is slowed, yet a stranger cannot lock
//!   the rightful user out: from where they usually sign in, only their own failures count.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an attempt counts.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Attempts for one user name from one address within the window.
pub const PER_USER_AND_ADDRESS: usize = 5;
/// Attempts from one address within the window, whatever the user names.
pub const PER_ADDRESS: usize = 20;
/// Attempts for one user name within the window from addresses it never signed in from.
pub const PER_USER: usize = 50;
/// Keys kept at most; past it, keys whose attempts all left the window are forgotten.
const MAX_KEYS: usize = 100_000;
/// Addresses remembered per user as ones it signed in from.
const KNOWN_ADDRESSES: usize = 16;

/// The sign-in attempts of the last [`WINDOW`], and where each user signed in before.
#[derive(Debug, Default)]
pub struct Throttle {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    attempts: HashMap<String, VecDeque<Instant>>,
    known: HashMap<String, HashSet<IpAddr>>,
}

/// An attempt that counts against the limits until it [`Throttle::succeeded`].
#[derive(Debug)]
pub struct Attempt {
    user: String,
    address: Option<IpAddr>,
    keys: Vec<String>,
    at: Instant,
}

fn address_name(address: Option<IpAddr>) -> String {
    address.map_or_else(|| "unknown".to_owned(), |a| a.to_string())
}

impl State {
    /// The counts an attempt of `user` (lower case) from `address` falls under.
    fn keys(&self, user: &str, address: Option<IpAddr>) -> Vec<(String, usize)> {
        let from = address_name(address);
        let mut keys = vec![
            (format!("pair:{user}@{from}"), PER_USER_AND_ADDRESS),
            (format!("address:{from}"), PER_ADDRESS),
        ];
        let known = address.is_some_and(|a| self.known.get(user).is_some_and(|k| k.contains(&a)));
        if !known {
            keys.push((format!("user:{user}"), PER_USER));
        }
        keys
    }
}

impl Throttle {
    /// Takes a place for an attempt of `user` from `address`, or `Err(wait)` when one of its
    /// counts is full; `wait` is how long until the next attempt is taken. The attempt counts
    /// as a failure unless [`Throttle::succeeded`] is told otherwise.
    pub fn reserve(&self, user: &str, address: Option<IpAddr>) -> Result<Attempt, Duration> {
        let now = Instant::now();
        let user = user.to_lowercase();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.attempts.len() >= MAX_KEYS {
            state.attempts.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < WINDOW)
            });
        }
        let keys = state.keys(&user, address);
        let mut wait = None;
        for (key, limit) in &keys {
            if let Some(times) = state.attempts.get_mut(key) {
                times.retain(|t| now.duration_since(*t) < WINDOW);
                if times.len() >= *limit
                    && let Some(oldest) = times.front()
                {
                    let left = WINDOW.saturating_sub(now.duration_since(*oldest));
                    wait = Some(wait.map_or(left, |w: Duration| w.max(left)));
                }
            }
        }
        if let Some(wait) = wait {
            return Err(wait);
        }
        for (key, _) in &keys {
            state
                .attempts
                .entry(key.clone())
                .or_default()
                .push_back(now);
        }
        Ok(Attempt {
            user,
            address,
            keys: keys.into_iter().map(|(key, _)| key).collect(),
            at: now,
        })
    }

    /// The password of `attempt` was right: it stops counting, the user's earlier failures from
    /// that address are forgotten, and the address is remembered as one the user signs in from.
    pub fn succeeded(&self, attempt: Attempt) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        for key in &attempt.keys {
            if key.starts_with("pair:") {
                state.attempts.remove(key);
            } else if let Some(times) = state.attempts.get_mut(key)
                && let Some(at) = times.iter().position(|t| *t == attempt.at)
            {
                times.remove(at);
            }
        }
        if let Some(address) = attempt.address {
            let known = state.known.entry(attempt.user).or_default();
            if known.len() >= KNOWN_ADDRESSES {
                known.clear();
            }
            known.insert(address);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail(throttle: &Throttle, user: &str, address: Option<IpAddr>, times: usize) {
        for _ in 0..times {
            assert!(throttle.reserve(user, address).is_ok());
        }
    }

    #[test]
    fn a_user_name_is_refused_from_an_address_after_its_failures_and_another_is_not() {
        let throttle = Throttle::default();
        let here = Some(IpAddr::from([127, 0, 0, 1]));
        fail(&throttle, "desk.wang", here, PER_USER_AND_ADDRESS);
        let wait = throttle.reserve("DESK.WANG", here).err();
        assert!(wait.is_some_and(|w| w > Duration::from_secs(60) && w <= WINDOW));
        assert!(throttle.reserve("sup.sun", here).is_ok());
    }

    #[test]
    fn a_success_takes_its_place_back_and_forgets_the_failures_before_it() {
        let throttle = Throttle::default();
        let here = Some(IpAddr::from([127, 0, 0, 1]));
        fail(&throttle, "desk.wang", here, PER_USER_AND_ADDRESS - 1);
        let right = throttle.reserve("desk.wang", here).expect("a place");
        throttle.succeeded(right);
        fail(&throttle, "desk.wang", here, PER_USER_AND_ADDRESS);
        assert!(throttle.reserve("desk.wang", here).is_err());
    }

    #[test]
    fn an_address_is_refused_after_failures_across_user_names() {
        let throttle = Throttle::default();
        let there = Some(IpAddr::from([10, 0, 0, 9]));
        for i in 0..PER_ADDRESS {
            fail(&throttle, &format!("user{i}"), there, 1);
        }
        assert!(throttle.reserve("someone.new", there).is_err());
        assert!(
            throttle
                .reserve("someone.new", Some(IpAddr::from([10, 0, 0, 8])))
                .is_ok()
        );
    }

    #[test]
    fn strangers_cannot_lock_a_user_out_of_where_they_sign_in() {
        let throttle = Throttle::default();
        let office = Some(IpAddr::from([192, 0, 2, 10]));
        let signed_in = throttle.reserve("desk.wang", office).expect("a place");
        throttle.succeeded(signed_in);
        // Guesses from many addresses fill the user's own count...
        for n in 0..PER_USER {
            let stranger = Some(IpAddr::from([203, 0, 113, (n % 250) as u8 + 1]));
            let _ = throttle.reserve("desk.wang", stranger);
        }
        let newcomer = Some(IpAddr::from([198, 51, 100, 7]));
        assert!(throttle.reserve("desk.wang", newcomer).is_err());
        // ...yet the rightful user still signs in from the office.
        assert!(throttle.reserve("desk.wang", office).is_ok());
    }
}
