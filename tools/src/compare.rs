//! What `fieldledger-compare` runs: fieldledger against the automerge-repo sync server (the
//! Node.js peer in `tools/peer/`) on the same work, on the same machine, in the same run; and
//! how the cost of one technician's sync grows with the ledger on the server.
//!
//! A workload ([`workload`]) is made with the real device code from a seed: tickets registered
//! and assigned to two technicians each, and each technician's offline work on them. Both
//! systems then move the very same automerge changes: fieldledger's clients sync them from
//! memory devices in this process ([`fieldledger`]); the peer's Node clients load the same
//! document and change bytes ([`peer`]). Each server runs as its own process behind a counting
//! proxy ([`proxy`]), so bytes are counted the same way for both.

pub mod fieldledger;
pub mod peer;
pub mod proxy;
pub mod report;
pub mod scaling;
pub mod workload;

use std::path::{Path, PathBuf};
use std::time::Duration;

use fieldledger_tests::Failure;

/// How much work a comparison run holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// Its name on the command line.
    pub name: &'static str,
    /// Technicians' devices syncing at once.
    pub clients: usize,
    /// Tickets each device holds (each ticket is held by two devices).
    pub docs_per_client: usize,
    /// Changes each device makes offline on each of its tickets.
    pub changes_per_doc: usize,
}

/// The sizes the runner knows, smallest first.
pub const SIZES: [Size; 4] = [
    Size {
        name: "smoke",
        clients: 4,
        docs_per_client: 10,
        changes_per_doc: 3,
    },
    Size {
        name: "small",
        clients: 10,
        docs_per_client: 50,
        changes_per_doc: 5,
    },
    Size {
        name: "medium",
        clients: 50,
        docs_per_client: 200,
        changes_per_doc: 5,
    },
    Size {
        name: "large",
        clients: 200,
        docs_per_client: 500,
        changes_per_doc: 5,
    },
];

impl Size {
    /// The size called `name`.
    pub fn named(name: &str) -> Option<Size> {
        SIZES.iter().copied().find(|s| s.name == name)
    }

    /// How many distinct tickets the work holds.
    pub fn tickets(&self) -> usize {
        self.clients * self.docs_per_client / 2
    }
}

/// What one system's run of a workload measured, from the moment all clients began to sync
/// until every client held the expected heads of all its documents, or until the timeout.
#[derive(Debug, Clone, Copy, Default)]
pub struct Measurement {
    /// Whether every client converged; when not, the figures are those at the timeout, so each
    /// is a lower bound of what converging would have cost.
    pub converged: bool,
    /// Seconds until converged.
    pub seconds: f64,
    /// CPU seconds (user and system) the server process used in that time.
    pub cpu_seconds: f64,
    /// The server process's peak memory (VmHWM), in KiB, setup included.
    pub peak_memory_kib: u64,
    /// Bytes the clients sent to the server.
    pub bytes_sent: u64,
    /// Bytes the clients received from the server.
    pub bytes_received: u64,
}

/// Both systems' figures for one size.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The size.
    pub size: Size,
    /// fieldledger's figures, or why it failed; `None` when it was not run.
    pub fieldledger: Option<Result<Measurement, String>>,
    /// The automerge-repo sync server's figures, or why it failed; `None` when it was not run.
    pub peer: Option<Result<Measurement, String>>,
}

/// Where the runner works and how long it waits.
#[derive(Debug, Clone)]
pub struct Setting {
    /// The seed of the workload.
    pub seed: u64,
    /// The Node package of the peer (`tools/peer`, installed).
    pub peer_dir: PathBuf,
    /// How many Node processes play the peer's clients.
    pub peer_processes: usize,
    /// Scratch space: workload files and both servers' data directories.
    pub scratch: PathBuf,
    /// The longest a system may take to converge.
    pub timeout: Duration,
    /// Whether fieldledger runs.
    pub fieldledger: bool,
    /// Whether the peer runs.
    pub peer: bool,
}

/// Runs `size` on both systems (or the one `setting` asks for), fieldledger first, each on a
/// fresh data directory.
pub fn compare(size: Size, setting: &Setting) -> Result<Comparison, Failure> {
    let dir = tempfile::Builder::new()
        .prefix(&format!("compare-{}-", size.name))
        .tempdir_in(&setting.scratch)?;
    eprintln!(
        "{}: preparing {} clients × {} tickets × {} changes",
        size.name, size.clients, size.docs_per_client, size.changes_per_doc
    );
    let work = workload::Workload::prepare(size, setting.seed, dir.path())?;
    let fieldledger = setting.fieldledger.then(|| {
        eprintln!("{}: fieldledger", size.name);
        fieldledger::run(&work, setting.timeout).map_err(|e| e.to_string())
    });
    let files = dir.path().join("workload");
    if setting.peer {
        work.write_files(&files)?;
    }
    drop(work);
    let peer = setting.peer.then(|| {
        eprintln!("{}: automerge-repo", size.name);
        peer::run(
            &setting.peer_dir,
            &files,
            &dir.path().join("peer"),
            size.clients,
            setting.peer_processes,
            setting.timeout,
        )
        .map_err(|e| e.to_string())
    });
    Ok(Comparison {
        size,
        fieldledger,
        peer,
    })
}

/// `target/tmp` beside the running binary (`target/release/…` or `target/debug/…`), where the
/// runner keeps its caches and scratch files.
pub fn target_tmp() -> Result<PathBuf, Failure> {
    let exe = std::env::current_exe()?;
    let target = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("the runner is not in a cargo target directory")?;
    let tmp = target.join("tmp");
    std::fs::create_dir_all(&tmp)?;
    Ok(tmp)
}
