//! Sign-in attempts counted in memory, for a server that is alone on its database (SQLite):
//! the rules are [`crate::sign_ins`]'s.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fieldledger_core::{Clock, Timestamp};

use crate::error::Error;
use crate::sign_ins::{Attempt, KNOWN_ADDRESSES, SignIns, counts, counts_at, wait_after};

/// Keys kept at most; past it, keys whose attempts all left the window are forgotten.
const MAX_KEYS: usize = 100_000;

/// The sign-in attempts of the last [`crate::sign_ins::WINDOW`], and where each user signed in
/// before, in this server's memory.
pub struct Throttle {
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
}

impl std::fmt::Debug for Throttle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttle").finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct State {
    attempts: HashMap<String, VecDeque<Timestamp>>,
    known: HashMap<String, HashSet<IpAddr>>,
}

impl Throttle {
    /// No attempts yet, the time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            state: Mutex::default(),
        }
    }
}

impl SignIns for Throttle {
    fn reserve(
        &self,
        user: &str,
        address: Option<IpAddr>,
    ) -> Result<Result<Attempt, Duration>, Error> {
        let now = self.clock.now();
        let user = user.to_lowercase();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.attempts.len() >= MAX_KEYS {
            state
                .attempts
                .retain(|_, times| times.back().is_some_and(|t| counts_at(*t, now)));
        }
        let known = address.is_some_and(|a| state.known.get(&user).is_some_and(|k| k.contains(&a)));
        let keys = counts(&user, address, known);
        let mut wait = None;
        for (key, limit) in &keys {
            if let Some(times) = state.attempts.get_mut(key) {
                times.retain(|t| counts_at(*t, now));
                if times.len() >= *limit
                    && let Some(oldest) = times.front()
                {
                    let left = wait_after(*oldest, now);
                    wait = Some(wait.map_or(left, |w: Duration| w.max(left)));
                }
            }
        }
        if let Some(wait) = wait {
            return Ok(Err(wait));
        }
        for (key, _) in &keys {
            state
                .attempts
                .entry(key.clone())
                .or_default()
                .push_back(now);
        }
        Ok(Ok(Attempt {
            user,
            address,
            keys: keys.into_iter().map(|(key, _)| key).collect(),
            at: now,
        }))
    }

    fn succeeded(&self, attempt: Attempt) -> Result<(), Error> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        for key in &attempt.keys {
            if Attempt::is_pair(key) {
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
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign_ins::contract;
    use crate::testing::ManualClock;

    fn throttle() -> (Throttle, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::default());
        (Throttle::new(clock.clone()), clock)
    }

    #[test]
    fn a_user_name_is_refused_from_an_address_after_its_failures_and_another_is_not() {
        let (throttle, _) = throttle();
        contract::a_user_name_is_refused_from_an_address_after_its_failures(&throttle, &throttle);
    }

    #[test]
    fn a_success_takes_its_place_back_and_forgets_the_failures_before_it() {
        let (throttle, _) = throttle();
        contract::a_success_takes_its_place_back_and_forgets_the_failures_before_it(
            &throttle, &throttle,
        );
    }

    #[test]
    fn an_address_is_refused_after_failures_across_user_names() {
        let (throttle, _) = throttle();
        contract::an_address_is_refused_after_failures_across_user_names(&throttle, &throttle);
    }

    #[test]
    fn strangers_cannot_lock_a_user_out_of_where_they_sign_in() {
        let (throttle, _) = throttle();
        contract::strangers_cannot_lock_a_user_out_of_where_they_sign_in(&throttle, &throttle);
    }

    #[test]
    fn attempts_stop_counting_when_they_leave_the_window() {
        let (throttle, clock) = throttle();
        contract::attempts_stop_counting_when_they_leave_the_window(&throttle, &throttle, &clock);
    }

    #[test]
    fn guesses_at_once_never_exceed_the_limit() {
        let (throttle, _) = throttle();
        contract::guesses_at_once_never_exceed_the_limit(&[&throttle, &throttle]);
    }
}
