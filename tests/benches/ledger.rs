//! The office's reads on a large ledger, through the HTTP API of a server on loopback: each
//! statistics endpoint, the first page of the ledger and a filtered page, the return-visit
//! list, the deadline watcher's look, and the export of the whole ledger; then the rate of an
//! import. The ledger is made of real ticket documents, generated from a fixed seed and kept
//! between runs in the bench's scratch directory.
//! `cargo bench -p fieldledger-tests --bench ledger [-- TICKETS]` (100,000 by default).

use std::path::Path;
use std::time::{Duration, Instant};

use fieldledger_core::ticket::cost::{Bearer, CostKind, NewCost};
use fieldledger_core::ticket::decision::Disposition;
use fieldledger_core::ticket::followup::ContactMethod;
use fieldledger_core::ticket::intake::TicketKind;
use fieldledger_core::ticket::quality::{ActionKind, NewAction, Responsibility};
use fieldledger_core::{Author, Date, Operation, Role, Ticket, TicketId, Timestamp, UserId};
use fieldledger_server::calendar::Calendar;
use fieldledger_server::deadlines::Workflow;
use fieldledger_server::engine::NewTicket;
use fieldledger_server::import;
use fieldledger_server::storage::User;
use fieldledger_server::{AppState, Settings};
use fieldledger_tests::{TestServer, complaint};

/// splitmix64: the same ledger on every run.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * 60 * MINUTE;
/// 2025-11-26 00:00 UTC: the generated year of registrations starts here.
const YEAR_START: i64 = 1_764_115_200_000;

fn author(id: &str, role: Role) -> Author {
    Author::new(id.parse().expect("user id"), role)
}

fn date(at: i64) -> Date {
    Calendar::default().day_of(Timestamp(at))
}

/// Ticket `n` of `total`: registered at the desk, mostly handed off and dispatched, judged,
/// with cause and responsibility for most complaints, costs, and a return visit for some.
fn generated(n: u64, total: u64, rng: &mut Seeded) -> Ticket {
    let desk = author("desk.wang", Role::ServiceDesk);
    let at = YEAR_START + (n as i64) * (365 * DAY / total.max(1) as i64);
    let mut registration = complaint(&format!("Customer {}", rng.below(5_000)));
    registration.product_name = format!("Product {:02}", rng.below(40));
    registration.model = format!("M-{:03}", rng.below(400));
    registration.job_number = format!("J{n:07}");
    if rng.chance(20) {
        registration.kind = TicketKind::Installation;
        registration.complaint = false;
    }
    registration.major = rng.chance(2);
    let mut ticket = Ticket::register(
        TicketId::random(),
        automerge::ActorId::random(),
        &desk,
        Timestamp(at),
        &registration,
    )
    .expect("register");
    let apply = |ticket: &mut Ticket, who: &Author, minutes: i64, op: Operation| {
        ticket
            .apply(who, Timestamp(at + minutes * MINUTE), &op)
            .expect("operation");
    };
    if rng.chance(90) {
        let late = if rng.chance(10) { 45 } else { 10 };
        apply(
            &mut ticket,
            &desk,
            late,
            Operation::HandOff {
                to: vec![Role::Technical],
                note: "please act".into(),
            },
        );
    }
    let decided = rng.chance(60);
    if decided {
        let technician = author("tech.zhang", Role::Technician);
        let disposition = [
            Disposition::RepairOnSite,
            Disposition::Replace,
            Disposition::ReturnToFactory,
            Disposition::NoFaultFound,
        ][rng.below(4) as usize];
        apply(
            &mut ticket,
            &technician,
            2 * 24 * 60,
            Operation::Decide {
                disposition,
                rationale: "judged on site".into(),
            },
        );
    }
    if registration.complaint && rng.chance(70) {
        let qa = author("qa.chen", Role::QualityAssurance);
        apply(
            &mut ticket,
            &qa,
            5 * 24 * 60,
            Operation::RecordCause {
                cause: format!("Cause {:02}", rng.below(60)),
            },
        );
        let responsibility = [
            Responsibility::Design,
            Responsibility::Manufacturing,
            Responsibility::Supplier,
            Responsibility::TransportPackaging,
            Responsibility::Installation,
            Responsibility::CustomerUse,
            Responsibility::Sales,
        ][rng.below(7) as usize];
        apply(
            &mut ticket,
            &qa,
            5 * 24 * 60,
            Operation::RuleResponsibility { responsibility },
        );
        if rng.chance(30) {
            apply(
                &mut ticket,
                &qa,
                5 * 24 * 60,
                Operation::AddCorrectiveAction(NewAction {
                    kind: ActionKind::Corrective,
                    description: "check the relay batch".into(),
                    owner: "manufacturing".into(),
                    due: date(at + (20 + rng.below(60) as i64) * DAY),
                }),
            );
        }
    }
    for _ in 0..2 {
        let kind = [CostKind::Travel, CostKind::Parts, CostKind::Labour][rng.below(3) as usize];
        let bearer = [
            Bearer::Company,
            Bearer::SalesRepresentative,
            Bearer::Supplier,
            Bearer::Customer,
        ][rng.below(4) as usize];
        apply(
            &mut ticket,
            &desk,
            3 * 24 * 60,
            Operation::SubmitCost(NewCost {
                kind,
                amount_minor: 10_000 + rng.below(500_000) as i64,
                currency: "CNY".into(),
                bearer,
                description: "service".into(),
            }),
        );
    }
    if decided && rng.chance(50) {
        apply(
            &mut ticket,
            &desk,
            10 * 24 * 60,
            Operation::PlanReturnVisit {
                planned_for: date(at + 12 * DAY),
                method: ContactMethod::Phone,
                assignee: None,
            },
        );
        let visit = ticket
            .view()
            .expect("view")
            .followups
            .first()
            .map(|f| f.id.clone())
            .expect("planned visit");
        let satisfaction = 1 + rng.below(5) as u8;
        apply(
            &mut ticket,
            &desk,
            12 * 24 * 60,
            Operation::RecordReturnVisit {
                visit_id: visit,
                method: ContactMethod::Phone,
                satisfaction,
                resolved: satisfaction >= 3,
                notes: "called".into(),
            },
        );
    }
    ticket
}

/// A server data directory holding `total` generated tickets: made once, then reused.
fn ledger_dir(total: u64) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("ledger-{total}"));
    let done = dir.join("generated");
    if done.exists() {
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    let started = Instant::now();
    let state = AppState::open_with(
        &dir,
        Settings {
            pacing: None,
            workflow: None,
            ..Settings::default()
        },
    )
    .expect("state");
    for (id, role) in [
        ("desk.wang", Role::ServiceDesk),
        ("tech.zhang", Role::Technician),
        ("qa.chen", Role::QualityAssurance),
    ] {
        state
            .storage
            .add_user(&User {
                id: id.parse().expect("id"),
                name: id.into(),
                role,
                actor: None,
                created_at: Timestamp(YEAR_START),
            })
            .expect("user");
    }
    let desk = state
        .storage
        .user(&"desk.wang".parse::<UserId>().expect("id"))
        .expect("read user")
        .expect("desk");
    let mut rng = Seeded(2026);
    let mut n = 0;
    while n < total {
        let batch: Vec<NewTicket> = (n..(n + 500).min(total))
            .map(|i| NewTicket {
                ticket: generated(i, total, &mut rng),
                ledger_number: None,
                import_key: None,
            })
            .collect();
        n += batch.len() as u64;
        state.engine.store_new(&desk, batch).expect("store");
        if n % 10_000 == 0 {
            eprintln!("  generated {n} tickets in {:.0?}", started.elapsed());
        }
    }
    drop(state);
    std::fs::write(&done, b"").expect("marker");
    eprintln!("generated {total} tickets in {:.1?}", started.elapsed());
    dir
}

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
    let dir = ledger_dir(total);
    let server = TestServer::start_in(&dir);
    let desk: UserId = "desk.wang".parse().expect("id");
    let token = server.token(&desk);
    println!("ledger of {total} tickets (documents generated from a fixed seed)");
    println!(
        "{:<52} {:>9} {:>9} {:>10}",
        "GET", "median", "slowest", "bytes"
    );
    for path in [
        "/v1/statistics/complaints?by=product",
        "/v1/statistics/complaints?by=model",
        "/v1/statistics/complaints?by=cause",
        "/v1/statistics/complaints?by=responsibility",
        "/v1/statistics/complaints?by=month",
        "/v1/statistics/handoff",
        "/v1/statistics/corrective-actions",
        "/v1/statistics/costs",
        "/v1/statistics/return-visits",
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
