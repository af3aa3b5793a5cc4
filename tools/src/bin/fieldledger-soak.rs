//! The long mode of the seeded simulation: runs `--count` seeds from `--first` in `--jobs`
//! parallel parts and reports every seed that breaks a promise, each with the command that
//! replays it, not only the first. Ends with `soak: N passed, M failed` and exits non-zero when a
//! seed failed. `scripts/soak` runs it in release mode.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use clap::Parser;
use fieldledger_tests::simulation::{Scale, run};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(about = "Runs many seeds of the simulation and reports every one that fails")]
struct Args {
    /// The first seed.
    #[arg(long, default_value_t = 0)]
    first: u64,
    /// How many seeds, from the first on.
    #[arg(long, default_value_t = 1000)]
    count: u64,
    /// Parallel parts (default: one per core).
    #[arg(long)]
    jobs: Option<u64>,
}

/// A seed that broke a promise, and what broke.
struct Failed {
    seed: u64,
    broken: String,
}

fn main() {
    let args = Args::parse();
    let jobs = args
        .jobs
        .or_else(|| {
            std::thread::available_parallelism()
                .ok()
                .map(|n| n.get() as u64)
        })
        .unwrap_or(1)
        .max(1);
    let started = Instant::now();
    let done = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let last = args.first.saturating_add(args.count);
    eprintln!(
        "soak: seeds {}..{} in {jobs} part(s)",
        args.first,
        last.saturating_sub(1)
    );
    let parts: Vec<_> = (0..jobs)
        .map(|part| {
            let (done, failures) = (done.clone(), failures.clone());
            let first = args.first;
            std::thread::spawn(move || {
                for seed in (first..last).filter(|s| (s - first) % jobs == part) {
                    if let Err(failure) = run(seed, Scale::default()) {
                        eprintln!(
                            "seed {seed} breaks a promise: {}\n  replay with \
                            FIELDLEDGER_SEED={seed} cargo test -p fieldledger-tests --test \
                            integration simulation",
                            failure.broken
                        );
                        failures
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .push(Failed {
                                seed,
                                broken: failure.broken,
                            });
                    }
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if n % 1000 == 0 {
                        eprintln!(
                            "soak: {n} seeds run in {:.0} s",
                            started.elapsed().as_secs_f64()
                        );
                    }
                }
            })
        })
        .collect();
    let mut crashed = 0;
    for part in parts {
        if part.join().is_err() {
            crashed += 1;
        }
    }
    let mut failures = std::mem::take(&mut *failures.lock().unwrap_or_else(|p| p.into_inner()));
    failures.sort_by_key(|f| f.seed);
    let run_seeds = done.load(Ordering::Relaxed);
    println!(
        "seeds {}..{}: {run_seeds} run in {:.0} s with {jobs} part(s)",
        args.first,
        last.saturating_sub(1),
        started.elapsed().as_secs_f64()
    );
    for failed in &failures {
        println!("failed: seed {}: {}", failed.seed, failed.broken);
    }
    if crashed > 0 {
        println!("{crashed} part(s) panicked: their remaining seeds did not run");
    }
    let failed = failures.len() as u64 + crashed;
    println!(
        "soak: {} passed, {failed} failed",
        run_seeds - failures.len() as u64
    );
    if failed > 0 {
        std::process::exit(1);
    }
}
