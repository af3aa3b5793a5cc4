//! The runner's markdown tables.

use std::fmt::Write;

use super::scaling::Scale;
use super::{Comparison, Measurement};

const MIB: f64 = 1024.0;

/// One table for all sizes: per size and figure, fieldledger, the peer and their ratio.
pub fn comparison_table(rows: &[Comparison]) -> String {
    let mut out = String::from(
        "| size | figure | fieldledger | automerge-repo | fieldledger ÷ automerge-repo |\n\
         |---|---|---|---|---|\n",
    );
    type Figure = (&'static str, fn(&Measurement) -> f64, fn(f64) -> String);
    let figures: [Figure; 5] = [
        (
            "time until converged",
            |m| m.seconds,
            |v| format!("{v:.2} s"),
        ),
        ("server CPU", |m| m.cpu_seconds, |v| format!("{v:.2} s")),
        (
            "server peak memory",
            |m| m.peak_memory_kib as f64 / MIB,
            |v| format!("{v:.1} MiB"),
        ),
        ("bytes sent", |m| m.bytes_sent as f64, thousands),
        ("bytes received", |m| m.bytes_received as f64, thousands),
    ];
    for row in rows {
        let size = format!(
            "{} ({} clients × {} docs × {} changes)",
            row.size.name, row.size.clients, row.size.docs_per_client, row.size.changes_per_doc
        );
        for (n, (name, value, show)) in figures.iter().enumerate() {
            // A run that did not converge shows its figures at the timeout as lower bounds,
            // and a ratio against them as an upper bound.
            let cell = |m: &Option<Result<Measurement, String>>| match m {
                Some(Ok(m)) if m.converged => show(value(m)),
                Some(Ok(m)) if n == 0 => format!("> {}, not converged", show(value(m))),
                Some(Ok(m)) => format!("≥ {}", show(value(m))),
                Some(Err(e)) if n == 0 => format!("failed: {e}"),
                None if n == 0 => "not run".into(),
                _ => "—".into(),
            };
            let ratio = match (&row.fieldledger, &row.peer) {
                (Some(Ok(f)), Some(Ok(p))) if f.converged && value(p) > 0.0 => {
                    let bound = if p.converged { "" } else { "≤ " };
                    format!("{bound}{:.3}", value(f) / value(p))
                }
                _ => "—".into(),
            };
            let label = if n == 0 { size.as_str() } else { "" };
            let _ = writeln!(
                out,
                "| {label} | {name} | {} | {} | {ratio} |",
                cell(&row.fieldledger),
                cell(&row.peer)
            );
        }
    }
    out
}

/// The scaling table: one technician's sync of the same changed work on ledgers of each size,
/// and the ratio of the largest ledger to the smallest.
pub fn scaling_table(scales: &[Scale]) -> String {
    let mut out = String::from(
        "| tickets on the server | sync of 10 changed tickets (median) | slowest | server CPU per \
        sync | bytes per sync (sent + received) |\n\
         |---|---|---|---|---|\n",
    );
    for s in scales {
        let _ = writeln!(
            out,
            "| {} | {:.1} ms | {:.1} ms | {:.1} ms | {} ({} + {}) |",
            thousands(s.tickets as f64),
            s.median_ms,
            s.slowest_ms,
            s.cpu_ms_per_sync,
            thousands((s.bytes_sent + s.bytes_received) as f64),
            thousands(s.bytes_sent as f64),
            thousands(s.bytes_received as f64)
        );
    }
    if let [first, .., last] = scales {
        let _ = writeln!(
            out,
            "\n{} ÷ {} tickets: time {:.2}, server CPU {:.2}, bytes {:.2} (required: time ≤ 1.5)",
            thousands(last.tickets as f64),
            thousands(first.tickets as f64),
            last.median_ms / first.median_ms,
            if first.cpu_ms_per_sync > 0.0 {
                last.cpu_ms_per_sync / first.cpu_ms_per_sync
            } else {
                f64::NAN
            },
            (last.bytes_sent + last.bytes_received) as f64
                / (first.bytes_sent + first.bytes_received).max(1) as f64
        );
    }
    out
}

/// `v` rounded, with commas between thousands.
fn thousands(v: f64) -> String {
    let digits = format!("{:.0}", v.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{comparison_table, thousands};
    use crate::compare::{Comparison, Measurement, Size};

    fn measured(converged: bool, seconds: f64) -> Measurement {
        Measurement {
            converged,
            seconds,
            cpu_seconds: seconds / 2.0,
            peak_memory_kib: 1024,
            bytes_sent: 1000,
            bytes_received: 2000,
        }
    }

    /// The table of one size where fieldledger and the peer measured `fieldledger` and `peer`.
    fn table(fieldledger: Measurement, peer: Measurement) -> String {
        let size = Size::named("small").expect("a known size");
        comparison_table(&[Comparison {
            size,
            fieldledger: Some(Ok(fieldledger)),
            peer: Some(Ok(peer)),
        }])
    }

    #[test]
    fn a_peer_that_did_not_converge_shows_lower_bounds_and_bounded_ratios() {
        let table = table(measured(true, 250.0), measured(false, 1000.0));
        assert!(
            table.contains("| 250.00 s | > 1000.00 s, not converged | ≤ 0.250 |"),
            "{table}"
        );
        assert!(
            table.contains("| 125.00 s | ≥ 500.00 s | ≤ 0.250 |"),
            "{table}"
        );
        assert!(
            table.contains("| 1.0 MiB | ≥ 1.0 MiB | ≤ 1.000 |"),
            "{table}"
        );
    }

    #[test]
    fn converged_runs_show_their_figures_and_plain_ratios() {
        let table = table(measured(true, 1.0), measured(true, 10.0));
        assert!(table.contains("| 1.00 s | 10.00 s | 0.100 |"), "{table}");
        assert!(!table.contains('≤') && !table.contains('≥'), "{table}");
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1_234_567.0), "1,234,567");
    }
}
