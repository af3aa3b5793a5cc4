//! People by name (`GET /v1/people`) and the refusal of an operation that names a person the
//! server does not know where it names one: the technicians of a travel order, the addressee of
//! a hand-off, the assignee of a return visit. A refusal answers a code and the parameters a
//! screen needs to say it in the user's language, and stores nothing.

use fieldledger_core::{Role, TicketId, UserId};
use fieldledger_server::accounts::add_user;
use fieldledger_tests::Office;
use serde_json::{Value, json};

/// The office with technician 张伟 (tech.zhang.wei) besides its own.
fn office() -> (Office, UserId) {
    let office = Office::start();
    let id: UserId = "tech.zhang.wei".parse().expect("id");
    add_user(&office.server.state, &id, "张伟", Role::Technician).expect("user");
    (office, id)
}

/// The holder of `token` records `op` on ticket `id`; the status and body of the answer.
fn try_op(office: &Office, token: &str, id: &TicketId, op: &Value) -> (u16, Value) {
    let path = format!("/v1/tickets/{id}/operations");
    office.server.call("POST", &path, token, Some(op.clone()))
}

/// The ticket and the ledger as the desk reads them.
fn snapshot(office: &Office, id: &TicketId) -> (Value, Value) {
    let (_, ticket) = office
        .server
        .call("GET", &format!("/v1/tickets/{id}"), &office.desk, None);
    let (_, ledger) = office.server.call("GET", "/v1/ledger", &office.desk, None);
    (ticket, ledger)
}

#[test]
fn an_operation_naming_an_unknown_person_is_refused_and_changes_nothing() {
    let (office, _) = office();
    let (id, order) = office.desk_ticket(&[&office.zhang]);
    let order = order.expect("order");
    let before = snapshot(&office, &id);
    let order_to = |who: &str| {
        json!({"op": "issue_travel_order", "number": "CC-2026-0102", "kind": "on_site_service",
               "issuing_department": "technical_service", "assignees": [office.li, who]})
    };
    let refusals = [
        (
            order_to("tech.nobody"),
            "not_a_technician",
            "tech.nobody",
            false,
        ),
        (order_to("desk.wang"), "not_a_technician", "desk.wang", true),
        (
            json!({"op": "reassign_order", "order_id": order, "assignees": ["tech.nobody"]}),
            "not_a_technician",
            "tech.nobody",
            false,
        ),
        (
            json!({"op": "hand_off", "to": ["technical"], "person": "eng.nobody", "note": ""}),
            "unknown_person",
            "eng.nobody",
            false,
        ),
        (
            json!({"op": "plan_return_visit", "planned_for": "2027-01-05", "method": "phone",
                   "assignee": "sup.nobody"}),
            "unknown_person",
            "sup.nobody",
            false,
        ),
    ];
    for (op, code, person, known) in refusals {
        let (status, body) = try_op(&office, &office.desk, &id, &op);
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some(code)),
            "{op}: {body}"
        );
        assert_eq!(body["params"]["person"], person, "{body}");
        assert_eq!(body["params"]["known"], known, "{body}");
    }
    assert_eq!(snapshot(&office, &id), before, "a refusal stores nothing");
    // The same operations naming real people are taken.
    let (status, body) = try_op(&office, &office.desk, &id, &order_to(office.zhang.as_str()));
    assert_eq!(status, 200, "{body}");
    let hand_off =
        json!({"op": "hand_off", "to": ["technical"], "person": "desk.wang", "note": ""});
    assert_eq!(try_op(&office, &office.desk, &id, &hand_off).0, 200);
}

#[test]
fn an_invalid_input_names_its_field_and_rule() {
    let (office, _) = office();
    let (id, _) = office.desk_ticket(&[]);
    let before = snapshot(&office, &id);
    let cost = json!({"op": "submit_cost", "kind": "travel", "amount_minor": 0, "currency": "CNY",
                      "bearer": "company", "description": "train"});
    let (status, body) = try_op(&office, &office.desk, &id, &cost);
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid");
    assert_eq!(
        body["params"],
        json!({"field": "amount", "rule": "not_positive"})
    );
    let order = json!({"op": "issue_travel_order", "number": " ", "kind": "on_site_service",
                       "issuing_department": "technical_service", "assignees": [office.zhang]});
    let (_, body) = try_op(&office, &office.desk, &id, &order);
    assert_eq!(
        body["params"],
        json!({"field": "order_number", "rule": "empty"})
    );
    assert_eq!(snapshot(&office, &id), before, "a refusal stores nothing");
}

#[test]
fn dashboard_users_read_people_by_name_and_a_technician_only_themselves() {
    let (office, zhang_wei) = office();
    let (status, people) = office.server.call("GET", "/v1/people", &office.desk, None);
    assert_eq!(status, 200, "{people}");
    let named = people
        .as_array()
        .expect("people")
        .iter()
        .find(|p| p["id"] == zhang_wei.as_str())
        .cloned();
    assert_eq!(
        named,
        Some(json!({"id": "tech.zhang.wei", "name": "张伟", "role": "technician"}))
    );
    let (_, technicians) =
        office
            .server
            .call("GET", "/v1/people?role=technician", &office.desk, None);
    let ids: Vec<&str> = technicians
        .as_array()
        .expect("technicians")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(ids, ["tech.li", "tech.zhang", "tech.zhang.wei"]);
    let (status, body) = office
        .server
        .call("GET", "/v1/people?role=wizard", &office.desk, None);
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_filter")));
    let sales = office.server.user("sales.xu", Role::Sales);
    let (status, seen) =
        office
            .server
            .call("GET", "/v1/people", &office.server.token(&sales), None);
    assert_eq!(
        (status, seen.as_array().map(Vec::len)),
        (200, Some(5)),
        "{seen}"
    );
    let token = office.server.token(&office.zhang);
    let (status, own) = office.server.call("GET", "/v1/people", &token, None);
    assert_eq!(status, 200, "{own}");
    assert_eq!(
        own,
        json!([{"id": "tech.zhang", "name": "tech.zhang", "role": "technician"}])
    );
}
