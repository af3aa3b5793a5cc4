//! A ledger of real ticket documents generated from a seed, made once and kept in a cache
//! directory (it takes minutes for 100,000 tickets): for the ledger bench and the scaling runs of
//! `fieldledger-compare`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use fieldledger_core::ticket::cost::{Bearer, CostKind, NewCost};
use fieldledger_core::ticket::decision::Disposition;
use fieldledger_core::ticket::followup::ContactMethod;
use fieldledger_core::ticket::intake::TicketKind;
use fieldledger_core::ticket::quality::{ActionKind, NewAction, Responsibility};
use fieldledger_core::{Author, Date, Operation, Role, Ticket, TicketId, Timestamp};
use fieldledger_server::AppState;
use fieldledger_server::calendar::Calendar;
use fieldledger_server::engine::NewTicket;

use crate::seeded::Seeded;
use crate::{Failure, complaint, kit, quiet_settings};

const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * 60 * MINUTE;
/// 2025-11-26 00:00 UTC: the generated year of registrations starts here.
const YEAR_START: i64 = 1_764_115_200_000;

fn author(id: &str, role: Role) -> Result<Author, Failure> {
    Ok(Author::new(id.parse()?, role))
}

fn date(at: i64) -> Date {
    Calendar::default().day_of(Timestamp(at))
}

/// Ticket `n` of `total`: registered at the desk, mostly handed off and dispatched, judged,
/// with cause and responsibility for most complaints, costs, and a return visit for some.
fn generated(n: u64, total: u64, rng: &mut Seeded) -> Result<Ticket, Failure> {
    let desk = author("desk.wang", Role::ServiceDesk)?;
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
    )?;
    let apply = |ticket: &mut Ticket, who: &Author, minutes: i64, op: Operation| {
        ticket
            .apply(who, Timestamp(at + minutes * MINUTE), &op)
            .map(drop)
    };
    if rng.chance(90) {
        let late = if rng.chance(10) { 45 } else { 10 };
        apply(
            &mut ticket,
            &desk,
            late,
            Operation::HandOff {
                person: None,
                to: vec![Role::Technical],
                note: "please act".into(),
            },
        )?;
    }
    let decided = rng.chance(60);
    if decided {
        let technician = author("tech.zhang", Role::Technician)?;
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
            kit::decide(disposition, "judged on site"),
        )?;
    }
    if registration.complaint && rng.chance(70) {
        let qa = author("qa.chen", Role::QualityAssurance)?;
        apply(
            &mut ticket,
            &qa,
            5 * 24 * 60,
            Operation::RecordCause {
                cause: format!("Cause {:02}", rng.below(60)),
                cause_code: None,
            },
        )?;
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
        )?;
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
                    owner_department: Some(Role::Manufacturing),
                }),
            )?;
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
                borne_by: (bearer == Bearer::SalesRepresentative)
                    .then(|| "sales.xu".parse())
                    .transpose()?,
                description: "service".into(),
            }),
        )?;
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
        )?;
        let visit = ticket
            .view()?
            .followups
            .first()
            .map(|f| f.id.clone())
            .ok_or("the planned return visit is missing")?;
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
        )?;
    }
    Ok(ticket)
}

/// A server data directory under `cache` holding `total` tickets generated from `seed`: made
/// once (as `ledger-TOTAL-seed-SEED`), then reused. The tickets are registered at the desk, most
/// handed off and judged, with cause and responsibility for most complaints, costs, and a return
/// visit for some. Ticket and actor ids are random; everything else follows the seed.
pub fn generated_dir(cache: &Path, total: u64, seed: u64) -> Result<PathBuf, Failure> {
    let dir = cache.join(format!("ledger-{total}-seed-{seed}"));
    let done = dir.join("generated");
    if done.exists() {
        return Ok(dir);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let started = Instant::now();
    let state = AppState::open_with(&dir, quiet_settings())?;
    let desk = kit::add_user(&state, "desk.wang", Role::ServiceDesk)?;
    kit::add_user(&state, "tech.zhang", Role::Technician)?;
    kit::add_user(&state, "qa.chen", Role::QualityAssurance)?;
    let mut rng = Seeded::new(seed);
    let mut n = 0;
    while n < total {
        let batch = (n..(n + 500).min(total))
            .map(|i| {
                Ok(NewTicket {
                    ticket: generated(i, total, &mut rng)?,
                    ledger_number: None,
                    import_key: None,
                })
            })
            .collect::<Result<Vec<_>, Failure>>()?;
        n += batch.len() as u64;
        state.engine.store_new(&desk, batch)?;
        if n % 10_000 == 0 {
            eprintln!("  generated {n} tickets in {:.0?}", started.elapsed());
        }
    }
    drop(state);
    std::fs::write(&done, b"")?;
    eprintln!("generated {total} tickets in {:.1?}", started.elapsed());
    Ok(dir)
}
