//! The finance department's duties over the office API as the finance user: a travel advance
//! (差旅借款) paid to the technician on a ticket, the technician's expense claims audited by the
//! technical service department and settled by finance, and the advance cleared (冲账) against
//! them with its balance; the refusals of what belongs to others, which change nothing; and the
//! advances left open on resolved tickets, waiting in finance's queue oldest first.

use fieldledger_core::{Role, TicketId};
use fieldledger_tests::{ManualClock, Office, TestServer};
use serde_json::{Value, json};

use crate::workflow::{MINUTE, THURSDAY_10AM, watched};

/// The office with its finance user and a supervisor, and tokens for technician Zhang.
struct Finance {
    office: Office,
    finance: String,
    supervisor: String,
    zhang: String,
}

impl Finance {
    fn on(office: Office) -> Finance {
        let finance = office.server.user("fin.chen", Role::Finance);
        let supervisor = office.server.user("sup.ma", Role::Supervisor);
        Finance {
            finance: office.server.token(&finance),
            supervisor: office.server.token(&supervisor),
            zhang: office.server.token(&office.zhang),
            office,
        }
    }

    /// The holder of `token` records `op` on ticket `id`; the answer's status and body.
    fn try_op(&self, token: &str, id: &TicketId, op: &Value) -> (u16, Value) {
        self.office.server.call(
            "POST",
            &format!("/v1/tickets/{id}/operations"),
            token,
            Some(op.clone()),
        )
    }

    /// The holder of `token` records `op`, which must be accepted; the entry it made, if any.
    fn op(&self, token: &str, id: &TicketId, op: Value) -> Option<String> {
        let (status, body) = self.try_op(token, id, &op);
        assert_eq!(status, 200, "{op}: {body}");
        body["entry"].as_str().map(String::from)
    }

    /// The holder of `token` is refused each of `ops` with `status` and `code`, and the ticket
    /// is unchanged.
    fn refused(&self, token: &str, id: &TicketId, ops: &[Value], status: u16, code: &str) {
        let before = self.view(&self.office.desk, id)["heads"].clone();
        for op in ops {
            let (answered, body) = self.try_op(token, id, op);
            assert_eq!(
                (answered, body["error"].as_str()),
                (status, Some(code)),
                "{op}: {body}"
            );
        }
        assert_eq!(
            self.view(&self.office.desk, id)["heads"],
            before,
            "a refusal changes nothing"
        );
    }

    /// Ticket `id` as the holder of `token` reads it.
    fn view(&self, token: &str, id: &TicketId) -> Value {
        let path = format!("/v1/tickets/{id}");
        let (status, body) = self.office.server.call("GET", &path, token, None);
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Technician Zhang claims `amount_minor` of `kind` on ticket `id`; the claim's id.
    fn claim(&self, id: &TicketId, kind: &str, amount_minor: i64) -> String {
        let claim = json!({"op": "submit_cost", "kind": kind, "amount_minor": amount_minor,
                           "currency": "CNY", "bearer": "company", "description": "train"});
        self.op(&self.zhang, id, claim).expect("claim")
    }

    /// Technician Zhang serves order `order` of ticket `id` on site and judges the remedy: the
    /// ticket is resolved.
    fn resolve(&self, id: &TicketId, order: &str) {
        let arrive = json!({"op": "arrive", "order_id": order, "site": "pump station"});
        let visit = self.op(&self.zhang, id, arrive).expect("visit");
        self.op(&self.zhang, id, json!({"op": "depart", "visit_id": visit}));
        let decide = json!({"op": "decide", "disposition": "repair_on_site",
                            "rationale": "contactor replaced"});
        self.op(&self.zhang, id, decide);
        assert_eq!(self.view(&self.office.desk, id)["status"], "resolved");
    }

    /// Finance's queue: each line's ticket and reason, in its order.
    fn queue(&self) -> Vec<(String, String)> {
        let (status, body) = self
            .office
            .server
            .call("GET", "/v1/queue", &self.finance, None);
        assert_eq!(status, 200, "{body}");
        body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| (i["ticket_id"].as_str(), i["reason"].as_str()))
            .map(|(t, r)| (t.unwrap_or_default().into(), r.unwrap_or_default().into()))
            .collect()
    }
}

fn advance(technician: &str, amount_minor: i64, order: Option<&str>) -> Value {
    json!({"op": "record_advance", "technician": technician, "amount_minor": amount_minor,
           "currency": "CNY", "reference": "JK-2026-031", "order": order})
}

fn clear(advance_id: &str) -> Value {
    json!({"op": "clear_advance", "advance_id": advance_id, "reference": "CZ-2026-007"})
}

fn audit(cost_id: &str, approved: bool) -> Value {
    let note = if approved {
        ""
    } else {
        "no receipt for the hotel"
    };
    json!({"op": "audit_cost", "cost_id": cost_id, "approved": approved, "note": note})
}

fn settle(cost_id: &str) -> Value {
    json!({"op": "settle_cost", "cost_id": cost_id, "reference": "PZ-2026-118"})
}

#[test]
fn finance_pays_an_advance_settles_the_claims_and_clears_it_with_the_balance() {
    let clock = ManualClock::at(THURSDAY_10AM);
    let f = Finance::on(Office::on(TestServer::start_with(watched(&clock))));
    let zhang = f.office.zhang.clone();
    let (first, order) = f.office.desk_ticket(&[&zhang]);
    let order = order.expect("order");

    // Only finance pays advances, and only to a technician the server knows.
    let paid = advance("tech.zhang", 200_000, Some(&order));
    f.refused(
        &f.zhang,
        &first,
        std::slice::from_ref(&paid),
        403,
        "forbidden",
    );
    f.refused(
        &f.office.desk,
        &first,
        std::slice::from_ref(&paid),
        403,
        "forbidden",
    );
    let strangers = [
        advance("desk.wang", 200_000, None),
        advance("nobody.at.all", 200_000, None),
    ];
    f.refused(&f.finance, &first, &strangers, 400, "not_a_technician");
    let invalid = [
        advance("tech.zhang", 0, None),
        json!({"op": "record_advance", "technician": "tech.zhang", "amount_minor": 100,
               "currency": "yuan", "reference": "JK-1"}),
        json!({"op": "record_advance", "technician": "tech.zhang", "amount_minor": 100,
               "currency": "CNY", "reference": " "}),
    ];
    f.refused(&f.finance, &first, &invalid, 400, "invalid");
    let elsewhere = advance("tech.zhang", 100, Some("e-no-such-order"));
    f.refused(&f.finance, &first, &[elsewhere], 404, "not_found");
    let advance_id = f.op(&f.finance, &first, paid).expect("advance");

    // The technician sees the advance paid to them.
    let seen = f.view(&f.zhang, &first)["view"]["advances"].clone();
    assert_eq!(seen[0]["id"], advance_id.as_str());
    assert_eq!(seen[0]["technician"], "tech.zhang");
    assert_eq!(seen[0]["amount_minor"], 200_000);
    assert_eq!(seen[0]["order"], order.as_str());
    assert_eq!(seen[0]["paid_by"], "fin.chen");
    assert_eq!(seen[0]["clearing"], Value::Null);

    // The technician's expense claims, audited by the technical service department.
    let train = f.claim(&first, "travel", 52_000);
    let hotel = f.claim(&first, "travel", 30_000);
    f.refused(&f.finance, &first, &[audit(&train, true)], 403, "forbidden");
    f.refused(&f.finance, &first, &[clear(&advance_id)], 400, "invalid");
    f.op(&f.supervisor, &first, audit(&train, true));
    f.op(&f.office.desk, &first, audit(&hotel, false));
    assert_eq!(f.queue(), [(first.to_string(), "settlement".to_owned())]);
    f.refused(&f.finance, &first, &[clear(&advance_id)], 400, "invalid");
    for token in [&f.zhang, &f.office.desk, &f.supervisor] {
        f.refused(token, &first, &[settle(&train)], 403, "forbidden");
    }
    f.op(&f.finance, &first, settle(&train));
    assert!(
        f.queue().is_empty(),
        "nothing waits while the ticket is open"
    );

    // A second ticket, where the claims exceed the advance.
    let (second, second_order) = f.office.desk_ticket(&[&zhang]);
    let second_order = second_order.expect("order");
    let second_advance = f
        .op(&f.finance, &second, advance("tech.zhang", 30_000, None))
        .expect("advance");
    let taxi = f.claim(&second, "other", 40_000);
    f.op(&f.office.desk, &second, audit(&taxi, true));
    f.op(&f.finance, &second, settle(&taxi));

    // Once resolved, the advances not cleared wait for finance, the oldest first.
    clock.advance(MINUTE);
    f.resolve(&first, &order);
    clock.advance(MINUTE);
    f.resolve(&second, &second_order);
    let open = |id: &TicketId| (id.to_string(), "advance_open".to_owned());
    assert_eq!(f.queue(), [open(&first), open(&second)]);

    f.refused(
        &f.office.desk,
        &first,
        &[clear(&advance_id)],
        403,
        "forbidden",
    );
    f.refused(
        &f.finance,
        &first,
        &[clear("e-no-such-advance")],
        404,
        "not_found",
    );
    f.op(&f.finance, &first, clear(&advance_id));
    let cleared = &f.view(&f.finance, &first)["view"]["advances"][0]["clearing"];
    assert_eq!(cleared["claims"], json!([train]));
    assert_eq!(cleared["claimed_minor"], 52_000);
    assert_eq!(
        cleared["balance_minor"], -148_000,
        "the technician pays back"
    );
    assert_eq!(cleared["reference"], "CZ-2026-007");
    f.refused(&f.finance, &first, &[clear(&advance_id)], 400, "invalid");
    assert_eq!(f.queue(), [open(&second)]);

    f.op(&f.finance, &second, clear(&second_advance));
    let cleared = &f.view(&f.finance, &second)["view"]["advances"][0]["clearing"];
    assert_eq!(
        cleared["balance_minor"], 10_000,
        "the company owes the technician"
    );
    assert!(f.queue().is_empty());
}

#[test]
fn a_rejection_needs_its_reason_and_the_rejected_cost_stays_listed_with_it() {
    let clock = ManualClock::at(THURSDAY_10AM);
    let f = Finance::on(Office::on(TestServer::start_with(watched(&clock))));
    let zhang = f.office.zhang.clone();
    let (ticket, _) = f.office.desk_ticket(&[&zhang]);
    let hotel = f.claim(&ticket, "travel", 30_000);
    let costs = |state: &str| -> Vec<Value> {
        let path = match state {
            "" => "/v1/costs".to_owned(),
            state => format!("/v1/costs?state={state}"),
        };
        let (status, body) = f.office.server.call("GET", &path, &f.finance, None);
        assert_eq!(status, 200, "{body}");
        body.as_array().expect("costs").clone()
    };
    let reject =
        |note: &str| json!({"op": "audit_cost", "cost_id": hotel, "approved": false, "note": note});

    // Without a reason, a rejection is refused and the cost still waits for its audit.
    f.refused(
        &f.office.desk,
        &ticket,
        &[reject(""), reject("  \n ")],
        400,
        "invalid",
    );
    let waiting = costs("to_audit");
    assert_eq!(waiting.len(), 1);
    assert_eq!(
        (
            &waiting[0]["cost_id"],
            &waiting[0]["description"],
            &waiting[0]["submitted_by"],
            &waiting[0]["audit_note"]
        ),
        (
            &json!(hotel),
            &json!("train"),
            &json!("tech.zhang"),
            &Value::Null
        )
    );
    assert!(waiting[0]["submitted_by_name"].is_string());
    assert!(waiting[0]["submitted_at"].is_i64());
    assert!(costs("rejected").is_empty());

    // With one, the cost is rejected and stays listed with its reason, as the ticket keeps it.
    f.op(
        &f.office.desk,
        &ticket,
        reject("没有住宿发票 no hotel invoice"),
    );
    assert!(costs("to_audit").is_empty());
    let rejected = costs("rejected");
    assert_eq!(rejected.len(), 1);
    assert_eq!(
        (
            &rejected[0]["cost_id"],
            &rejected[0]["approved"],
            &rejected[0]["audit_note"]
        ),
        (
            &json!(hotel),
            &json!(false),
            &json!("没有住宿发票 no hotel invoice")
        )
    );
    assert_eq!(costs("").len(), 1, "every state lists it");
    let kept = &f.view(&f.office.desk, &ticket)["view"]["costs"][0]["audit"];
    assert_eq!(
        (&kept["approved"], &kept["note"]),
        (&json!(false), &json!("没有住宿发票 no hotel invoice"))
    );
    // A rejected cost cannot be settled.
    f.refused(&f.finance, &ticket, &[settle(&hotel)], 400, "invalid");
}
