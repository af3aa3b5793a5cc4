//! The marketing centre's part, over the office API as the sales representative: the ticket
//! names its representative, who reads it and its costs, confirms whether the service
//! requirements were met once it is resolved (raising `service_not_met` to the technical service
//! department and QA when not), and sees the costs they bear; and the refusals of a person who
//! is no representative, of another representative and of the desk.

use fieldledger_core::{Role, TicketId, UserId};
use fieldledger_server::events::{Event, EventKind};
use fieldledger_tests::{Office, complaint};
use serde_json::{Value, json};

/// A server with the desk, two technicians, two sales representatives and a supervisor.
struct Marketing {
    office: Office,
    xu: String,
    qian: String,
    zhang: String,
    sup: String,
}

impl Marketing {
    fn start() -> Marketing {
        let office = Office::start();
        let token = |id: &str, role: Role| {
            let user = office.server.user(id, role);
            office.server.token(&user)
        };
        let (xu, qian) = (
            token("sales.xu", Role::Sales),
            token("sales.qian", Role::Sales),
        );
        let sup = token("sup.sun", Role::Supervisor);
        let zhang = office.server.token(&office.zhang);
        Marketing {
            office,
            xu,
            qian,
            zhang,
            sup,
        }
    }

    /// A complaint registered by the desk naming `rep`; the answer's status and body.
    fn try_register(&self, rep: &str) -> (u16, Value) {
        let mut registration = json!(complaint("Baoding Textiles"));
        registration["source"] = json!("sales_representative");
        registration["sales_rep"] = json!(rep);
        let server = &self.office.server;
        server.call("POST", "/v1/tickets", &self.office.desk, Some(registration))
    }

    fn register(&self, rep: &str) -> TicketId {
        let (status, body) = self.try_register(rep);
        assert_eq!(status, 201, "{body}");
        body["ticket_id"]
            .as_str()
            .expect("id")
            .parse()
            .expect("ticket id")
    }

    fn try_op(&self, token: &str, id: &TicketId, op: Value) -> (u16, Value) {
        let path = format!("/v1/tickets/{id}/operations");
        self.office.server.call("POST", &path, token, Some(op))
    }

    fn op(&self, token: &str, id: &TicketId, op: Value) -> Option<String> {
        let (status, body) = self.try_op(token, id, op.clone());
        assert_eq!(status, 200, "{op}: {body}");
        body["entry"].as_str().map(String::from)
    }

    fn get(&self, token: &str, path: &str) -> (u16, Value) {
        self.office.server.call("GET", path, token, None)
    }

    fn heads(&self, id: &TicketId) -> Value {
        self.get(&self.office.desk, &format!("/v1/tickets/{id}")).1["heads"].clone()
    }

    /// Technician Zhang visits ticket `id` and repairs it on site: it is resolved.
    fn resolve(&self, id: &TicketId) {
        self.office.operate(
            id,
            json!({"op": "issue_travel_order", "number": "CC-2026-0201", "kind": "on_site_service",
                   "issuing_department": "technical_service", "assignees": ["tech.zhang"]}),
        );
        let visit = self.op(
            &self.zhang,
            id,
            json!({"op": "arrive", "site": "switch room"}),
        );
        self.op(
            &self.zhang,
            id,
            json!({"op": "decide", "disposition": "repair_on_site", "rationale": "parameters"}),
        );
        self.op(&self.zhang, id, json!({"op": "depart", "visit_id": visit}));
    }

    /// What waits for the holder of `token`, as (ticket, reason).
    fn queue(&self, token: &str) -> Vec<(String, String)> {
        let (status, body) = self.get(token, "/v1/queue");
        assert_eq!(status, 200, "{body}");
        body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| {
                let field = |k: &str| i[k].as_str().unwrap_or_default().to_owned();
                (field("ticket_id"), field("reason"))
            })
            .collect()
    }

    fn events(&self, id: &TicketId, kind: EventKind) -> Vec<Event> {
        let events = self.office.server.state.storage.events_after(0, 10_000);
        events
            .expect("outbox")
            .into_iter()
            .filter(|e| &e.ticket_id == id && e.kind() == kind)
            .collect()
    }
}

fn rep(id: &str) -> UserId {
    id.parse().expect("user id")
}

#[test]
fn the_representative_reads_their_ticket_and_confirms_its_service_once_resolved() {
    let m = Marketing::start();
    let id = m.register("sales.xu");
    let path = format!("/v1/tickets/{id}");
    let (status, body) = m.get(&m.xu, &path);
    assert_eq!(status, 200, "the registration names them: {body}");
    assert_eq!(body["view"]["intake"]["sales_rep"], "sales.xu");
    assert_eq!(body["people"]["sales.xu"], "sales.xu");
    let (_, ledger) = m.get(&m.xu, "/v1/ledger");
    assert_eq!(ledger["total"], 1, "{ledger}");
    assert_eq!(ledger["rows"][0]["sales_rep"], "sales.xu");
    // Another representative reads nothing of it, and does not see it in the ledger.
    let (status, _) = m.get(&m.qian, &path);
    assert_eq!(status, 403);
    assert_eq!(m.get(&m.qian, "/v1/ledger").1["total"], 0);

    // Before the ticket is resolved, nothing to confirm.
    let confirm =
        |met: bool, note: &str| json!({"op": "confirm_service_met", "met": met, "note": note});
    let before = m.heads(&id);
    let (status, body) = m.try_op(&m.xu, &id, confirm(true, ""));
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid")),
        "{body}"
    );
    assert!(m.queue(&m.xu).is_empty());
    m.resolve(&id);
    assert_eq!(
        m.queue(&m.xu),
        [(id.to_string(), "service_confirmation".to_owned())]
    );
    assert!(m.queue(&m.qian).is_empty());

    // Neither another representative nor the desk confirms it.
    let before_refusals = m.heads(&id);
    let (status, _) = m.try_op(&m.qian, &id, confirm(true, ""));
    assert_eq!(status, 403, "not theirs to read");
    let (status, body) = m.try_op(&m.office.desk, &id, confirm(true, ""));
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    // Not met needs what the customer said.
    let (status, body) = m.try_op(&m.xu, &id, confirm(false, " "));
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid")),
        "{body}"
    );
    assert_eq!(
        m.heads(&id),
        before_refusals,
        "the refusals changed nothing"
    );
    assert_ne!(before, before_refusals);

    // A representative may read it but not decide on it.
    for op in [
        json!({"op": "close"}),
        json!({"op": "decide", "disposition": "replace", "rationale": "x"}),
    ] {
        let (status, _) = m.try_op(&m.xu, &id, op);
        assert_eq!(status, 403);
    }

    let entry = m.op(&m.xu, &id, confirm(false, "still trips every week"));
    let raised = m.events(&id, EventKind::ServiceNotMet);
    assert_eq!(raised.len(), 1);
    let told = &raised[0].audience;
    for role in [Role::ServiceDesk, Role::Supervisor, Role::QualityAssurance] {
        assert!(told.contains(&role), "{told:?}");
    }
    assert!(
        !told.contains(&Role::Sales) && !told.contains(&Role::Finance),
        "{told:?}"
    );
    let detail = serde_json::to_value(&raised[0].detail).expect("detail");
    assert_eq!(detail["entry"], json!(entry));
    assert_eq!(detail["note"], "still trips every week");
    assert_eq!(detail["by"], "sales.xu");
    assert!(m.queue(&m.xu).is_empty(), "confirmed");
    // A later confirmation that it is met raises nothing more.
    m.op(&m.xu, &id, confirm(true, "fixed on the second visit"));
    assert_eq!(m.events(&id, EventKind::ServiceNotMet).len(), 1);
    let (_, body) = m.get(&m.xu, &path);
    let confirmations = body["view"]["service_confirmations"]
        .as_array()
        .expect("list");
    assert_eq!(confirmations.len(), 2, "{body}");
    assert_eq!(confirmations[1]["met"], true);
}

#[test]
fn a_representative_is_a_known_user_of_the_sales_role() {
    let m = Marketing::start();
    let (_, before) = m.get(&m.office.desk, "/v1/ledger");
    for who in ["sales.nobody", "sup.sun", "tech.zhang"] {
        let (status, body) = m.try_register(who);
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("not_sales_rep")),
            "{body}"
        );
    }
    assert_eq!(
        m.get(&m.office.desk, "/v1/ledger").1["total"],
        before["total"]
    );

    // Amended to another representative: the first one no longer reads it.
    let id = m.register("sales.xu");
    let path = format!("/v1/tickets/{id}");
    let heads = m.heads(&id);
    let (status, body) = m.try_op(
        &m.office.desk,
        &id,
        json!({"op": "amend_intake", "sales_rep": "sup.sun"}),
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("not_sales_rep")),
        "{body}"
    );
    assert_eq!(m.heads(&id), heads);
    m.op(
        &m.sup,
        &id,
        json!({"op": "amend_intake", "sales_rep": "sales.qian"}),
    );
    assert_eq!(m.get(&m.qian, &path).0, 200);
    assert_eq!(m.get(&m.xu, &path).0, 403);
    // A representative does not name themselves.
    let (status, _) = m.try_op(
        &m.qian,
        &id,
        json!({"op": "amend_intake", "sales_rep": "sales.xu"}),
    );
    assert_eq!(status, 403);
}

#[test]
fn a_cost_borne_by_the_representative_names_them_and_is_in_their_list() {
    let m = Marketing::start();
    let id = m.register("sales.xu");
    let other = m.register("sales.qian");
    let cost = |bearer: &str, borne_by: Option<&str>| {
        let mut op = json!({"op": "submit_cost", "kind": "freight", "amount_minor": 180_000,
                            "currency": "CNY", "bearer": bearer,
                            "description": "express freight, promised"});
        if let Some(rep) = borne_by {
            op["borne_by"] = json!(rep);
        }
        op
    };
    // Left out, it is the ticket's representative; the representative submits one too.
    let by_desk = m.op(&m.office.desk, &id, cost("sales_representative", None));
    m.op(&m.xu, &id, cost("sales_representative", Some("sales.xu")));
    m.op(&m.office.desk, &id, cost("company", None));
    m.op(&m.office.desk, &other, cost("sales_representative", None));

    let heads = m.heads(&id);
    for (op, code) in [
        (cost("company", Some("sales.xu")), "invalid"),
        (
            cost("sales_representative", Some("sup.sun")),
            "not_sales_rep",
        ),
        (
            cost("sales_representative", Some("sales.nobody")),
            "not_sales_rep",
        ),
    ] {
        let (status, body) = m.try_op(&m.office.desk, &id, op.clone());
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some(code)),
            "{op}: {body}"
        );
    }
    assert_eq!(m.heads(&id), heads, "the refusals changed nothing");

    // The representative reads the ticket's costs, and their own list has exactly theirs.
    let (_, body) = m.get(&m.xu, &format!("/v1/tickets/{id}"));
    let borne: Vec<&Value> = body["view"]["costs"]
        .as_array()
        .expect("costs")
        .iter()
        .map(|c| &c["borne_by"])
        .collect();
    assert_eq!(
        borne,
        [&json!("sales.xu"), &json!("sales.xu"), &Value::Null]
    );
    let (status, list) = m.get(&m.xu, "/v1/costs?borne_by=sales.qian");
    assert_eq!(status, 200, "{list}");
    let rows = list.as_array().expect("rows");
    assert_eq!(rows.len(), 2, "their own, whatever they ask: {list}");
    assert!(
        rows.iter()
            .all(|r| r["borne_by"] == "sales.xu" && r["ticket_id"] == id.as_str())
    );
    assert!(rows.iter().any(|r| r["cost_id"] == json!(by_desk)));
    // The office filters by the representative.
    let (_, list) = m.get(&m.office.desk, "/v1/costs?borne_by=sales.qian");
    let rows = list.as_array().expect("rows");
    assert_eq!(rows.len(), 1, "{list}");
    assert_eq!(rows[0]["ticket_id"], other.as_str());
    // A technician reads no list of costs.
    assert_eq!(m.get(&m.zhang, "/v1/costs").0, 403);
    // The forms offer the representatives by name.
    let (_, reps) = m.get(&m.office.desk, "/v1/sales-representatives");
    let ids: Vec<UserId> = reps
        .as_array()
        .expect("reps")
        .iter()
        .map(|r| r["id"].as_str().expect("id").parse().expect("user id"))
        .collect();
    assert_eq!(ids, [rep("sales.qian"), rep("sales.xu")]);
}
