//! Failed sign-ins, counted per user name and per address over a sliding window: past the
//! limit, further attempts are refused until the oldest failure leaves the window, whether the
//! password would have been right or not.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a failure counts.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failures for one user name within the window before its sign-ins are refused.
pub const PER_USER: usize = 5;
/// Failures from one address within the window before its sign-ins are refused.
pub const PER_ADDRESS: usize = 20;
/// Keys kept at most; past it, keys whose failures all left the window are forgotten.
const MAX_KEYS: usize = 100_000;

/// The failed sign-ins of the last [`WINDOW`].
#[derive(Debug, Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

fn keys(user: &str, address: Option<IpAddr>) -> [(String, usize); 2] {
    let address = address.map_or_else(|| "unknown".to_owned(), |a| a.to_string());
    [
        (format!("user:{}", user.to_lowercase()), PER_USER),
        (format!("address:{address}"), PER_ADDRESS),
    ]
}

impl Throttle {
    /// `Err(wait)` when `user` or `address` has failed too often; `wait` is how long until the
    /// next attempt is taken.
    pub fn check(&self, user: &str, address: Option<IpAddr>) -> Result<(), Duration> {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = None;
        for (key, limit) in keys(user, address) {
            if let Some(times) = failures.get_mut(&key) {
                times.retain(|t| now.duration_since(*t) < WINDOW);
                if times.len() >= limit
                    && let Some(oldest) = times.front()
                {
                    let left = WINDOW.saturating_sub(now.duration_since(*oldest));
                    wait = Some(wait.map_or(left, |w: Duration| w.max(left)));
                }
            }
        }
        wait.map_or(Ok(()), Err)
    }

    /// Counts a failed sign-in of `user` from `address`.
    pub fn failed(&self, user: &str, address: Option<IpAddr>) {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if failures.len() >= MAX_KEYS {
            failures.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < WINDOW)
            });
        }
        for (key, limit) in keys(user, address) {
            let times = failures.entry(key).or_default();
            times.push_back(now);
            while times.len() > limit {
                times.pop_front();
            }
        }
    }

    /// Forgets the failures of `user` after a successful sign-in (not those of the address).
    pub fn succeeded(&self, user: &str) {
        let [(key, _), _] = keys(user, None);
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_name_is_refused_after_its_failures_and_another_is_not() {
        let throttle = Throttle::default();
        let here = Some(IpAddr::from([127, 0, 0, 1]));
        for _ in 0..PER_USER {
            assert!(throttle.check("desk.wang", here).is_ok());
            throttle.failed("desk.wang", here);
        }
        let wait = throttle.check("DESK.WANG", here).err();
        assert!(wait.is_some_and(|w| w > Duration::from_secs(60) && w <= WINDOW));
        assert!(throttle.check("sup.sun", here).is_ok());
        throttle.succeeded("desk.wang");
        assert!(throttle.check("desk.wang", here).is_ok());
    }

    #[test]
    fn an_address_is_refused_after_failures_across_user_names() {
        let throttle = Throttle::default();
        let there = Some(IpAddr::from([10, 0, 0, 9]));
        for i in 0..PER_ADDRESS {
            throttle.failed(&format!("user{i}"), there);
        }
        assert!(throttle.check("someone.new", there).is_err());
        assert!(
            throttle
                .check("someone.new", Some(IpAddr::from([10, 0, 0, 8])))
                .is_ok()
        );
    }
}
