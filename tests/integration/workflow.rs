//! The service department's workflow: one complaint walked through the whole flow of the
//! regulation over the office API and a technician's device, with the events each step emits,
//! the rules of closing a ticket, and the deadlines the server watches.

use std::sync::Arc;
use std::time::{Duration, Instant};

use fieldledger_core::ticket::decision::Disposition;
use fieldledger_core::ticket::followup::ContactMethod;
use fieldledger_core::ticket::quality::ActionStatus;
use fieldledger_core::{Date, Operation, Role, TicketId, Timestamp};
use fieldledger_server::Settings;
use fieldledger_server::deadlines::{OnClock, State, Workflow};
use fieldledger_server::events::detail::DeadlineMissed;
use fieldledger_server::events::{Event, EventDetail, EventKind};
use fieldledger_tests::{ManualClock, Office, TestServer, kit, store_for, sync};
use serde_json::{Value, json};

/// The office cast beyond the desk: each with an API token.
pub(crate) struct Departments {
    pub(crate) inspection: String,
    pub(crate) qa: String,
    pub(crate) technical: String,
    pub(crate) finance: String,
    pub(crate) supervisor: String,
    pub(crate) manufacturing: String,
    pub(crate) commerce: String,
}

impl Departments {
    pub(crate) fn of(office: &Office) -> Departments {
        let token = |id: &str, role: Role| office.server.token(&office.server.user(id, role));
        Departments {
            inspection: token("insp.sun", Role::Inspection),
            qa: token("qa.liu", Role::QualityAssurance),
            technical: token("tech.dept.he", Role::Technical),
            finance: token("fin.chen", Role::Finance),
            supervisor: token("sup.ma", Role::Supervisor),
            manufacturing: token("mfg.zhao", Role::Manufacturing),
            commerce: token("com.li", Role::Commerce),
        }
    }
}

pub(crate) fn call_op(office: &Office, token: &str, id: &TicketId, op: Value) -> (u16, Value) {
    office.server.call(
        "POST",
        &format!("/v1/tickets/{id}/operations"),
        token,
        Some(op),
    )
}

/// Records `op` as the holder of `token`; returns the entry it created, if any.
pub(crate) fn op(office: &Office, token: &str, id: &TicketId, op: Value) -> Option<String> {
    let (status, body) = call_op(office, token, id, op);
    assert_eq!(status, 200, "{body}");
    body["entry"].as_str().map(String::from)
}

/// The events of ticket `id` after outbox position `after`; moves `after` on.
fn new_events(office: &Office, id: &TicketId, after: &mut u64) -> Vec<Event> {
    let events: Vec<Event> = office
        .server
        .state
        .storage
        .events_after(*after, 10_000)
        .expect("outbox");
    if let Some(last) = events.last() {
        *after = last.id;
    }
    events.into_iter().filter(|e| &e.ticket_id == id).collect()
}

/// The kinds of [`new_events`].
fn new_kinds(office: &Office, id: &TicketId, after: &mut u64) -> Vec<EventKind> {
    new_events(office, id, after)
        .iter()
        .map(Event::kind)
        .collect()
}

/// The kinds of [`new_events`], with the step of each fulfilment turn.
fn new_details(
    office: &Office,
    id: &TicketId,
    after: &mut u64,
) -> Vec<(EventKind, Option<String>)> {
    new_events(office, id, after)
        .iter()
        .map(|e| match &e.detail {
            EventDetail::FulfilmentTurn(t) => (e.kind(), Some(t.step.as_str().to_owned())),
            _ => (e.kind(), None),
        })
        .collect()
}

pub(crate) fn status(office: &Office, id: &TicketId) -> String {
    let (code, body) = office.server.call("GET", "/v1/ledger", &office.desk, None);
    assert_eq!(code, 200, "{body}");
    body["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["ticket_id"] == json!(id)))
        .and_then(|r| r["status"].as_str())
        .expect("ledger row")
        .to_owned()
}

pub(crate) fn close_refusal(office: &Office, id: &TicketId) -> Vec<String> {
    let (code, body) = call_op(
        office,
        &office.desk,
        id,
        json!({"op": "close", "note": "done"}),
    );
    assert_eq!(code, 409, "{body}");
    assert_eq!(body["error"], "not_closable");
    let missing: Vec<String> = body["missing"]
        .as_array()
        .expect("missing list")
        .iter()
        .filter_map(|m| m.as_str().map(String::from))
        .collect();
    for m in &missing {
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|t| t.contains(m.as_str()))
        );
    }
    missing
}

#[test]
fn one_complaint_walks_the_whole_flow_with_its_events_in_order() {
    let office = Office::start();
    let dept = Departments::of(&office);
    let mut seen = 0;
    let (id, _) = office.desk_ticket(&[]);
    assert_eq!(new_kinds(&office, &id, &mut seen), [EventKind::Registered]);

    op(
        &office,
        &office.desk,
        &id,
        json!({"op": "hand_off", "to": ["technical", "supervisor"], "note": "breaker trips"}),
    );
    assert_eq!(new_kinds(&office, &id, &mut seen), [EventKind::HandedOff]);
    op(
        &office,
        &office.desk,
        &id,
        json!({"op": "issue_travel_order", "number": "CC-2026-0102", "kind": "on_site_service",
               "issuing_department": "technical_service", "assignees": [office.zhang]}),
    );
    assert_eq!(new_kinds(&office, &id, &mut seen), [EventKind::Dispatched]);
    assert_eq!(status(&office, &id), "dispatched");

    // On site, offline: the technician decides the unit goes back and asks for it.
    let dir = tempfile::tempdir().expect("dir");
    let zhang = office.device(&dir, &office.zhang);
    sync(&zhang).expect("sync");
    let visit = zhang.arrive(&id, "Cangzhou substation bay 2");
    for step in [
        kit::decide(Disposition::ReturnToFactory, "vacuum interrupter leaks"),
        Operation::RequestReturn {
            unit: "J2026-1102".into(),
            reason: "interrupter to be replaced in the factory".into(),
        },
        kit::depart(&visit),
    ] {
        zhang.record(&id, &step).expect("on-site step");
    }
    sync(&zhang).expect("sync");
    assert_eq!(
        new_kinds(&office, &id, &mut seen),
        [
            EventKind::ArrivedOnSite,
            EventKind::DecisionRecorded,
            EventKind::ReplacementOrReturnRequested,
            EventKind::ReplacementOrReturnRequested,
            EventKind::FulfilmentTurn,
        ]
    );
    assert_eq!(status(&office, &id), "awaiting_return");

    // The unit comes back, is judged, repaired and retested.
    let (code, detail) =
        office
            .server
            .call("GET", &format!("/v1/tickets/{id}"), &office.desk, None);
    assert_eq!(code, 200, "{detail}");
    let unit = detail["view"]["returns"][0]["id"].clone();
    op(
        &office,
        &office.desk,
        &id,
        json!({"op": "receive_return", "return_id": unit}),
    );
    assert_eq!(status(&office, &id), "awaiting_inspection");
    let inspect = |stage: &str, verdict: &str| {
        op(
            &office,
            &dept.inspection,
            &id,
            json!({"op": "record_inspection", "return_id": unit, "stage": stage,
                   "verdict": verdict, "findings": "bench test"}),
        );
    };
    inspect("incoming", "defect_confirmed");
    assert_eq!(status(&office, &id), "awaiting_manufacture");
    op(
        &office,
        &dept.manufacturing,
        &id,
        json!({"op": "record_manufacture", "note": "interrupter replaced"}),
    );
    assert_eq!(status(&office, &id), "awaiting_outgoing_test");
    inspect("retest", "passed");
    assert_eq!(status(&office, &id), "awaiting_shipment");
    op(
        &office,
        &dept.commerce,
        &id,
        json!({"op": "ship_unit", "shipped_on": "2026-12-02", "note": "SF 1234"}),
    );
    assert_eq!(status(&office, &id), "awaiting_installation");
    zhang
        .record(
            &id,
            &Operation::RecordInstallation {
                note: "bay 2".into(),
            },
        )
        .expect("installed");
    sync(&zhang).expect("sync");
    assert_eq!(status(&office, &id), "resolved");
    let turn = |step: &str| (EventKind::FulfilmentTurn, Some(step.to_owned()));
    assert_eq!(
        new_details(&office, &id, &mut seen),
        [
            turn("inspection"),
            (EventKind::InspectionVerdict, None),
            turn("manufacture"),
            turn("outgoing_test"),
            (EventKind::InspectionVerdict, None),
            turn("shipment"),
            turn("installation"),
        ]
    );

    // Cause, responsibility and CAPA; the letter; costs.
    assert_eq!(close_refusal(&office, &id), ["cause", "responsibility"]);
    op(
        &office,
        &dept.qa,
        &id,
        json!({"op": "record_cause", "cause": "interrupter seal cracked in assembly"}),
    );
    op(
        &office,
        &dept.qa,
        &id,
        json!({"op": "rule_responsibility", "responsibility": "manufacturing"}),
    );
    let action = op(
        &office,
        &dept.qa,
        &id,
        json!({"op": "add_corrective_action", "kind": "corrective",
               "description": "leak-test every interrupter", "owner": "manufacturing",
               "due": "2026-12-31"}),
    );
    op(
        &office,
        &dept.qa,
        &id,
        json!({"op": "set_action_status", "action_id": action, "status": "done"}),
    );
    op(
        &office,
        &dept.technical,
        &id,
        json!({"op": "draft_letter", "number": "JF-2026-017", "body": "Analysis: seal."}),
    );
    op(&office, &dept.technical, &id, json!({"op": "issue_letter"}));
    assert_eq!(new_kinds(&office, &id, &mut seen), []);
    let cost = op(
        &office,
        &office.desk,
        &id,
        json!({"op": "submit_cost", "kind": "travel", "amount_minor": 86_000, "currency": "CNY",
               "bearer": "company", "description": "train to Cangzhou"}),
    );
    assert_eq!(close_refusal(&office, &id), ["cost_audit"]);
    op(
        &office,
        &dept.supervisor,
        &id,
        json!({"op": "audit_cost", "cost_id": cost, "approved": true, "note": "ok"}),
    );
    op(
        &office,
        &dept.finance,
        &id,
        json!({"op": "settle_cost", "cost_id": cost, "reference": "PZ-2026-1130"}),
    );
    assert_eq!(
        new_kinds(&office, &id, &mut seen),
        [EventKind::CostSubmitted, EventKind::CostAudited]
    );

    // Closure, then a return visit that finds the problem back.
    op(
        &office,
        &office.desk,
        &id,
        json!({"op": "close", "note": "all recorded"}),
    );
    assert_eq!(new_kinds(&office, &id, &mut seen), [EventKind::Closed]);
    assert_eq!(status(&office, &id), "closed");
    let (code, body) = call_op(&office, &office.desk, &id, json!({"op": "close"}));
    assert_eq!(
        (code, body["error"].as_str()),
        (400, Some("invalid")),
        "{body}"
    );
    let visit = op(
        &office,
        &dept.supervisor,
        &id,
        json!({"op": "plan_return_visit", "planned_for": "2099-12-07", "method": "phone"}),
    );
    op(
        &office,
        &dept.supervisor,
        &id,
        json!({"op": "record_return_visit", "visit_id": visit, "method": "phone",
               "satisfaction": 2, "resolved": false, "notes": "trips again"}),
    );
    assert_eq!(
        new_kinds(&office, &id, &mut seen),
        [
            EventKind::ReturnVisitRecorded,
            EventKind::Reopened,
            EventKind::LowSatisfaction
        ]
    );
    assert_eq!(status(&office, &id), "reopened");
    op(
        &office,
        &office.desk,
        &id,
        json!({"op": "close", "note": "settings corrected by phone"}),
    );
    assert_eq!(new_kinds(&office, &id, &mut seen), [EventKind::Closed]);
    assert_eq!(status(&office, &id), "closed");
}

#[test]
fn a_close_names_everything_missing_and_changes_nothing() {
    let office = Office::start();
    let (id, _) = office.desk_ticket(&[]);
    let (_, before) = office
        .server
        .call("GET", &format!("/v1/tickets/{id}"), &office.desk, None);
    assert_eq!(
        close_refusal(&office, &id),
        ["disposition", "cause", "responsibility"]
    );
    let (_, after) = office
        .server
        .call("GET", &format!("/v1/tickets/{id}"), &office.desk, None);
    assert_eq!(before["heads"], after["heads"]);
    assert_eq!(status(&office, &id), "registered");
}

#[test]
fn only_the_service_department_and_the_manager_may_close() {
    let office = Office::start();
    let dept = Departments::of(&office);
    let (id, _) = office.desk_ticket(&[]);
    for token in [&dept.qa, &dept.finance, &dept.inspection] {
        let (code, body) = call_op(&office, token, &id, json!({"op": "close"}));
        assert_eq!(code, 403, "{body}");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("may not close"))
        );
    }
}

/// 2026-11-26 10:00 in Beijing, a Thursday.
pub(crate) const THURSDAY_10AM: Timestamp = Timestamp(1_795_658_400_000);
pub(crate) const MINUTE: i64 = 60_000;
pub(crate) const DAY: i64 = 24 * 60 * MINUTE;

pub(crate) fn watched(clock: &Arc<ManualClock>) -> Settings {
    Settings {
        clock: clock.clone(),
        workflow: Some(Workflow {
            pace: Duration::from_millis(10),
            ..Workflow::default()
        }),
        ..Settings::default()
    }
}

/// The day the drawings were due by, when `event` is of drawings delivered late.
fn drawings_missed(event: &Event) -> Option<Date> {
    match event.detail {
        EventDetail::DeadlineMissed(DeadlineMissed::DrawingDelivery { due, .. }) => Some(due),
        _ => None,
    }
}

/// The events of `kind` in the outbox of `server`: once at least `expected` are there (or ten
/// seconds have passed), and the watcher has had time for a few more looks.
pub(crate) fn settled(server: &TestServer, kind: EventKind, expected: usize) -> Vec<Event> {
    let of_kind = || -> Vec<Event> {
        server
            .state
            .storage
            .events_after(0, 10_000)
            .expect("outbox")
            .into_iter()
            .filter(|e| e.kind() == kind)
            .collect()
    };
    let started = Instant::now();
    while of_kind().len() < expected && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    of_kind()
}

#[test]
fn a_missed_handoff_fires_once_on_both_clocks_and_not_again_after_a_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let clock = ManualClock::at(THURSDAY_10AM);
    let office = Office::on(TestServer::start_in_with(dir.path(), watched(&clock)));
    let (late, _) = office.desk_ticket(&[]);
    let (prompt, _) = office.desk_ticket(&[]);
    clock.advance(10 * MINUTE);
    op(
        &office,
        &office.desk,
        &prompt,
        json!({"op": "hand_off", "to": ["technical"], "note": "in time"}),
    );
    clock.advance(19 * MINUTE);
    assert!(settled(&office.server, EventKind::DeadlineMissed, 0).is_empty());

    clock.advance(2 * MINUTE);
    let missed = settled(&office.server, EventKind::DeadlineMissed, 1);
    assert_eq!(missed.len(), 1, "{missed:?}");
    assert_eq!(missed[0].ticket_id, late);
    let missed_on_both = |clock: &Option<OnClock>| clock.is_some_and(|c| c.state == State::Missed);
    assert!(
        matches!(&missed[0].detail, EventDetail::DeadlineMissed(DeadlineMissed::Handoff {
            device, receipt, ..
        }) if missed_on_both(device) && missed_on_both(receipt)),
        "{missed:?}"
    );

    // The late hand-off comes; the ticket shows the deadline missed on both clocks.
    op(
        &office,
        &office.desk,
        &late,
        json!({"op": "hand_off", "to": ["technical"], "note": "late"}),
    );
    let (_, detail) = office
        .server
        .call("GET", &format!("/v1/tickets/{late}"), &office.desk, None);
    let handoff = &detail["deadlines"][0];
    assert_eq!(handoff["deadline"], "handoff");
    assert_eq!(handoff["device"]["state"], "missed");
    assert_eq!(handoff["receipt"]["state"], "missed");
    assert_eq!(
        handoff["receipt"]["met_at"],
        json!(THURSDAY_10AM.millis() + 31 * MINUTE)
    );
    let (_, detail) =
        office
            .server
            .call("GET", &format!("/v1/tickets/{prompt}"), &office.desk, None);
    assert_eq!(detail["deadlines"][0]["device"]["state"], "met");
    assert_eq!(detail["deadlines"][0]["receipt"]["state"], "met");
    assert_eq!(
        settled(&office.server, EventKind::DeadlineMissed, 1).len(),
        1
    );

    drop(office);
    clock.advance(DAY);
    let again = TestServer::start_in_with(dir.path(), watched(&clock));
    assert_eq!(settled(&again, EventKind::DeadlineMissed, 1).len(), 1);
}

#[test]
fn return_visits_fall_due_and_overdue_and_actions_past_due_each_fire_once() {
    let dir = tempfile::tempdir().expect("dir");
    let clock = ManualClock::at(THURSDAY_10AM);
    let office = Office::on(TestServer::start_in_with(dir.path(), watched(&clock)));
    let dept = Departments::of(&office);
    let (id, _) = office.desk_ticket(&[&office.zhang]);
    let visit = op(
        &office,
        &dept.supervisor,
        &id,
        json!({"op": "plan_return_visit", "planned_for": "2026-11-27", "method": "phone"}),
    );
    op(
        &office,
        &dept.qa,
        &id,
        json!({"op": "add_corrective_action", "kind": "preventive", "description": "train",
               "owner": "customer service", "due": "2026-11-27"}),
    );
    assert!(settled(&office.server, EventKind::ReturnVisitDue, 0).is_empty());

    clock.advance(DAY); // Friday the 27th: the visit is due, the action due today.
    let due = settled(&office.server, EventKind::ReturnVisitDue, 1);
    assert_eq!(due.len(), 1);
    assert!(
        matches!(&due[0].detail, EventDetail::ReturnVisitDue(d)
            if d.planned_for.to_string() == "2026-11-27"),
        "{due:?}"
    );
    assert!(settled(&office.server, EventKind::DeadlineMissed, 0).is_empty());

    clock.advance(DAY); // Saturday: the action is past due; the visit has two working days.
    let missed = settled(&office.server, EventKind::DeadlineMissed, 1);
    assert_eq!(missed.len(), 1);
    assert!(
        matches!(
            missed[0].detail,
            EventDetail::DeadlineMissed(DeadlineMissed::CorrectiveAction { .. })
        ),
        "{missed:?}"
    );
    clock.advance(3 * DAY); // Tuesday, the last day of grace.
    assert!(settled(&office.server, EventKind::ReturnVisitOverdue, 0).is_empty());

    drop(office);
    clock.advance(DAY); // Wednesday, on a restarted server.
    let again = TestServer::start_in_with(dir.path(), watched(&clock));
    let overdue = settled(&again, EventKind::ReturnVisitOverdue, 1);
    assert_eq!(overdue.len(), 1);
    assert!(
        matches!(&overdue[0].detail, EventDetail::ReturnVisitOverdue(d)
            if d.due_by.to_string() == "2026-12-01"),
        "{overdue:?}"
    );
    assert_eq!(settled(&again, EventKind::ReturnVisitDue, 1).len(), 1);
    assert_eq!(settled(&again, EventKind::DeadlineMissed, 1).len(), 1);

    // The visit finds the problem back: one reopened event, and the visit is no longer overdue.
    let desk = again.token(&"desk.wang".parse().expect("user"));
    let (code, body) = again.call(
        "POST",
        &format!("/v1/tickets/{id}/operations"),
        &desk,
        Some(
            json!({"op": "record_return_visit", "visit_id": visit, "method": "phone",
                    "satisfaction": 1, "resolved": false, "notes": "still trips"}),
        ),
    );
    assert_eq!(code, 200, "{body}");
    assert_eq!(settled(&again, EventKind::Reopened, 1).len(), 1);
    assert_eq!(settled(&again, EventKind::ReturnVisitOverdue, 1).len(), 1);
}

fn visits(office: &Office, token: &str, query: &str) -> Vec<Value> {
    let (code, body) =
        office
            .server
            .call("GET", &format!("/v1/return-visits?{query}"), token, None);
    assert_eq!(code, 200, "{body}");
    body["visits"].as_array().cloned().unwrap_or_default()
}

#[test]
fn a_resolved_ticket_gets_its_return_visit_once_and_supervisors_track_it() {
    let clock = ManualClock::at(THURSDAY_10AM);
    let office = Office::on(TestServer::start_with(watched(&clock)));
    let dept = Departments::of(&office);
    let (id, _) = office.desk_ticket(&[&office.zhang]);
    let dir = tempfile::tempdir().expect("dir");
    let zhang = office.device(&dir, &office.zhang);
    sync(&zhang).expect("sync");
    let visit = zhang.arrive(&id, "bay 2");
    zhang
        .record(
            &id,
            &Operation::Decide {
                disposition: Disposition::RepairOnSite,
                rationale: "loose terminal".into(),
            },
        )
        .expect("decide");
    zhang
        .record(&id, &Operation::Depart { visit_id: visit })
        .expect("depart");
    sync(&zhang).expect("sync");
    assert_eq!(status(&office, &id), "resolved");
    // Later merges of the resolved ticket plan nothing more.
    op(
        &office,
        &office.desk,
        &id,
        json!({"op": "submit_cost", "kind": "labour", "amount_minor": 30_000, "currency": "CNY",
               "bearer": "company", "description": "half a day"}),
    );
    sync(&zhang).expect("sync");

    let planned = visits(&office, &dept.supervisor, "state=planned");
    assert_eq!(planned.len(), 1, "{planned:?}");
    // Thursday plus five working days.
    assert_eq!(planned[0]["planned_for"], "2026-12-03");
    assert_eq!(planned[0]["assignee"], "desk.wang");
    assert_eq!(planned[0]["ticket_id"], json!(id));
    assert!(visits(&office, &dept.supervisor, "state=due").is_empty());
    assert_eq!(
        zhang.view(&id).expect("view").followups.len(),
        1,
        "the device receives the planned visit"
    );

    clock.advance(7 * DAY);
    assert_eq!(visits(&office, &dept.supervisor, "state=due").len(), 1);
    assert_eq!(
        visits(
            &office,
            &dept.supervisor,
            "state=due&department=service_desk"
        )
        .len(),
        1
    );
    assert!(visits(&office, &dept.supervisor, "state=due&department=finance").is_empty());
    assert!(visits(&office, &dept.supervisor, "state=due&assignee=tech.li").is_empty());

    clock.advance(5 * DAY); // Tuesday the 8th: past Friday and Monday, the days of grace.
    let overdue = visits(
        &office,
        &dept.supervisor,
        "state=overdue&assignee=desk.wang",
    );
    assert_eq!(overdue.len(), 1);
    op(
        &office,
        &dept.supervisor,
        &id,
        json!({"op": "record_return_visit", "visit_id": overdue[0]["visit_id"], "method": "phone",
               "satisfaction": 5, "resolved": true, "notes": "works"}),
    );
    let done = visits(&office, &dept.supervisor, "state=done");
    assert_eq!(done.len(), 1);
    assert_eq!(
        (
            done[0]["satisfaction"].as_u64(),
            done[0]["resolved"].as_bool()
        ),
        (Some(5), Some(true))
    );
    assert!(visits(&office, &dept.supervisor, "state=overdue").is_empty());
    assert_eq!(status(&office, &id), "resolved");

    let (code, body) = office.server.call(
        "GET",
        "/v1/return-visits?state=someday",
        &dept.supervisor,
        None,
    );
    assert_eq!(
        (code, body["error"].as_str()),
        (400, Some("bad_body")),
        "{body}"
    );
    let tech = office.server.token(&office.zhang);
    let (code, _) = office.server.call("GET", "/v1/return-visits", &tech, None);
    assert_eq!(code, 403);
}

fn statistics(office: &Office, token: &str, path: &str) -> Value {
    let (code, body) = office
        .server
        .call("GET", &format!("/v1/statistics/{path}"), token, None);
    assert_eq!(code, 200, "{body}");
    body
}

#[test]
fn statistics_count_complaints_handoffs_actions_costs_and_return_visits() {
    let clock = ManualClock::at(THURSDAY_10AM);
    let office = Office::on(TestServer::start_with(watched(&clock)));
    let dept = Departments::of(&office);
    let (handed, _) = office.desk_ticket(&[&office.zhang]);
    let mut other = fieldledger_tests::complaint("Tangshan Steel");
    other.product_name = "KYN28 switchgear".into();
    let (code, body) = office
        .server
        .call("POST", "/v1/tickets", &office.desk, Some(json!(other)));
    assert_eq!(code, 201, "{body}");
    op(
        &office,
        &dept.qa,
        &handed,
        json!({"op": "rule_responsibility", "responsibility": "supplier"}),
    );
    op(
        &office,
        &dept.qa,
        &handed,
        json!({"op": "add_corrective_action", "kind": "corrective", "description": "audit supplier",
               "owner": "procurement", "due": "2026-11-27"}),
    );
    let visit = op(
        &office,
        &dept.supervisor,
        &handed,
        json!({"op": "plan_return_visit", "planned_for": "2026-11-30", "method": "visit"}),
    );
    op(
        &office,
        &dept.supervisor,
        &handed,
        json!({"op": "record_return_visit", "visit_id": visit, "method": "visit",
               "satisfaction": 4, "resolved": true, "notes": "fine"}),
    );

    let qa = &dept.qa;
    let groups =
        |by: &str| statistics(&office, qa, &format!("complaints?by={by}"))["groups"].clone();
    assert_eq!(
        groups("product"),
        json!([{"key": "KYN28 switchgear", "complaints": 1},
               {"key": "ZN63 vacuum circuit breaker", "complaints": 1}])
    );
    assert_eq!(
        groups("responsibility"),
        json!([{"key": null, "complaints": 1}, {"key": "supplier", "complaints": 1}])
    );
    assert_eq!(
        groups("month"),
        json!([{"key": "2026-11", "complaints": 2}])
    );

    let handoff = statistics(&office, qa, "handoff");
    assert_eq!(
        (
            &handoff["tickets"],
            &handoff["handed_off"],
            &handoff["on_time_by_device"]
        ),
        (&json!(2), &json!(1), &json!(1))
    );
    assert_eq!(handoff["share_by_receipt"], json!(0.5));

    let actions = statistics(&office, qa, "corrective-actions");
    assert_eq!(
        actions,
        json!({"actions": 1, "tickets": 1, "tickets_past_due": 0})
    );
    clock.advance(2 * DAY);
    let actions = statistics(&office, qa, "corrective-actions");
    assert_eq!(actions["tickets_past_due"], 1);

    let visits = statistics(&office, qa, "return-visits");
    assert_eq!(
        visits,
        json!({"planned": 1, "done": 1, "completion": 1.0, "resolved": 1,
               "mean_satisfaction": 4.0, "by_satisfaction": [0, 0, 0, 1, 0]})
    );

    let travel = op(
        &office,
        &office.desk,
        &handed,
        json!({"op": "submit_cost", "kind": "travel", "amount_minor": 86_000, "currency": "CNY",
               "bearer": "company", "description": "train"}),
    );
    op(
        &office,
        &office.desk,
        &handed,
        json!({"op": "submit_cost", "kind": "parts", "amount_minor": 12_000, "currency": "CNY",
               "bearer": "supplier", "description": "seal kit"}),
    );
    op(
        &office,
        &dept.supervisor,
        &handed,
        json!({"op": "audit_cost", "cost_id": travel, "approved": true, "note": "ok"}),
    );
    op(
        &office,
        &dept.finance,
        &handed,
        json!({"op": "settle_cost", "cost_id": travel, "reference": "PZ-1"}),
    );
    let costs = statistics(&office, &dept.finance, "costs");
    assert_eq!(
        costs["by_kind"],
        json!([
            {"key": "parts", "currency": "CNY", "costs": 1, "amount_minor": 12_000,
             "approved_minor": 0, "settled_minor": 0},
            {"key": "travel", "currency": "CNY", "costs": 1, "amount_minor": 86_000,
             "approved_minor": 86_000, "settled_minor": 86_000}
        ])
    );
    assert_eq!(costs["by_bearer"][0]["key"], "company");
    assert_eq!(costs["by_bearer"][1]["key"], "supplier");

    let (code, body) = office
        .server
        .call("GET", "/v1/statistics/complaints?by=colour", qa, None);
    assert_eq!(code, 400, "{body}");
    let tech = office.server.token(&office.zhang);
    let (code, _) = office
        .server
        .call("GET", "/v1/statistics/handoff", &tech, None);
    assert_eq!(code, 403);
}

#[test]
fn return_visits_and_actions_are_judged_on_the_device_clock_and_on_receipt() {
    let clock = ManualClock::at(THURSDAY_10AM);
    let office = Office::on(TestServer::start_with(watched(&clock)));
    let (id, _) = office.desk_ticket(&[]);
    let qa = office.server.user("qa.liu", Role::QualityAssurance);
    let qa_token = office.server.token(&qa);
    let action = op(
        &office,
        &qa_token,
        &id,
        json!({"op": "add_corrective_action", "kind": "corrective", "owner": "manufacturing",
               "description": "replace the relay batch", "due": "2026-11-26"}),
    )
    .expect("action");
    let visit = op(
        &office,
        &office.desk,
        &id,
        json!({"op": "plan_return_visit", "planned_for": "2026-11-26", "method": "phone"}),
    )
    .expect("visit");

    // QA and the supervisor work on phones: both finish on Thursday afternoon, and their
    // phones reach the server only on Tuesday.
    let afternoon = THURSDAY_10AM.millis() + 5 * 60 * MINUTE;
    let phone = |dir: &tempfile::TempDir, user: &str, role: Role| {
        let id = office.server.user(user, role);
        let store = store_for(dir.path(), user, role, afternoon).expect("store");
        office.server.enrol(&store, &id);
        sync(&store).expect("first sync");
        store
    };
    let (qa_dir, sup_dir) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let qa_phone = phone(&qa_dir, "qa.phone", Role::QualityAssurance);
    let sup_phone = phone(&sup_dir, "sup.phone", Role::Supervisor);
    qa_phone
        .record(
            &id,
            &Operation::SetActionStatus {
                action_id: action.parse().expect("entry id"),
                status: ActionStatus::Done,
                evidence: String::new(),
            },
        )
        .expect("done");
    sup_phone
        .record(
            &id,
            &Operation::RecordReturnVisit {
                visit_id: visit.parse().expect("entry id"),
                method: ContactMethod::Phone,
                satisfaction: 5,
                resolved: true,
                notes: "all well".into(),
            },
        )
        .expect("visited");
    clock.advance(5 * DAY);
    sync(&qa_phone).expect("sync");
    sync(&sup_phone).expect("sync");

    let (_, detail) = office
        .server
        .call("GET", &format!("/v1/tickets/{id}"), &office.desk, None);
    let judged = |entry: &str| -> Value {
        detail["deadlines"]
            .as_array()
            .and_then(|all| all.iter().find(|d| d["entry"] == json!(entry)))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let tuesday = THURSDAY_10AM.millis() + 5 * DAY;
    for (entry, deadline) in [
        (&action, "corrective_action"),
        (&visit, "return_visit_overdue"),
    ] {
        let judgement = judged(entry);
        assert_eq!(judgement["deadline"], deadline, "{detail}");
        assert_eq!(judgement["device"]["state"], "met", "{judgement}");
        assert_eq!(judgement["receipt"]["state"], "missed", "{judgement}");
        assert_eq!(
            judgement["receipt"]["met_at"],
            json!(tuesday),
            "{judgement}"
        );
    }
}

#[test]
fn drawings_late_after_shipment_fire_once_and_are_judged_on_both_clocks() {
    let dir = tempfile::tempdir().expect("dir");
    let clock = ManualClock::at(THURSDAY_10AM);
    let office = Office::on(TestServer::start_in_with(dir.path(), watched(&clock)));
    let commerce = office
        .server
        .token(&office.server.user("commerce.ma", Role::Commerce));
    let technical = office
        .server
        .token(&office.server.user("tech.dept.he", Role::Technical));
    let (late, _) = office.desk_ticket(&[]);
    let (prompt, _) = office.desk_ticket(&[]);
    for id in [&late, &prompt] {
        op(
            &office,
            &commerce,
            id,
            json!({"op": "record_shipment", "shipped_on": "2026-11-26", "note": "waybill 7731"}),
        );
    }
    // Thursday + 3 working days is Tuesday: the drawings of one come on Monday.
    clock.advance(4 * DAY);
    op(
        &office,
        &technical,
        &prompt,
        json!({"op": "send_drawings", "note": "wiring and layout drawings"}),
    );
    clock.advance(DAY);
    let missed = |server: &TestServer| -> Vec<Event> {
        settled(server, EventKind::DeadlineMissed, 0)
            .into_iter()
            .filter(|e| drawings_missed(e).is_some())
            .collect()
    };
    assert!(missed(&office.server).is_empty(), "not missed on Tuesday");
    clock.advance(DAY);
    let fired = settled(&office.server, EventKind::DeadlineMissed, 3);
    let drawings: Vec<(&Event, Date)> = fired
        .iter()
        .filter_map(|e| Some((e, drawings_missed(e)?)))
        .collect();
    assert_eq!(drawings.len(), 1, "{fired:?}");
    assert_eq!(drawings[0].0.ticket_id, late);
    assert_eq!(drawings[0].1.to_string(), "2026-12-01");

    let judged = |id: &TicketId| -> Value {
        let (_, detail) =
            office
                .server
                .call("GET", &format!("/v1/tickets/{id}"), &office.desk, None);
        detail["deadlines"]
            .as_array()
            .and_then(|all| all.iter().find(|d| d["deadline"] == "drawing_delivery"))
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(judged(&prompt)["device"]["state"], "met");
    assert_eq!(judged(&prompt)["receipt"]["state"], "met");
    assert_eq!(judged(&late)["device"]["state"], "missed");
    assert_eq!(judged(&late)["receipt"]["state"], "missed");

    // The late drawings come; a restart repeats nothing.
    op(
        &office,
        &technical,
        &late,
        json!({"op": "send_drawings", "note": "at last"}),
    );
    assert_eq!(judged(&late)["device"]["state"], "missed");
    drop(office);
    clock.advance(DAY);
    let again = TestServer::start_in_with(dir.path(), watched(&clock));
    assert_eq!(missed(&again).len(), 1);
}
