//! What the server's unit tests share.

use std::sync::atomic::{AtomicI64, Ordering};

use fieldledger_core::{Clock, Timestamp};

/// A clock that stands still until a test moves it.
#[derive(Debug, Default)]
pub(crate) struct ManualClock(AtomicI64);

impl ManualClock {
    /// Moves the clock `millis` milliseconds on.
    pub(crate) fn advance(&self, millis: i64) {
        self.0.fetch_add(millis, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}
