//! `fieldledger-compare`: fieldledger against the automerge-repo sync server on the same work,
//! and fieldledger's sync cost against the size of the ledger. Prints markdown tables, then
//! `compare: N passed, M failed` (a run passes when its system converged).
//!
//! ```text
//! scripts/bench-compare                                  # small, medium, large
//! scripts/bench-compare --sizes small,medium --seed 7
//! scripts/bench-compare --scaling                        # 1k, 10k, 100k tickets
//! scripts/bench-compare --smoke                          # CI: the smoke size, debug builds
//! ```
//!
//! It needs `fieldledger-server` beside it (or `FIELDLEDGER_SERVER`), `node` on the path and the
//! peer's packages installed in `tools/peer` (`npm ci`, which `scripts/bench-compare` does).
//! See `fieldledger_tools::compare` and `docs/benchmarks.md`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use fieldledger_tests::Failure;
use fieldledger_tools::compare::{self, Setting, Size, report, scaling};

/// mimalloc rather than the system allocator: it gives the prepared workload's memory (several
/// GiB on the large size) back to the system once the workload is dropped, before the peer's
/// clients load theirs beside it; glibc kept it in the arenas of the threads that made it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// fieldledger side by side with the automerge-repo sync server.
#[derive(Parser, Debug)]
#[command(about = "fieldledger side by side with the automerge-repo sync server on the same work")]
struct Cli {
    /// The workload sizes to run, in order (smoke, small, medium, large).
    #[arg(long, value_delimiter = ',', default_value = "small,medium,large")]
    sizes: Vec<String>,
    /// The seed of the workload and of the generated ledgers.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// The systems to run (fieldledger, automerge-repo).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "fieldledger,automerge-repo"
    )]
    systems: Vec<String>,
    /// Runs only the smoke size, on both systems (for CI).
    #[arg(long)]
    smoke: bool,
    /// Runs only the scaling of one technician's sync with the ledger size.
    #[arg(long)]
    scaling: bool,
    /// The ledger sizes of `--scaling`, in tickets.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000,100000")]
    ledgers: Vec<u64>,
    /// Timed syncs per ledger size in `--scaling`.
    #[arg(long, default_value_t = 15)]
    repeats: usize,
    /// Node processes that play the peer's clients.
    #[arg(long, default_value_t = 2)]
    peer_processes: usize,
    /// The peer's Node package, installed.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/peer"))]
    peer_dir: PathBuf,
    /// The longest either system may take to converge, in seconds.
    #[arg(long, default_value_t = 1800)]
    timeout: u64,
}

fn main() {
    match run(Cli::parse()) {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(error) => {
            eprintln!("fieldledger-compare: {error}");
            // The test command sums these lines; a run that broke off counts as one failure.
            println!("compare: 0 passed, 1 failed");
            std::process::exit(1);
        }
    }
}

/// Runs what `cli` asks for; returns whether every system converged. The scratch directory is
/// removed before it returns.
fn run(cli: Cli) -> Result<bool, Failure> {
    let tmp = compare::target_tmp()?;
    let scratch = tempfile::Builder::new()
        .prefix("compare-")
        .tempdir_in(&tmp)?;
    if cli.scaling {
        let mut scales = Vec::new();
        for &tickets in &cli.ledgers {
            eprintln!("scaling: {tickets} tickets");
            scales.push(scaling::measure(
                tickets,
                cli.seed,
                &tmp,
                scratch.path(),
                cli.repeats,
            )?);
        }
        println!("{}", report::scaling_table(&scales));
        return Ok(true);
    }
    let names = if cli.smoke {
        vec!["smoke".to_owned()]
    } else {
        cli.sizes.clone()
    };
    let sizes = names
        .iter()
        .map(|n| Size::named(n).ok_or_else(|| format!("no size {n:?}")))
        .collect::<Result<Vec<Size>, String>>()?;
    if let Some(unknown) = cli
        .systems
        .iter()
        .find(|s| !["fieldledger", "automerge-repo"].contains(&s.as_str()))
    {
        return Err(format!("no system {unknown:?} (fieldledger, automerge-repo)").into());
    }
    let setting = Setting {
        fieldledger: cli.systems.iter().any(|s| s == "fieldledger"),
        peer: cli.systems.iter().any(|s| s == "automerge-repo"),
        seed: cli.seed,
        peer_dir: cli.peer_dir,
        peer_processes: cli.peer_processes,
        scratch: scratch.path().to_owned(),
        timeout: Duration::from_secs(cli.timeout),
    };
    let mut rows = Vec::new();
    for size in sizes {
        let row = compare::compare(size, &setting)?;
        // Each size's figures as soon as they are known, then all together.
        println!("{}", report::comparison_table(std::slice::from_ref(&row)));
        rows.push(row);
    }
    if rows.len() > 1 {
        println!("{}", report::comparison_table(&rows));
    }
    let runs = rows
        .iter()
        .flat_map(|r| [&r.fieldledger, &r.peer])
        .flatten();
    let passed = runs
        .clone()
        .filter(|r| matches!(r, Ok(m) if m.converged))
        .count();
    let failed = runs.count() - passed;
    println!("compare: {passed} passed, {failed} failed");
    Ok(failed == 0)
}
