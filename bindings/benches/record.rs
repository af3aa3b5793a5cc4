//! The cost of recording one on-site action from Rust, to compare with the same action recorded
//! from Kotlin through the bindings (`kotlin/org/fieldledger/bench/RecordBench.kt` beside this
//! file; `scripts/bench-bindings` runs both). Both sides do the same: a fresh store, one
//! registered ticket, one visit, then `WARM_UP` unmeasured and `SAMPLES` timed work-log steps
//! with a measurement, and print the medians of the single-call times: the calling thread's CPU
//! time (what the call costs, whatever else the machine runs) and the wall-clock time.
//!
//! `cargo bench -p fieldledger-bindings --bench record`

use std::time::Instant;

use rustix::time::{ClockId, clock_gettime};

use fieldledger_core::ticket::intake::{IntakeSource, Registration, TicketKind};
use fieldledger_core::ticket::visit::{Measurement, Work};
use fieldledger_core::{Author, Operation, Role, Store};

/// Calls made before timing starts.
const WARM_UP: usize = 2_000;
/// Calls timed.
const SAMPLES: usize = 2_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    store.set_user(&Author::new("tech.bench".parse()?, Role::Technician))?;
    let ticket = store.register(&Registration {
        kind: TicketKind::Commissioning,
        complaint: false,
        product_name: "KYN28A-12 switchgear".into(),
        customer_name: "Bench Substation".into(),
        content: "Commissioning of a new panel.".into(),
        source: IntakeSource::Customer,
        ..Registration::default()
    })?;
    let visit = store
        .record(
            &ticket,
            &Operation::Arrive {
                order_id: None,
                site: "bay 1".into(),
            },
        )?
        .entry
        .ok_or("arriving made no visit")?;
    let mut cpu = Vec::with_capacity(SAMPLES);
    let mut wall = Vec::with_capacity(SAMPLES);
    for i in 0..WARM_UP + SAMPLES {
        let op = Operation::LogWork {
            visit_id: visit.clone(),
            work: Work::Step {
                description: format!("insulation test {i}"),
                measurements: vec![Measurement {
                    quantity: "insulation resistance A-PE".into(),
                    value: 2_500.0,
                    unit: "MΩ".into(),
                }],
            },
        };
        let (cpu_start, wall_start) = (thread_cpu_nanos(), Instant::now());
        store.record(&ticket, &op)?;
        if i >= WARM_UP {
            cpu.push(thread_cpu_nanos() - cpu_start);
            wall.push(wall_start.elapsed().as_nanos() as i64);
        }
    }
    println!(
        "rust: record one action: median {:.1} µs CPU, {:.1} µs wall over {SAMPLES} calls",
        median_micros(&mut cpu),
        median_micros(&mut wall)
    );
    Ok(())
}

/// The CPU time this thread has used, in nanoseconds.
fn thread_cpu_nanos() -> i64 {
    let t = clock_gettime(ClockId::ThreadCPUTime);
    t.tv_sec * 1_000_000_000 + t.tv_nsec
}

fn median_micros(nanos: &mut [i64]) -> f64 {
    nanos.sort_unstable();
    nanos[nanos.len() / 2] as f64 / 1_000.0
}
