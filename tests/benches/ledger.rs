//! The office's reads on a large ledger, through the HTTP API of a server on loopback: each
//! statistics endpoint over the whole ledger, over one month and over one year (every complaint
//! axis, the others with a period too), a statistic's XLSX export, the first page of the ledger
//! and a filtered page, the return-visit list, the deadline watcher's look, and the export of
//! the whole ledger; then the rate of an import. The ledger is made of real ticket documents, generated from a fixed seed and kept
//! between runs in the bench's scratch directory (`fieldledger_tests::ledger`).
//! `cargo bench -p fieldledger-tests --bench ledger [-- TICKETS]` (100,000 by default). With
//! `FIELDLEDGER_TEST_BACKEND=postgres` the server runs on PostgreSQL, the generated ledger moved
//! there first (once) as `fieldledger-server migrate` moves it.

use std::path::Path;
use std::time::{Duration, Instant};

use fieldledger_core::{Role, UserId};
use fieldledger_server::calendar::Calendar;
use fieldledger_server::deadlines::Workflow;
use fieldledger_server::import;
use fieldledger_server::statistics::ComplaintAxis;
use fieldledger_server::storage::transfer::migrate;
use fieldledger_server::{AppState, Settings};
use fieldledger_tests::{TestServer, backend, ledger, quiet_settings};
use strum::VariantArray;

/// The median and the slowest of `runs` timed calls of `path` (after three untimed ones).
fn timed(server: &TestServer, token: &str, path: &str, runs: usize) -> (Duration, Duration, usize) {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let url = format!("{}{path}", server.url);
    let call = || {
        let started = Instant::now();
        let mut response = agent
            .get(&url)
            .header("Authorization", format!("Bearer {token}"))
            .call()
            .expect("request");
        assert_eq!(response.status(), 200, "{path}");
        let body = response
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()
            .expect("body");
        (started.elapsed(), body.len())
    };
    for _ in 0..3 {
        call();
    }
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..runs {
        let (took, bytes) = call();
        times.push(took);
        size = bytes;
    }
    times.sort();
    (times[times.len() / 2], times[times.len() - 1], size)
}

fn main() {
    let total: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = ledger::generated_dir(cache, total, 2026).expect("generated ledger");
    if let Some(url) = backend::database_for(&dir).expect("the bench's database") {
        let settings = Settings {
            database: Some(url.clone()),
            ..quiet_settings()
        };
        let moved = AppState::open_with(&dir, settings).expect("PostgreSQL");
        if moved.storage.ticket_ids().expect("ids").is_empty() {
            let started = Instant::now();
            migrate(&dir, &url).expect("the ledger moved to PostgreSQL");
            println!(
                "moved {total} tickets to PostgreSQL in {:.1?}",
                started.elapsed()
            );
        }
    }
    let server = TestServer::start_in(&dir);
    let desk: UserId = "desk.wang".parse().expect("id");
    let token = server.token(&desk);
    println!("ledger of {total} tickets (documents generated from a fixed seed)");
    println!(
        "{:<52} {:>9} {:>9} {:>10}",
        "GET", "median", "slowest", "bytes"
    );
    // The generated registrations run from 2025-11-26 for a year.
    let periods = [
        ("whole ledger", ""),
        ("one month", "from=2026-03-01&to=2026-03-31"),
        ("one year", "from=2025-12-01&to=2026-11-30"),
    ];
    let mut statistics: Vec<String> = ComplaintAxis::VARIANTS
        .iter()
        .map(|axis| format!("/v1/statistics/complaints?by={}", axis.as_str()))
        .collect();
    statistics.extend(
        ["handoff", "corrective-actions", "costs", "return-visits"]
            .map(|name| format!("/v1/statistics/{name}?")),
    );
    for (label, period) in periods {
        println!("statistics over the {label} {period}");
        for statistic in &statistics {
            let path = match (period, statistic.ends_with('?')) {
                ("", _) => statistic.trim_end_matches('?').to_owned(),
                (_, true) => format!("{statistic}{period}"),
                (_, false) => format!("{statistic}&{period}"),
            };
            let (median, slowest, bytes) = timed(&server, &token, &path, 20);
            let shown = path.split_once("&from").map_or(path.as_str(), |(p, _)| p);
            println!("{shown:<52} {median:>9.1?} {slowest:>9.1?} {bytes:>10}");
        }
    }
    for path in [
        "/v1/statistics/complaints/export?by=customer&from=2025-12-01&to=2026-11-30&lang=zh",
        "/v1/ledger?limit=50",
        "/v1/ledger?limit=50&offset=5000",
        "/v1/ledger?limit=50&customer=Customer%20123&status=resolved",
        "/v1/return-visits?state=due",
    ] {
        let (median, slowest, bytes) = timed(&server, &token, path, 20);
        println!("{path:<52} {median:>9.1?} {slowest:>9.1?} {bytes:>10}");
    }
    // The watcher's first look fires what fell due while the server was down; its later looks
    // find only what is new.
    let storage = server.state.storage.clone();
    let workflow = Workflow::default();
    let now = server.state.clock.now();
    let started = Instant::now();
    let fired = workflow.scan(storage.as_ref(), now).expect("scan");
    let first = started.elapsed();
    let count = fired.len();
    server.state.engine.emit(fired).expect("fire");
    println!(
        "{:<52} {first:>9.1?} {:>9} {count:>7} events",
        "deadline watcher's first look", ""
    );
    let mut looks = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        workflow.scan(storage.as_ref(), now).expect("scan");
        looks.push(started.elapsed());
    }
    looks.sort();
    println!(
        "{:<52} {:>9.1?} {:>9.1?}",
        "deadline watcher's later looks", looks[2], looks[4]
    );
    for path in [
        "/v1/ledger/export?format=csv&lang=zh",
        "/v1/ledger/export?format=xlsx&lang=zh",
    ] {
        let (median, slowest, bytes) = timed(&server, &token, path, 3);
        println!("{path:<52} {median:>9.1?} {slowest:>9.1?} {bytes:>10}");
    }

    // Import: the first 2,000 rows of the export, without their numbers, into a new server.
    let (_, csv) = {
        let agent = ureq::Agent::new_with_defaults();
        let mut response = agent
            .get(format!(
                "{}/v1/ledger/export?format=csv&lang=zh",
                server.url
            ))
            .header("Authorization", format!("Bearer {token}"))
            .call()
            .expect("export");
        let body = response
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()
            .expect("body");
        ((), body)
    };
    let text = String::from_utf8_lossy(&csv);
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default().to_owned();
    let rows: Vec<String> = lines
        .filter(|l| l.starts_with("KS-"))
        .take(2_000)
        .map(|l| l.split_once(',').map_or("", |(_, rest)| rest).to_owned())
        .collect();
    let file = format!(
        "{}\n{}\n",
        header.split_once(',').map_or("", |(_, rest)| rest),
        rows.join("\n")
    );
    let target = TestServer::start();
    let admin = target.token(&target.user("admin.zhou", Role::Admin));
    let ledger = import::read(file.as_bytes(), &Calendar::default()).expect("file");
    let started = Instant::now();
    let outcomes =
        import::upload(&ledger, "bench.csv", &target.url, &admin, |_| {}).expect("import");
    let took = started.elapsed();
    let created = outcomes
        .iter()
        .filter(|o| matches!(o.outcome, import::Outcome::Created { .. }))
        .count();
    println!(
        "import: {created} of {} rows in {took:.1?} ({:.0} rows per second)",
        ledger.rows.len(),
        created as f64 / took.as_secs_f64()
    );
}
