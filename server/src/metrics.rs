//! Prometheus metrics at `/metrics`: sync requests and their latency, changes merged, refusals,
//! in the OpenMetrics text format.

use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

/// The media type of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The server's counters, and the registry that names them.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    sync_requests: Counter,
    sync_failures: Counter,
    changes_merged: Counter,
    refusals: Counter,
    sync_duration: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        let sync_requests = Counter::default();
        let sync_failures = Counter::default();
        let changes_merged = Counter::default();
        let refusals = Counter::default();
        let sync_duration = Histogram::new(BUCKETS);
        // The registry appends `_total` to counters and a full stop to each help text.
        let mut registry = Registry::with_prefix("fieldledger");
        registry.register(
            "sync_requests",
            "Sync requests handled",
            sync_requests.clone(),
        );
        registry.register(
            "sync_failures",
            "Sync requests refused as a whole",
            sync_failures.clone(),
        );
        registry.register(
            "changes_merged",
            "Changes merged into ticket documents",
            changes_merged.clone(),
        );
        registry.register("refusals", "Documents or changes refused", refusals.clone());
        registry.register_with_unit(
            "sync_duration",
            "Time to handle a sync request",
            Unit::Seconds,
            sync_duration.clone(),
        );
        Self {
            registry,
            sync_requests,
            sync_failures,
            changes_merged,
            refusals,
            sync_duration,
        }
    }
}

impl Metrics {
    /// Counts a sync request that took `elapsed`, and whether it failed as a whole.
    pub fn sync_request(&self, elapsed: Duration, failed: bool) {
        self.sync_requests.inc();
        if failed {
            self.sync_failures.inc();
        }
        self.sync_duration.observe(elapsed.as_secs_f64());
    }

    /// Counts changes merged into the ledger.
    pub fn changes_merged(&self, n: u64) {
        self.changes_merged.inc_by(n);
    }

    /// Counts a document or change refused.
    pub fn refusal(&self) {
        self.refusals.inc();
    }

    /// The OpenMetrics text exposition, of media type [`CONTENT_TYPE`].
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_keeps_the_metric_names() {
        let metrics = Metrics::default();
        metrics.sync_request(Duration::from_millis(3), false);
        metrics.sync_request(Duration::from_secs(20), true);
        metrics.changes_merged(5);
        metrics.refusal();
        let text = metrics.render();
        for line in [
            "fieldledger_sync_requests_total 2",
            "fieldledger_sync_failures_total 1",
            "fieldledger_changes_merged_total 5",
            "fieldledger_refusals_total 1",
            "fieldledger_sync_duration_seconds_bucket{le=\"0.002\"} 0",
            "fieldledger_sync_duration_seconds_bucket{le=\"0.005\"} 1",
            "fieldledger_sync_duration_seconds_bucket{le=\"+Inf\"} 2",
            "fieldledger_sync_duration_seconds_count 2",
            "# TYPE fieldledger_sync_duration_seconds histogram",
            "# EOF",
        ] {
            assert!(text.lines().any(|l| l == line), "{line:?} not in\n{text}");
        }
    }
}
