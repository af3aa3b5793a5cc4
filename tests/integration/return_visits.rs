//! Return visits as the regulation means them: planned for every confirmed complaint once it is
//! resolved or closed, whatever way, and for nothing else; assigned to someone who may record
//! them; the next one after an unsatisfied visit; low satisfaction told even when resolved; and
//! each customer visited again once per cycle, across restarts.

use std::sync::Arc;
use std::time::{Duration, Instant};

use fieldledger_core::{Role, TicketId};
use fieldledger_server::Settings;
use fieldledger_server::deadlines::Workflow;
use fieldledger_server::events::{EventDetail, EventKind};
use fieldledger_server::system_user::system_author;
use fieldledger_tests::{ManualClock, Office, TestServer};
use serde_json::{Value, json};

use crate::workflow::{DAY, Departments, THURSDAY_10AM, op, settled, status, watched};

/// The return visits of ticket `id` as its page shows them.
fn followups(office: &Office, id: &TicketId) -> Vec<Value> {
    let (code, detail) =
        office
            .server
            .call("GET", &format!("/v1/tickets/{id}"), &office.desk, None);
    assert_eq!(code, 200, "{detail}");
    detail["view"]["followups"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The return visits of ticket `id` once there are at least `n` (or ten seconds have passed),
/// after the watcher has had time for a few more looks.
fn followups_settled(office: &Office, id: &TicketId, n: usize) -> Vec<Value> {
    let started = Instant::now();
    while followups(office, id).len() < n && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    followups(office, id)
}

/// Fixed remotely: a supervisor decides without a visit, QA records cause and responsibility,
/// and the desk closes the ticket.
fn fix_remotely_and_close(office: &Office, dept: &Departments, id: &TicketId) {
    op(
        office,
        &dept.supervisor,
        id,
        json!({"op": "decide", "disposition": "repair_on_site",
               "rationale": "settings corrected by phone"}),
    );
    op(
        office,
        &dept.qa,
        id,
        json!({"op": "record_cause", "cause": "protection setting too low"}),
    );
    op(
        office,
        &dept.qa,
        id,
        json!({"op": "rule_responsibility", "responsibility": "installation"}),
    );
    op(
        office,
        &office.desk,
        id,
        json!({"op": "close", "note": "fixed by phone"}),
    );
    assert_eq!(status(office, id), "closed");
}

/// Registers a ticket of `kind` as the desk; returns it.
fn register(office: &Office, kind: &str, complaint: bool) -> TicketId {
    let mut registration = fieldledger_tests::complaint("Baoding Water");
    registration.kind = serde_json::from_value(json!(kind)).expect("kind");
    registration.complaint = complaint;
    office.register(&office.desk, &registration)
}

#[test]
fn a_remote_fix_or_a_direct_close_plans_a_visit_for_the_confirmer_and_an_inquiry_gets_none() {
    let office = Office::start();
    let dept = Departments::of(&office);
    let system = system_author().user.to_string();

    let (remote, _) = office.desk_ticket(&[]);
    fix_remotely_and_close(&office, &dept, &remote);
    let planned = followups(&office, &remote);
    assert_eq!(planned.len(), 1, "{planned:?}");
    assert_eq!(planned[0]["planned_by"], json!(system));
    // The desk confirmed the complaint and may record return visits: the visit is theirs.
    assert_eq!(planned[0]["assignee"], "desk.wang");

    // An installation job or an inquiry is no complaint: closing it plans nothing.
    let install = register(&office, "installation", false);
    let inquiry = register(&office, "inquiry", false);
    for id in [&install, &inquiry] {
        op(
            &office,
            &dept.supervisor,
            id,
            json!({"op": "decide", "disposition": "no_fault_found", "rationale": "answered"}),
        );
        op(
            &office,
            &office.desk,
            id,
            json!({"op": "close", "note": "answered by phone"}),
        );
        assert_eq!(status(&office, id), "closed");
        assert!(followups(&office, id).is_empty());
    }

    // A ticket not judged a complaint when it closes gets no visit.
    let unconfirmed = register(&office, "inquiry", false);
    fix_remotely_and_close(&office, &dept, &unconfirmed);
    assert!(followups(&office, &unconfirmed).is_empty());
    // Judged a complaint afterwards, it is a confirmed complaint closed: its visit is planned.
    op(
        &office,
        &office.desk,
        &unconfirmed,
        json!({"op": "amend_intake", "complaint": true, "kind": "complaint"}),
    );
    assert_eq!(followups(&office, &unconfirmed).len(), 1);
}

#[test]
fn visits_go_to_the_configured_owner_when_no_confirmer_or_registrant_may_record_them() {
    let settings = Settings {
        workflow: Some(Workflow {
            return_visits: fieldledger_server::deadlines::ReturnVisitRule {
                owner: Some("sup.ma".parse().expect("user")),
                ..Default::default()
            },
            ..Workflow::default()
        }),
        ..Settings::default()
    };
    let office = Office::on(TestServer::start_with(settings));
    let dept = Departments::of(&office);
    // Commerce registers an installation job: no complaint, nobody confirmed it, and commerce
    // records no return visits.
    let commerce = office
        .server
        .token(&office.server.user("commerce.ma", Role::Commerce));
    let mut registration = fieldledger_tests::complaint("Langfang Metro");
    registration.kind = fieldledger_core::ticket::intake::TicketKind::Installation;
    registration.complaint = false;
    let (code, body) =
        office
            .server
            .call("POST", "/v1/tickets", &commerce, Some(json!(registration)));
    assert_eq!(code, 201, "{body}");
    let id: TicketId = body["ticket_id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("ticket id");
    let visit = op(
        &office,
        &dept.supervisor,
        &id,
        json!({"op": "plan_return_visit", "planned_for": "2027-01-05", "method": "phone"}),
    );
    op(
        &office,
        &office.desk,
        &id,
        json!({"op": "record_return_visit", "visit_id": visit, "method": "phone",
               "satisfaction": 2, "resolved": false, "notes": "cabinet still humming"}),
    );
    let next: Vec<Value> = followups(&office, &id)
        .into_iter()
        .filter(|f| f["outcome"].is_null())
        .collect();
    assert_eq!(next.len(), 1, "{next:?}");
    assert_eq!(next[0]["assignee"], "sup.ma");
}

#[test]
fn an_unsatisfied_visit_reopens_and_plans_the_next_and_a_low_score_is_told_even_if_resolved() {
    let office = Office::start();
    let dept = Departments::of(&office);
    let (id, _) = office.desk_ticket(&[]);
    fix_remotely_and_close(&office, &dept, &id);
    let first = followups(&office, &id);
    assert_eq!(first.len(), 1);
    let record = |visit: &Value, satisfaction: u8, resolved: bool| {
        op(
            &office,
            &office.desk,
            &id,
            json!({"op": "record_return_visit", "visit_id": visit["id"], "method": "phone",
                   "satisfaction": satisfaction, "resolved": resolved, "notes": "called"}),
        );
    };
    record(&first[0], 1, false);
    assert_eq!(status(&office, &id), "reopened");
    let after = followups(&office, &id);
    assert_eq!(after.len(), 2, "{after:?}");
    let next = after
        .iter()
        .find(|f| f["outcome"].is_null())
        .expect("the next visit")
        .clone();
    assert_eq!(next["assignee"], "desk.wang");

    // Satisfied enough and resolved: no further visit; a 2 is still a low score.
    record(&next, 2, true);
    assert_eq!(followups(&office, &id).len(), 2);
    let low = settled(&office.server, EventKind::LowSatisfaction, 2);
    assert_eq!(low.len(), 2, "{low:?}");
    let resolved: Vec<bool> = low
        .iter()
        .filter_map(|e| match &e.detail {
            EventDetail::LowSatisfaction(d) => Some(d.resolved),
            _ => None,
        })
        .collect();
    assert_eq!(resolved, [false, true]);
    for role in [Role::QualityAssurance, Role::Manager, Role::Supervisor] {
        assert!(low[1].audience.contains(&role), "{:?}", low[1].audience);
    }
    assert_eq!(settled(&office.server, EventKind::Reopened, 1).len(), 1);

    // A 3 is no low score.
    let third = op(
        &office,
        &dept.supervisor,
        &id,
        json!({"op": "plan_return_visit", "planned_for": "2027-01-05", "method": "phone"}),
    );
    record(&json!({"id": third}), 3, true);
    assert_eq!(
        settled(&office.server, EventKind::LowSatisfaction, 2).len(),
        2
    );
}

#[test]
fn each_customer_gets_one_periodic_visit_per_cycle_across_restarts() {
    let dir = tempfile::tempdir().expect("dir");
    let clock = ManualClock::at(THURSDAY_10AM);
    let periodic = |clock: &Arc<ManualClock>| {
        let mut settings = watched(clock);
        if let Some(workflow) = settings.workflow.as_mut() {
            workflow.return_visits.periodic_days = 30;
        }
        settings
    };
    let office = Office::on(TestServer::start_in_with(dir.path(), periodic(&clock)));
    let dept = Departments::of(&office);
    let (id, _) = office.desk_ticket(&[]);
    // A complaint of the same customer still open, and an inquiry closed: neither is visited.
    let (open, _) = office.desk_ticket(&[]);
    fix_remotely_and_close(&office, &dept, &id);
    assert_eq!(followups(&office, &id).len(), 1);

    clock.advance(20 * DAY);
    assert_eq!(followups_settled(&office, &id, 2).len(), 1, "not yet");
    clock.advance(20 * DAY); // 40 days on: the last visit (5 working days on) is 33 days old.
    let planned = followups_settled(&office, &id, 2);
    assert_eq!(planned.len(), 2, "{planned:?}");
    let system = system_author().user.to_string();
    assert!(planned.iter().all(|f| f["planned_by"] == json!(system)));
    assert!(followups(&office, &open).is_empty());

    drop(office);
    clock.advance(DAY);
    let server = TestServer::start_in_with(dir.path(), periodic(&clock));
    let again = Office {
        desk: server.token(&"desk.wang".parse().expect("user")),
        zhang: "tech.zhang".parse().expect("user"),
        li: "tech.li".parse().expect("user"),
        server,
    };
    assert_eq!(followups_settled(&again, &id, 3).len(), 2, "once per cycle");
    clock.advance(35 * DAY);
    assert_eq!(followups_settled(&again, &id, 3).len(), 3, "the next cycle");
}
