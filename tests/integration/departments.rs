//! Each department of the regulation doing its part over the office API as its own role: what
//! it may record, the events that tell it when it is its turn, and the refusals of what belongs
//! to another department, which change nothing.

use std::collections::BTreeMap;

use fieldledger_core::{Role, TicketId};
use fieldledger_server::events::detail::DeadlineMissed;
use fieldledger_server::events::{Event, EventDetail, EventKind};
use fieldledger_tests::{ManualClock, Office, TestServer, complaint, kit, sync};
use serde_json::{Value, json};

use crate::workflow::{MINUTE, THURSDAY_10AM, settled, watched};

/// The whole staff of the regulation, one user with an API token per role.
struct Staff {
    office: Office,
    tokens: BTreeMap<Role, String>,
}

impl Staff {
    fn start() -> Staff {
        Staff::on(Office::start())
    }

    fn on(office: Office) -> Staff {
        let mut tokens = BTreeMap::new();
        for (id, role) in [
            ("sup.ma", Role::Supervisor),
            ("com.li", Role::Commerce),
            ("qa.liu", Role::QualityAssurance),
            ("insp.sun", Role::Inspection),
            ("tech.dept.he", Role::Technical),
            ("rnd.gao", Role::RnD),
            ("mfg.zhao", Role::Manufacturing),
            ("proc.wu", Role::Procurement),
            ("fin.chen", Role::Finance),
            ("sales.qian", Role::Sales),
            ("gm.zhou", Role::Manager),
        ] {
            let user = office.server.user(id, role);
            tokens.insert(role, office.server.token(&user));
        }
        tokens.insert(Role::ServiceDesk, office.desk.clone());
        Staff { office, tokens }
    }

    /// `role` records `op` on ticket `id`; the answer's status and body.
    fn try_op(&self, role: Role, id: &TicketId, op: Value) -> (u16, Value) {
        self.office.server.call(
            "POST",
            &format!("/v1/tickets/{id}/operations"),
            &self.tokens[&role],
            Some(op),
        )
    }

    /// `role` records `op`, which must be accepted; the entry it made, if any.
    fn op(&self, role: Role, id: &TicketId, op: Value) -> Option<String> {
        let (status, body) = self.try_op(role, id, op.clone());
        assert_eq!(status, 200, "{role:?} {op}: {body}");
        body["entry"].as_str().map(String::from)
    }

    /// `role` is refused each of `ops` as another department's, and the ticket is unchanged.
    fn refused(&self, role: Role, id: &TicketId, ops: &[Value]) {
        let before = self.heads(id);
        for op in ops {
            let (status, body) = self.try_op(role, id, op.clone());
            assert_eq!(status, 403, "{role:?} {op}: {body}");
            assert_eq!(body["error"], "forbidden", "{body}");
        }
        assert_eq!(self.heads(id), before, "a refusal changes nothing");
    }

    fn view(&self, id: &TicketId) -> Value {
        let (status, body) =
            self.office
                .server
                .call("GET", &format!("/v1/tickets/{id}"), &self.office.desk, None);
        assert_eq!(status, 200, "{body}");
        body
    }

    fn heads(&self, id: &TicketId) -> Value {
        self.view(id)["heads"].clone()
    }

    fn status(&self, id: &TicketId) -> String {
        self.view(id)["status"].as_str().expect("status").to_owned()
    }

    /// A complaint registered by the desk, with a replacement decided by the supervisor.
    fn replacement(&self) -> TicketId {
        let (id, _) = self.office.desk_ticket(&[]);
        self.op(
            Role::Supervisor,
            &id,
            json!({"op": "decide", "disposition": "replace", "rationale": "breaker burnt out"}),
        );
        id
    }

    /// The events of ticket `id` in the outbox.
    fn events(&self, id: &TicketId) -> Vec<Event> {
        let events = self.office.server.state.storage.events_after(0, 10_000);
        events
            .expect("outbox")
            .into_iter()
            .filter(|e| &e.ticket_id == id)
            .collect()
    }

    /// The steps of the fulfilment turns of ticket `id`, each with the roles told of it.
    fn turns(&self, id: &TicketId) -> Vec<(String, Vec<Role>)> {
        self.events(id)
            .iter()
            .filter_map(|e| match &e.detail {
                EventDetail::FulfilmentTurn(t) => {
                    Some((t.step.as_str().to_owned(), e.audience.clone()))
                }
                _ => None,
            })
            .collect()
    }
}

fn manufacture() -> Value {
    json!({"op": "record_manufacture", "note": "new VS1-12 breaker"})
}

fn outgoing_test(verdict: &str) -> Value {
    json!({"op": "record_outgoing_test", "verdict": verdict, "findings": "withstand 42 kV"})
}

fn ship() -> Value {
    json!({"op": "ship_unit", "shipped_on": "2026-12-03", "note": "SF 7788"})
}

fn procure(step: &str) -> Value {
    json!({"op": "record_procurement", "step": step, "note": "VS1-12 interrupter"})
}

#[test]
fn the_hand_off_reaches_the_departments_it_names_and_each_acknowledges_it_once() {
    let staff = Staff::start();
    let (id, _) = staff.office.desk_ticket(&[]);
    let handoff = staff
        .op(
            Role::ServiceDesk,
            &id,
            json!({"op": "hand_off", "to": ["technical", "quality_assurance"],
                   "person": "tech.dept.he", "note": "breaker trips at 40% load"}),
        )
        .expect("hand-off");
    let told: Vec<Role> = staff
        .events(&id)
        .iter()
        .find(|e| e.kind() == EventKind::HandedOff)
        .map(|e| e.audience.clone())
        .expect("handed_off");
    for role in [Role::Technical, Role::QualityAssurance, Role::ServiceDesk] {
        assert!(told.contains(&role), "{told:?}");
    }
    assert!(!told.contains(&Role::Finance));

    let acknowledge = json!({"op": "acknowledge_hand_off", "handoff_id": handoff});
    // Finance and manufacturing were not addressed; the desk sent it.
    for role in [Role::Finance, Role::Manufacturing, Role::ServiceDesk] {
        staff.refused(role, &id, std::slice::from_ref(&acknowledge));
    }
    staff.op(Role::Technical, &id, acknowledge.clone());
    let (status, body) = staff.try_op(Role::Technical, &id, acknowledge.clone());
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid")),
        "{body}"
    );
    staff.op(Role::QualityAssurance, &id, acknowledge);
    let acknowledged: Vec<(String, String)> =
        staff.view(&id)["view"]["dispatch"]["acknowledgements"]
            .as_array()
            .expect("acknowledgements")
            .iter()
            .map(|a| (a["role"].to_string(), a["by"].to_string()))
            .collect();
    assert_eq!(
        acknowledged,
        [
            (r#""technical""#.into(), r#""tech.dept.he""#.into()),
            (r#""quality_assurance""#.into(), r#""qa.liu""#.into()),
        ]
    );
    let kinds: Vec<EventKind> = staff.events(&id).iter().map(Event::kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::Registered,
            EventKind::HandedOff,
            EventKind::HandoffAcknowledged,
            EventKind::HandoffAcknowledged,
        ]
    );
}

#[test]
fn manufacturing_builds_the_replacement_when_told_and_does_nothing_of_the_others() {
    let staff = Staff::start();
    let id = staff.replacement();
    assert_eq!(staff.status(&id), "awaiting_manufacture");
    let turns = staff.turns(&id);
    assert_eq!(turns.len(), 1);
    assert_eq!(turns[0].0, "manufacture");
    assert!(turns[0].1.contains(&Role::Manufacturing), "{turns:?}");
    staff.refused(
        Role::Manufacturing,
        &id,
        &[
            outgoing_test("passed"),
            ship(),
            procure("materials_ordered"),
            json!({"op": "record_installation", "note": "bay 3"}),
            json!({"op": "record_cause", "cause": "weld"}),
            json!({"op": "close"}),
        ],
    );
    staff.op(Role::Manufacturing, &id, manufacture());
    assert_eq!(staff.status(&id), "awaiting_outgoing_test");
}

#[test]
fn procurement_holds_the_build_until_its_material_and_supplier_repairs_are_in() {
    let staff = Staff::start();
    let id = staff.replacement();
    staff.op(Role::Procurement, &id, procure("materials_ordered"));
    assert_eq!(staff.status(&id), "awaiting_materials");
    staff.op(Role::Procurement, &id, procure("sent_to_supplier"));
    staff.op(Role::Procurement, &id, procure("materials_received"));
    assert_eq!(staff.status(&id), "awaiting_supplier_repair");
    staff.op(Role::Procurement, &id, procure("returned_by_supplier"));
    assert_eq!(staff.status(&id), "awaiting_manufacture");
    let steps: Vec<String> = staff.turns(&id).into_iter().map(|(s, _)| s).collect();
    assert_eq!(
        steps,
        ["manufacture", "materials", "supplier_repair", "manufacture"]
    );
    staff.refused(
        Role::Procurement,
        &id,
        &[manufacture(), outgoing_test("passed"), ship()],
    );
    // A step procurement does not know is bad input, not a refusal.
    let (status, body) = staff.try_op(Role::Procurement, &id, procure("bribed_supplier"));
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("bad_body")),
        "{body}"
    );
}

#[test]
fn inspection_tests_before_shipment_and_a_failure_sends_the_unit_back() {
    let staff = Staff::start();
    let id = staff.replacement();
    staff.op(Role::Manufacturing, &id, manufacture());
    staff.refused(
        Role::Inspection,
        &id,
        &[
            manufacture(),
            ship(),
            json!({"op": "settle_cost", "cost_id": "x", "reference": "y"}),
        ],
    );
    // An outgoing test passes or fails; "no defect found" is an incoming verdict.
    let (status, body) = staff.try_op(Role::Inspection, &id, outgoing_test("no_defect_found"));
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid")),
        "{body}"
    );
    staff.op(Role::Inspection, &id, outgoing_test("failed"));
    assert_eq!(staff.status(&id), "awaiting_manufacture");
    staff.op(Role::Manufacturing, &id, manufacture());
    staff.op(Role::Inspection, &id, outgoing_test("passed"));
    assert_eq!(staff.status(&id), "awaiting_shipment");
    let steps: Vec<(String, bool)> = staff
        .turns(&id)
        .into_iter()
        .map(|(s, told)| (s, told.contains(&Role::Inspection)))
        .collect();
    assert_eq!(
        steps,
        [
            ("manufacture".into(), false),
            ("outgoing_test".into(), true),
            ("manufacture".into(), false),
            ("outgoing_test".into(), true),
            ("shipment".into(), false),
        ]
    );
}

#[test]
fn commerce_ships_the_tested_unit_and_the_technician_installs_it() {
    let staff = Staff::start();
    let (id, _) = staff.office.desk_ticket(&[&staff.office.zhang]);
    let dir = tempfile::tempdir().expect("dir");
    let zhang = staff.office.device(&dir, &staff.office.zhang);
    sync(&zhang).expect("sync");
    let visit = zhang.arrive(&id, "Cangzhou substation bay 3");
    for step in [
        kit::decide(
            fieldledger_core::ticket::decision::Disposition::Replace,
            "breaker burnt out",
        ),
        kit::depart(&visit),
    ] {
        zhang.record(&id, &step).expect("on site");
    }
    sync(&zhang).expect("sync");
    staff.op(Role::Manufacturing, &id, manufacture());
    staff.op(Role::Inspection, &id, outgoing_test("passed"));
    staff.refused(
        Role::Commerce,
        &id,
        &[
            outgoing_test("passed"),
            json!({"op": "record_installation", "note": "x"}),
        ],
    );
    staff.op(Role::Commerce, &id, ship());
    assert_eq!(staff.status(&id), "awaiting_installation");
    // The office cannot say the unit is installed; the technician on site does.
    staff.refused(
        Role::ServiceDesk,
        &id,
        &[json!({"op": "record_installation", "note": "bay 3"})],
    );
    sync(&zhang).expect("sync");
    zhang
        .record(
            &id,
            &fieldledger_core::Operation::RecordInstallation {
                note: "bay 3, energised".into(),
            },
        )
        .expect("installed");
    sync(&zhang).expect("sync");
    assert_eq!(staff.status(&id), "resolved");
    let fulfilment = &staff.view(&id)["view"]["fulfilment"];
    // In the order of their device times: the phone's clock is its own.
    let mut kinds: Vec<&str> = fulfilment
        .as_array()
        .expect("track")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        ["installed", "manufactured", "outgoing_test", "shipped"]
    );
}

#[test]
fn a_ticket_without_a_replacement_or_return_has_no_track_to_record_on() {
    let staff = Staff::start();
    let (id, _) = staff.office.desk_ticket(&[]);
    staff.op(
        Role::Supervisor,
        &id,
        json!({"op": "decide", "disposition": "repair_on_site", "rationale": "contacts"}),
    );
    let before = staff.heads(&id);
    for (role, op) in [
        (Role::Manufacturing, manufacture()),
        (Role::Commerce, ship()),
        (Role::Procurement, procure("materials_ordered")),
    ] {
        let (status, body) = staff.try_op(role, &id, op);
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid")),
            "{body}"
        );
    }
    assert_eq!(staff.heads(&id), before);
    assert!(staff.turns(&id).is_empty());
}

impl Staff {
    /// The queue of `role`: each line's ticket and reason.
    fn queue(&self, role: Role) -> Vec<(String, String, Value)> {
        let (status, body) = self
            .office
            .server
            .call("GET", "/v1/queue", &self.tokens[&role], None);
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["role"], role.as_str());
        body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| {
                (
                    i["ticket_id"].as_str().unwrap_or_default().to_owned(),
                    i["reason"].as_str().unwrap_or_default().to_owned(),
                    i["due"].clone(),
                )
            })
            .collect()
    }

    /// The reasons ticket `id` is in `role`'s queue.
    fn reasons(&self, role: Role, id: &TicketId) -> Vec<String> {
        self.queue(role)
            .into_iter()
            .filter(|(t, _, _)| t == id.as_str())
            .map(|(_, reason, _)| reason)
            .collect()
    }

    /// A ticket of `kind` registered over the API by `role`, a complaint or not.
    fn register(&self, role: Role, kind: &str, is_complaint: bool) -> TicketId {
        let mut registration = complaint("Tangshan Steel");
        registration.kind = serde_json::from_value(json!(kind)).expect("kind");
        registration.complaint = is_complaint;
        self.office.register(&self.tokens[&role], &registration)
    }
}

#[test]
fn the_technical_department_analyses_guides_writes_its_letter_and_sends_drawings() {
    let staff = Staff::start();
    let (id, _) = staff.office.desk_ticket(&[]);
    let handoff = staff.op(
        Role::ServiceDesk,
        &id,
        json!({"op": "hand_off", "to": ["technical"], "note": "cause analysis, please"}),
    );
    staff.op(
        Role::Technical,
        &id,
        json!({"op": "acknowledge_hand_off", "handoff_id": handoff}),
    );
    staff.op(
        Role::Technical,
        &id,
        json!({"op": "record_cause", "cause": "closing spring pre-load set too low at the works"}),
    );
    let guidance = json!({"op": "issue_guidance", "kind": "guidance", "title": "JS-2026-07",
                          "body": "Reset the pre-load to 12 mm and test five closings."});
    let plan = json!({"op": "issue_guidance", "kind": "retrofit_plan", "title": "ZG-2026-02",
                      "body": "Replace the springs of every unit of batch 2025-11."});
    staff.op(Role::Technical, &id, guidance.clone());
    staff.op(Role::RnD, &id, plan);
    let letter = json!({"op": "draft_letter", "number": "JF-2026-044",
                        "body": "Cause: spring pre-load. Remedy: reset and retrofit."});
    let delivery = json!({"op": "record_letter_delivery", "note": "EMS 1187 2290 3341"});
    // Other departments do not write the technical department's papers.
    staff.refused(
        Role::QualityAssurance,
        &id,
        &[
            guidance.clone(),
            letter.clone(),
            json!({"op": "issue_letter"}),
        ],
    );
    staff.refused(Role::Manufacturing, &id, &[guidance, delivery.clone()]);
    staff.op(Role::Technical, &id, letter);
    assert_eq!(staff.reasons(Role::Technical, &id), ["letter"]);
    // A letter not yet issued has not reached anyone: refused, and nothing changes.
    let before = staff.heads(&id);
    let (status, body) = staff.try_op(Role::Technical, &id, delivery.clone());
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("issued")),
        "{body}"
    );
    assert_eq!(staff.heads(&id), before);
    staff.op(Role::Technical, &id, json!({"op": "issue_letter"}));
    assert_eq!(staff.reasons(Role::Technical, &id), ["letter_delivery"]);
    staff.op(Role::ServiceDesk, &id, delivery);
    assert!(staff.reasons(Role::Technical, &id).is_empty());

    // Drawings are owed once the product ships, and only then.
    staff.op(
        Role::Commerce,
        &id,
        json!({"op": "record_shipment", "shipped_on": "2026-12-01", "note": "SF 7731"}),
    );
    assert_eq!(staff.reasons(Role::Technical, &id), ["drawings"]);
    staff.refused(
        Role::ServiceDesk,
        &id,
        &[json!({"op": "send_drawings", "note": "x"})],
    );
    staff.op(
        Role::Technical,
        &id,
        json!({"op": "send_drawings", "note": "wiring and layout, to the drawing mailbox"}),
    );
    assert!(staff.reasons(Role::Technical, &id).is_empty());

    let view = &staff.view(&id)["view"];
    let papers: Vec<(&str, &str)> = view["quality"]["guidance"]
        .as_array()
        .expect("guidance")
        .iter()
        .map(|g| {
            (
                g["kind"].as_str().unwrap_or(""),
                g["by"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        papers,
        [("guidance", "tech.dept.he"), ("retrofit_plan", "rnd.gao")]
    );
    assert_eq!(view["letter"]["status"], "issued");
    assert_eq!(view["letter"]["delivery_note"], "EMS 1187 2290 3341");
    assert_eq!(view["letter"]["delivered_by"], "desk.wang");
}

#[test]
fn each_department_finds_in_its_queue_what_waits_for_it_until_it_is_done() {
    let staff = Staff::start();
    let (id, _) = staff.office.desk_ticket(&[]);
    let due = staff
        .queue(Role::ServiceDesk)
        .into_iter()
        .find(|(t, reason, _)| t == id.as_str() && reason == "awaiting_handoff")
        .map(|(_, _, due)| due)
        .expect("the desk's queue holds the complaint to hand off");
    assert!(
        due.as_i64().is_some(),
        "the 30-minute limit is shown: {due}"
    );

    let handoff = staff.op(
        Role::ServiceDesk,
        &id,
        json!({"op": "hand_off", "to": ["technical"], "note": "cause analysis"}),
    );
    assert!(staff.reasons(Role::ServiceDesk, &id).is_empty());
    assert_eq!(staff.reasons(Role::Technical, &id), ["handoff"]);
    assert!(staff.reasons(Role::Finance, &id).is_empty());
    staff.op(
        Role::Technical,
        &id,
        json!({"op": "acknowledge_hand_off", "handoff_id": handoff}),
    );
    assert!(staff.reasons(Role::Technical, &id).is_empty());

    staff.op(
        Role::Supervisor,
        &id,
        json!({"op": "decide", "disposition": "replace", "rationale": "burnt out"}),
    );
    assert_eq!(staff.reasons(Role::Manufacturing, &id), ["manufacture"]);
    assert_eq!(
        staff.reasons(Role::QualityAssurance, &id),
        ["cause", "responsibility"]
    );
    staff.op(Role::Manufacturing, &id, manufacture());
    assert!(staff.reasons(Role::Manufacturing, &id).is_empty());
    assert_eq!(staff.reasons(Role::Inspection, &id), ["outgoing_test"]);

    let cost = staff.op(
        Role::ServiceDesk,
        &id,
        json!({"op": "submit_cost", "kind": "travel", "amount_minor": 52_000, "currency": "CNY",
               "bearer": "company", "description": "train"}),
    );
    assert_eq!(staff.reasons(Role::Supervisor, &id), ["cost_audit"]);
    staff.op(
        Role::Supervisor,
        &id,
        json!({"op": "audit_cost", "cost_id": cost, "approved": true, "note": "ok"}),
    );
    assert_eq!(staff.reasons(Role::Finance, &id), ["settlement"]);

    // A technician's queue holds only what they may read: nothing of a ticket not theirs.
    let technician = staff.office.server.token(&staff.office.zhang);
    let (status, body) = staff
        .office
        .server
        .call("GET", "/v1/queue", &technician, None);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"], json!([]));
    let (status, _) = staff
        .office
        .server
        .call("GET", "/v1/queue", "not-a-token", None);
    assert_eq!(status, 401);
}

#[test]
fn the_thirty_minute_rule_runs_from_the_desks_confirmation_and_counts_only_complaints() {
    let clock = ManualClock::at(THURSDAY_10AM);
    let staff = Staff::on(Office::on(TestServer::start_with(watched(&clock))));
    // A complaint the desk registers is confirmed at once; an inquiry and an installation job
    // never run the clock; a complaint commerce registers runs it once the desk confirms it.
    let complaint = staff.register(Role::ServiceDesk, "complaint", true);
    let inquiry = staff.register(Role::ServiceDesk, "inquiry", false);
    let installation = staff.register(Role::Commerce, "installation", false);
    let reported = staff.register(Role::Commerce, "complaint", true);
    assert!(staff.reasons(Role::ServiceDesk, &reported).is_empty());
    clock.advance(20 * MINUTE);
    staff.op(
        Role::ServiceDesk,
        &reported,
        json!({"op": "amend_intake", "complaint": true}),
    );
    assert_eq!(
        staff.reasons(Role::ServiceDesk, &reported),
        ["awaiting_handoff"]
    );
    clock.advance(11 * MINUTE);
    let missed = settled(&staff.office.server, EventKind::DeadlineMissed, 1);
    let late: Vec<&TicketId> = missed.iter().map(|e| &e.ticket_id).collect();
    assert_eq!(late, [&complaint], "{missed:?}");
    // The confirmed one is handed off 25 minutes after its confirmation: in time.
    clock.advance(14 * MINUTE);
    for id in [&reported, &complaint, &inquiry, &installation] {
        staff.op(
            Role::ServiceDesk,
            id,
            json!({"op": "hand_off", "to": ["technical"], "note": "please act"}),
        );
    }
    clock.advance(40 * MINUTE);
    let missed = settled(&staff.office.server, EventKind::DeadlineMissed, 1);
    assert_eq!(
        missed.len(),
        1,
        "no other ticket missed the limit: {missed:?}"
    );
    assert!(matches!(
        &missed[0].detail,
        EventDetail::DeadlineMissed(DeadlineMissed::Handoff { .. })
    ));
    let (status, stats) = staff.office.server.call(
        "GET",
        "/v1/statistics/handoff",
        &staff.tokens[&Role::QualityAssurance],
        None,
    );
    assert_eq!(status, 200, "{stats}");
    assert_eq!(
        stats["tickets"], 2,
        "only the confirmed complaints count: {stats}"
    );
    assert_eq!(stats["handed_off"], 2, "{stats}");
    assert_eq!(stats["on_time_by_device"], 1, "{stats}");
    assert_eq!(stats["on_time_by_receipt"], 1, "{stats}");
    // The inquiry's page shows no hand-off limit at all; the complaint's shows it missed.
    let deadline = |id: &TicketId| staff.view(id)["deadlines"][0]["deadline"].clone();
    assert_eq!(deadline(&inquiry), json!(null));
    assert_eq!(deadline(&complaint), json!("handoff"));
}

/// The successor of `workflow::one_complaint_walks_the_whole_flow_with_its_events_in_order`:
/// a major complaint through every department of the regulation, a replacement through
/// procurement, manufacturing, inspection, commerce and the technician, the manager's review
/// before it closes, and its events in order.
#[test]
fn a_major_complaint_walks_through_every_department_with_its_events_in_order() {
    let staff = Staff::start();
    let mut registration = complaint("Tangshan Steel");
    registration.major = true;
    registration.sales_rep = Some("sales.qian".parse().expect("user id"));
    let id = staff.office.register(&staff.office.desk, &registration);

    // The desk hands it off within the half hour, naming the sales representative, who may
    // then read it; each department acknowledges it.
    let handoff = staff.op(
        Role::ServiceDesk,
        &id,
        json!({"op": "hand_off", "person": "sales.qian", "note": "major: breaker fire",
               "to": ["technical", "quality_assurance", "rn_d", "manager", "sales"]}),
    );
    for role in [
        Role::Technical,
        Role::QualityAssurance,
        Role::RnD,
        Role::Manager,
        Role::Sales,
    ] {
        staff.op(
            role,
            &id,
            json!({"op": "acknowledge_hand_off", "handoff_id": handoff}),
        );
    }
    let order = staff.op(
        Role::ServiceDesk,
        &id,
        json!({"op": "issue_travel_order", "number": "CC-2026-0301", "kind": "on_site_service",
               "issuing_department": "technical_service", "assignees": [staff.office.zhang]}),
    );
    // Finance pays the technician a travel advance against the order.
    let advance = staff.op(
        Role::Finance,
        &id,
        json!({"op": "record_advance", "technician": staff.office.zhang, "amount_minor": 300_000,
               "currency": "CNY", "reference": "JK-2026-0301", "order": order}),
    );

    // On site, offline: the technician judges a replacement.
    let dir = tempfile::tempdir().expect("dir");
    let zhang = staff.office.device(&dir, &staff.office.zhang);
    sync(&zhang).expect("sync");
    let visit = zhang.arrive(&id, "Tangshan steelworks substation 4");
    for step in [
        kit::decide(
            fieldledger_core::ticket::decision::Disposition::Replace,
            "breaker burnt out in the fire",
        ),
        kit::depart(&visit),
    ] {
        zhang.record(&id, &step).expect("on site");
    }
    sync(&zhang).expect("sync");

    // The replacement through the factory and back to the site.
    staff.op(Role::Procurement, &id, procure("materials_ordered"));
    staff.op(Role::Procurement, &id, procure("materials_received"));
    staff.op(Role::Manufacturing, &id, manufacture());
    staff.op(Role::Inspection, &id, outgoing_test("passed"));
    staff.op(Role::Commerce, &id, ship());
    sync(&zhang).expect("sync");
    zhang
        .record(
            &id,
            &fieldledger_core::Operation::RecordInstallation {
                note: "installed and energised".into(),
            },
        )
        .expect("installed");
    sync(&zhang).expect("sync");
    assert_eq!(staff.status(&id), "resolved");

    // Cause and responsibility: the technical department's analysis, R&D's ruling, QA's
    // corrective action carried out by manufacturing; the technical analysis letter.
    staff.op(
        Role::Technical,
        &id,
        json!({"op": "record_cause", "cause": "arc flash from a loose busbar joint"}),
    );
    staff.op(
        Role::RnD,
        &id,
        json!({"op": "rule_responsibility", "responsibility": "manufacturing"}),
    );
    let action = staff.op(
        Role::QualityAssurance,
        &id,
        json!({"op": "add_corrective_action", "kind": "corrective", "owner": "总装车间",
               "owner_department": "manufacturing", "due": "2099-12-31",
               "description": "torque-check every busbar joint"}),
    );
    staff.op(
        Role::Manufacturing,
        &id,
        json!({"op": "set_action_status", "action_id": action, "status": "done",
               "evidence": "torque records QR-2026-118"}),
    );
    staff.op(
        Role::QualityAssurance,
        &id,
        json!({"op": "set_action_status", "action_id": action, "status": "verified"}),
    );
    staff.op(
        Role::Technical,
        &id,
        json!({"op": "draft_letter", "number": "JF-2026-031", "body": "Analysis: busbar joint."}),
    );
    staff.op(Role::Technical, &id, json!({"op": "issue_letter"}));
    staff.op(
        Role::Technical,
        &id,
        json!({"op": "record_letter_delivery", "note": "EMS 1187 2290 3341"}),
    );
    staff.op(
        Role::Technical,
        &id,
        json!({"op": "issue_guidance", "kind": "retrofit_plan", "title": "ZG-2026-02",
               "body": "Torque-check the busbar joints of every unit of batch 2025-11."}),
    );

    // The representative hears from the customer: not yet, the drawings are missing; then yes.
    staff.op(
        Role::Sales,
        &id,
        json!({"op": "confirm_service_met", "met": false, "note": "wants the new drawings"}),
    );
    staff.op(
        Role::Sales,
        &id,
        json!({"op": "confirm_service_met", "met": true, "note": "drawings received"}),
    );

    // Costs: the sales representative's share, audited by the supervisor, settled by finance.
    let cost = staff.op(
        Role::Sales,
        &id,
        json!({"op": "submit_cost", "kind": "freight", "amount_minor": 180_000, "currency": "CNY",
               "bearer": "sales_representative", "borne_by": "sales.qian",
               "description": "express freight, promised"}),
    );
    staff.op(
        Role::Supervisor,
        &id,
        json!({"op": "audit_cost", "cost_id": cost, "approved": true, "note": "agreed"}),
    );
    staff.op(
        Role::Finance,
        &id,
        json!({"op": "settle_cost", "cost_id": cost, "reference": "PZ-2026-1207"}),
    );
    // The technician's expense claim, audited and settled, clears the advance.
    let (status, body) = staff.office.server.call(
        "POST",
        &format!("/v1/tickets/{id}/operations"),
        &staff.office.server.token(&staff.office.zhang),
        Some(
            json!({"op": "submit_cost", "kind": "travel", "amount_minor": 265_000,
                    "currency": "CNY", "bearer": "company", "description": "train and hotel"}),
        ),
    );
    assert_eq!(status, 200, "{body}");
    let claim = body["entry"].clone();
    staff.op(
        Role::Supervisor,
        &id,
        json!({"op": "audit_cost", "cost_id": claim, "approved": true, "note": "receipts seen"}),
    );
    staff.op(
        Role::Finance,
        &id,
        json!({"op": "settle_cost", "cost_id": claim, "reference": "PZ-2026-1208"}),
    );
    staff.op(
        Role::Finance,
        &id,
        json!({"op": "clear_advance", "advance_id": advance, "reference": "CZ-2026-0301"}),
    );
    let advances = staff.view(&id)["view"]["advances"].clone();
    assert_eq!(
        advances[0]["clearing"]["balance_minor"], -35_000,
        "{advances}"
    );

    // It closes only once the general manager has seen it.
    let (status, body) = staff.try_op(Role::ServiceDesk, &id, json!({"op": "close"}));
    assert_eq!(
        (status, body["missing"].clone()),
        (409, json!(["manager_review"])),
        "{body}"
    );
    staff.op(
        Role::Manager,
        &id,
        json!({"op": "review_major_complaint", "note": "busbar audit in every workshop"}),
    );
    staff.op(
        Role::ServiceDesk,
        &id,
        json!({"op": "close", "note": "all recorded"}),
    );
    assert_eq!(staff.status(&id), "closed");

    // The return visit is the desk's, who confirmed the complaint.
    let followups = staff.view(&id)["view"]["followups"].clone();
    let planned = followups.as_array().expect("followups");
    assert!(!planned.is_empty(), "{followups}");
    assert!(
        planned.iter().all(|f| f["assignee"] == "desk.wang"),
        "{followups}"
    );

    let kinds: Vec<String> = staff
        .events(&id)
        .iter()
        .map(|e| match &e.detail {
            EventDetail::FulfilmentTurn(t) => format!("fulfilment_turn:{}", t.step.as_str()),
            _ => e.kind().as_str().to_owned(),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "registered",
            "major_complaint",
            "handed_off",
            "handoff_acknowledged",
            "handoff_acknowledged",
            "handoff_acknowledged",
            "handoff_acknowledged",
            "handoff_acknowledged",
            "dispatched",
            "arrived_on_site",
            "decision_recorded",
            "replacement_or_return_requested",
            "fulfilment_turn:manufacture",
            "fulfilment_turn:materials",
            "fulfilment_turn:manufacture",
            "fulfilment_turn:outgoing_test",
            "fulfilment_turn:shipment",
            "fulfilment_turn:installation",
            "service_not_met",
            "cost_submitted",
            "cost_audited",
            "cost_submitted",
            "cost_audited",
            "closed",
        ]
    );
}

#[test]
fn a_sales_representative_reads_a_ticket_only_once_a_hand_off_names_them() {
    let staff = Staff::start();
    let (id, _) = staff.office.desk_ticket(&[]);
    let sales = &staff.tokens[&Role::Sales];
    let path = format!("/v1/tickets/{id}");
    let (status, _) = staff.office.server.call("GET", &path, sales, None);
    assert_eq!(status, 403, "not theirs to read");
    let handoff = staff.op(
        Role::ServiceDesk,
        &id,
        json!({"op": "hand_off", "to": ["sales"], "note": "the customer asks for the rep"}),
    );
    // Addressed to the marketing centre, but not by name: still not theirs to read.
    let acknowledge = json!({"op": "acknowledge_hand_off", "handoff_id": handoff});
    let (status, _) = staff.try_op(Role::Sales, &id, acknowledge.clone());
    assert_eq!(status, 403);
    staff.op(
        Role::ServiceDesk,
        &id,
        json!({"op": "hand_off", "to": ["sales"], "person": "sales.qian", "note": "please call"}),
    );
    let (status, body) = staff.office.server.call("GET", &path, sales, None);
    assert_eq!(status, 200, "{body}");
    staff.op(Role::Sales, &id, acknowledge);
    assert_eq!(staff.reasons(Role::Sales, &id), ["handoff"]);
    // Reading it is not deciding on it.
    staff.refused(
        Role::Sales,
        &id,
        &[
            json!({"op": "close"}),
            json!({"op": "record_cause", "cause": "x"}),
        ],
    );
}
