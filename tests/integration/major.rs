//! Major complaints (重大投诉): the server suggests them by configurable criteria and the desk
//! judges; one closes only after the general manager's review and R&D's ruling on
//! responsibility; a review not recorded in time is escalated once, across restarts.

use fieldledger_core::{Role, TicketId};
use fieldledger_server::events::{Event, EventDetail, EventKind};
use fieldledger_server::major::ReasonKind;
use fieldledger_tests::{ManualClock, Office, TestServer};
use serde_json::json;

use crate::workflow::{
    DAY, Departments, THURSDAY_10AM, call_op, close_refusal, op, settled, watched,
};

/// Registers a complaint of `customer` on job `job` saying `content` as the desk.
fn complaint(office: &Office, customer: &str, job: &str, content: &str) -> TicketId {
    let mut registration = fieldledger_tests::complaint(customer);
    registration.job_number = job.into();
    registration.content = content.into();
    office.register(&office.desk, &registration)
}

/// The reasons of the `major_criteria_met` events of ticket `id` among `events`.
fn reasons_of(events: &[Event], id: &TicketId) -> Vec<(ReasonKind, String)> {
    events
        .iter()
        .filter(|e| &e.ticket_id == id)
        .flat_map(|e| match &e.detail {
            EventDetail::MajorCriteriaMet(met) => met.reasons.clone(),
            _ => Vec::new(),
        })
        .map(|r| (r.reason, r.matched))
        .collect()
}

#[test]
fn a_complaint_meeting_the_criteria_is_suggested_to_the_desk_which_judges_it() {
    let clock = ManualClock::at(THURSDAY_10AM);
    let mut settings = watched(&clock);
    if let Some(workflow) = settings.workflow.as_mut() {
        workflow.major.key_customers = vec!["State Grid Hebei".into()];
    }
    let office = Office::on(TestServer::start_with(settings));
    let first = complaint(&office, "Cangzhou Water", "J-7", "Breaker trips.");
    let fire = complaint(&office, "Baoding Steel", "J-8", "柜内起火，有人触电");
    let key = complaint(&office, "State Grid Hebei", "J-9", "Relay chatters.");
    clock.advance(10 * DAY);
    let repeat = complaint(&office, "Cangzhou Water", "J-7", "Trips again.");
    // An inquiry is no complaint, whatever it says.
    let mut inquiry = fieldledger_tests::complaint("Baoding Steel");
    inquiry.complaint = false;
    inquiry.kind = fieldledger_core::ticket::intake::TicketKind::Inquiry;
    inquiry.content = "起火 — how do we read the alarm?".into();
    let (code, body) =
        office
            .server
            .call("POST", "/v1/tickets", &office.desk, Some(json!(inquiry)));
    assert_eq!(code, 201, "{body}");

    let events = settled(&office.server, EventKind::MajorCriteriaMet, 3);
    assert_eq!(events.len(), 3, "{events:?}");
    assert!(reasons_of(&events, &first).is_empty());
    assert_eq!(
        reasons_of(&events, &fire),
        [
            (ReasonKind::Keyword, "触电".to_owned()),
            (ReasonKind::Keyword, "起火".to_owned())
        ]
    );
    assert_eq!(
        reasons_of(&events, &key),
        [(ReasonKind::KeyCustomer, "State Grid Hebei".to_owned())]
    );
    let repeats = reasons_of(&events, &repeat);
    assert_eq!(repeats.len(), 1, "{repeats:?}");
    assert_eq!(repeats[0].0, ReasonKind::Repeat);
    for e in &events {
        assert_eq!(e.audience, [Role::ServiceDesk, Role::Supervisor]);
    }

    // The server does not judge: the ticket is not major until the desk says so.
    let (_, detail) = office
        .server
        .call("GET", &format!("/v1/tickets/{fire}"), &office.desk, None);
    assert_eq!(detail["view"]["intake"]["major"], false);
    op(
        &office,
        &office.desk,
        &fire,
        json!({"op": "amend_intake", "major": true}),
    );
    // A further edit of a suggested complaint suggests nothing again.
    op(
        &office,
        &office.desk,
        &key,
        json!({"op": "amend_intake", "requests": "Call back tomorrow."}),
    );
    assert_eq!(
        settled(&office.server, EventKind::MajorCriteriaMet, 3).len(),
        3
    );
    assert_eq!(
        settled(&office.server, EventKind::MajorComplaint, 1).len(),
        1
    );
}

#[test]
fn a_major_complaint_closes_only_after_the_managers_review_and_r_and_ds_ruling() {
    let office = Office::start();
    let dept = Departments::of(&office);
    let token = |id: &str, role: Role| office.server.token(&office.server.user(id, role));
    let (manager, rnd) = (token("gm.zhao", Role::Manager), token("rnd.gao", Role::RnD));
    let review = json!({"op": "review_major_complaint", "note": "supplier audit ordered"});

    let (plain, _) = office.desk_ticket(&[]);
    let (code, body) = call_op(&office, &manager, &plain, review.clone());
    assert_eq!(
        code, 403,
        "the manager reviews only major complaints: {body}"
    );

    let (id, _) = office.desk_ticket(&[]);
    op(
        &office,
        &office.desk,
        &id,
        json!({"op": "amend_intake", "major": true}),
    );
    op(
        &office,
        &dept.supervisor,
        &id,
        json!({"op": "decide", "disposition": "repair_on_site", "rationale": "coil rewound"}),
    );
    op(
        &office,
        &dept.qa,
        &id,
        json!({"op": "record_cause", "cause": "coil insulation"}),
    );
    op(
        &office,
        &dept.qa,
        &id,
        json!({"op": "rule_responsibility", "responsibility": "supplier"}),
    );
    assert_eq!(
        close_refusal(&office, &id),
        ["manager_review", "rnd_responsibility"]
    );
    for other in [
        &dept.supervisor,
        &dept.qa,
        &rnd,
        &office.desk,
        &dept.technical,
    ] {
        let (code, body) = call_op(&office, other, &id, review.clone());
        assert_eq!(code, 403, "{body}");
    }
    op(&office, &manager, &id, review);
    assert_eq!(close_refusal(&office, &id), ["rnd_responsibility"]);
    op(
        &office,
        &rnd,
        &id,
        json!({"op": "rule_responsibility", "responsibility": "supplier"}),
    );
    op(
        &office,
        &office.desk,
        &id,
        json!({"op": "close", "note": "replaced"}),
    );
    let (_, detail) = office
        .server
        .call("GET", &format!("/v1/tickets/{id}"), &office.desk, None);
    let quality = &detail["view"]["quality"];
    assert_eq!(quality["ruled_by_role"], "rn_d");
    assert_eq!(quality["manager_review"]["reviewed_by"], "gm.zhao");
}

#[test]
fn a_major_complaint_unreviewed_in_time_is_escalated_once_across_restarts() {
    let dir = tempfile::tempdir().expect("dir");
    let clock = ManualClock::at(THURSDAY_10AM);
    let office = Office::on(TestServer::start_in_with(dir.path(), watched(&clock)));
    let manager = office
        .server
        .token(&office.server.user("gm.zhao", Role::Manager));
    let (late, _) = office.desk_ticket(&[]);
    let (reviewed, _) = office.desk_ticket(&[]);
    for id in [&late, &reviewed] {
        op(
            &office,
            &office.desk,
            id,
            json!({"op": "amend_intake", "major": true}),
        );
    }
    op(
        &office,
        &manager,
        &reviewed,
        json!({"op": "review_major_complaint", "note": "on it"}),
    );
    // Thursday the 26th, two working days: due by Monday the 30th.
    clock.advance(4 * DAY);
    assert!(settled(&office.server, EventKind::MajorEscalated, 0).is_empty());
    clock.advance(DAY);
    let escalated = settled(&office.server, EventKind::MajorEscalated, 1);
    assert_eq!(escalated.len(), 1, "{escalated:?}");
    assert_eq!(escalated[0].ticket_id, late);
    assert!(
        matches!(&escalated[0].detail, EventDetail::MajorEscalated(e)
            if e.due.to_string() == "2026-11-30" && e.major_since.to_string() == "2026-11-26"),
        "{escalated:?}"
    );
    for role in [
        Role::Manager,
        Role::RnD,
        Role::QualityAssurance,
        Role::Supervisor,
    ] {
        assert!(escalated[0].audience.contains(&role));
    }

    drop(office);
    clock.advance(DAY);
    let again = TestServer::start_in_with(dir.path(), watched(&clock));
    assert_eq!(settled(&again, EventKind::MajorEscalated, 2).len(), 1);
}
