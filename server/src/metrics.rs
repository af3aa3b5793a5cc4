//! Prometheus metrics at `/metrics`: sync requests and their latency, changes merged, refusals.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The server's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    sync_requests: AtomicU64,
    sync_failures: AtomicU64,
    changes_merged: AtomicU64,
    refusals: AtomicU64,
    latency_buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_micros: AtomicU64,
}

impl Metrics {
    /// Counts a sync request that took `elapsed`, and whether it failed as a whole.
    pub fn sync_request(&self, elapsed: Duration, failed: bool) {
        self.sync_requests.fetch_add(1, Ordering::Relaxed);
        if failed {
            self.sync_failures.fetch_add(1, Ordering::Relaxed);
        }
        let seconds = elapsed.as_secs_f64();
        for (bucket, bound) in self.latency_buckets.iter().zip(BUCKETS) {
            if seconds <= bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_micros.fetch_add(
            u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// Counts changes merged into the ledger.
    pub fn changes_merged(&self, n: u64) {
        self.changes_merged.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts a document or change refused.
    pub fn refusal(&self) {
        self.refusals.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, value: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
            );
        };
        counter(
            "fieldledger_sync_requests_total",
            "Sync requests handled.",
            get(&self.sync_requests),
        );
        counter(
            "fieldledger_sync_failures_total",
            "Sync requests refused as a whole.",
            get(&self.sync_failures),
        );
        counter(
            "fieldledger_changes_merged_total",
            "Changes merged into ticket documents.",
            get(&self.changes_merged),
        );
        counter(
            "fieldledger_refusals_total",
            "Documents or changes refused.",
            get(&self.refusals),
        );
        let name = "fieldledger_sync_duration_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Time to handle a sync request.\n# TYPE {name} histogram"
        );
        for (bucket, bound) in self.latency_buckets.iter().zip(BUCKETS) {
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {}", get(bucket));
        }
        let count = get(&self.latency_count);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{name}_sum {}", get(&self.latency_micros) as f64 / 1e6);
        let _ = writeln!(out, "{name}_count {count}");
        out
    }
}
