//! Statistics over a period of days: what each statistic counts in a period and outside it,
//! complaints broken down by customer, disposition, technician, department and time to resolve,
//! the largest groups with the others summed, each statistic as an Excel workbook, and the
//! requests refused (roles without statistics, hostile parameters) without a change.

use std::sync::Arc;

use calamine::Reader;
use fieldledger_core::ticket::decision::Disposition;
use fieldledger_core::{EntryId, Role, TicketId, Timestamp};
use fieldledger_server::Settings;
use fieldledger_server::statistics::sheet::HEADER_ROW;
use fieldledger_tests::{ManualClock, Office, TestServer, complaint, kit};
use serde_json::{Value, json};

/// Thursday 2026-11-26, 10:00 in China (UTC+8).
const NOVEMBER_26_10AM: Timestamp = Timestamp(1_795_658_400_000);
const DAY: i64 = 86_400_000;
const NOVEMBER: &str = "from=2026-11-01&to=2026-11-30";
const DECEMBER: &str = "from=2026-12-01&to=2026-12-31";
const JANUARY: &str = "from=2027-01-01&to=2027-01-31";

/// An office whose server runs on `clock`.
fn office_on(clock: &Arc<ManualClock>) -> Office {
    Office::on(TestServer::start_with(Settings {
        clock: clock.clone(),
        ..Settings::default()
    }))
}

/// `GET /v1/statistics/{path}` as the holder of `token`, which must answer.
fn statistics(office: &Office, token: &str, path: &str) -> Value {
    let (code, body) = office
        .server
        .call("GET", &format!("/v1/statistics/{path}"), token, None);
    assert_eq!(code, 200, "{path}: {body}");
    body
}

/// The groups of complaints by `by` in `period` (a query string, maybe empty), as
/// `(key, complaints)`.
fn groups(office: &Office, token: &str, by: &str, period: &str) -> Vec<(Value, u64)> {
    let body = statistics(office, token, &format!("complaints?by={by}&{period}"));
    body["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| (g["key"].clone(), g["complaints"].as_u64().expect("a count")))
        .collect()
}

/// Records `op` on ticket `id` as the holder of `token`; returns its entry, if any.
fn record(office: &Office, token: &str, id: &TicketId, op: Value) -> Option<String> {
    let path = format!("/v1/tickets/{id}/operations");
    let (code, body) = office.server.call("POST", &path, token, Some(op));
    assert_eq!(code, 200, "{body}");
    body["entry"].as_str().map(String::from)
}

/// Registers a complaint of `customer` at the desk.
fn register(office: &Office, customer: &str) -> TicketId {
    let (code, body) = office.server.call(
        "POST",
        "/v1/tickets",
        &office.desk,
        Some(json!(complaint(customer))),
    );
    assert_eq!(code, 201, "{body}");
    body["ticket_id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("a ticket id")
}

/// A GET of `path` as the holder of `token`: the status, the content type and disposition,
/// and the body's bytes.
fn download(office: &Office, token: &str, path: &str) -> (u16, String, String, Vec<u8>) {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let mut response = agent
        .get(format!("{}{path}", office.server.url))
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .expect("a response");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (kind, disposition) = (header("content-type"), header("content-disposition"));
    let body = response.body_mut().read_to_vec().expect("a body");
    (response.status().as_u16(), kind, disposition, body)
}

/// Every worksheet of the workbook `book`: its name and its cells as text.
fn sheets(book: Vec<u8>) -> Vec<(String, Vec<Vec<String>>)> {
    let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(book)).expect("an XLSX file");
    let names = workbook.sheet_names();
    names
        .into_iter()
        .map(|name| {
            let range = workbook.worksheet_range(&name).expect("a sheet");
            let cells = range
                .rows()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect();
            (name, cells)
        })
        .collect()
}

/// The complaint of Cangzhou Water on 26 November: sent to tech.zhang and tech.li, handed off
/// to QA and the technical department, decided after a visit two days later (resolved within
/// three days), with a travel cost, a corrective action due on 10 December and a return visit
/// planned for 3 December. Then, 40 days later in January, Tangshan Steel's complaint, which
/// nobody has touched.
fn two_complaints(office: &Office, clock: &ManualClock) -> (TicketId, TicketId) {
    let qa = office
        .server
        .token(&office.server.user("qa.liu", Role::QualityAssurance));
    let admin = office
        .server
        .token(&office.server.user("admin.zhou", Role::Admin));
    let (november, _) = office.desk_ticket(&[&office.zhang, &office.li]);
    record(
        office,
        &office.desk,
        &november,
        json!({"op": "hand_off", "to": ["quality_assurance", "technical"], "note": "see"}),
    );
    clock.advance(2 * DAY);
    let visit: EntryId = record(
        office,
        &admin,
        &november,
        json!(kit::arrive("Substation 3")),
    )
    .and_then(|v| v.parse().ok())
    .expect("a visit");
    record(office, &admin, &november, json!(kit::depart(&visit)));
    let decision = kit::decide(Disposition::RepairOnSite, "worn contacts");
    record(office, &admin, &november, json!(decision));
    record(
        office,
        &office.desk,
        &november,
        json!({"op": "submit_cost", "kind": "travel", "amount_minor": 86_000, "currency": "CNY",
               "bearer": "company", "description": "train"}),
    );
    record(
        office,
        &qa,
        &november,
        json!({"op": "add_corrective_action", "kind": "corrective", "description": "contacts",
               "owner": "manufacturing", "due": "2026-12-10"}),
    );
    record(
        office,
        &office.desk,
        &november,
        json!({"op": "plan_return_visit", "planned_for": "2026-12-03", "method": "phone"}),
    );
    clock.advance(38 * DAY);
    let january = register(office, "Tangshan Steel");
    (november, january)
}

#[test]
fn a_period_counts_what_falls_in_it_and_complaints_break_down_by_every_axis() {
    let clock = ManualClock::at(NOVEMBER_26_10AM);
    let office = office_on(&clock);
    two_complaints(&office, &clock);
    let qa = office
        .server
        .token(&office.server.user("qa.chen", Role::QualityAssurance));
    let key = |k: &str| json!(k);
    let none = Value::Null;

    assert_eq!(
        groups(&office, &qa, "customer", ""),
        [(key("Cangzhou Water"), 1), (key("Tangshan Steel"), 1)]
    );
    assert_eq!(
        groups(&office, &qa, "customer", NOVEMBER),
        [(key("Cangzhou Water"), 1)]
    );
    assert_eq!(
        groups(&office, &qa, "customer", JANUARY),
        [(key("Tangshan Steel"), 1)]
    );
    assert_eq!(groups(&office, &qa, "customer", DECEMBER), []);
    // Open on either side.
    let from_december = "from=2026-12-01";
    assert_eq!(
        groups(&office, &qa, "customer", from_december),
        [(key("Tangshan Steel"), 1)]
    );
    assert_eq!(
        groups(&office, &qa, "month", ""),
        [(key("2026-11"), 1), (key("2027-01"), 1)]
    );

    // A complaint counts once for each technician and each department; names come along.
    let technicians = statistics(
        &office,
        &qa,
        &format!("complaints?by=technician&{NOVEMBER}"),
    );
    let keys: Vec<&Value> = technicians["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| &g["key"])
        .collect();
    assert_eq!(keys, [&key("tech.li"), &key("tech.zhang")]);
    assert!(technicians["groups"][0]["name"].is_string());
    assert_eq!(technicians["total"], 2);
    assert_eq!(
        groups(&office, &qa, "technician", JANUARY),
        [(none.clone(), 1)]
    );
    assert_eq!(
        groups(&office, &qa, "department", ""),
        [
            (none.clone(), 1),
            (key("quality_assurance"), 1),
            (key("technical"), 1)
        ]
    );
    assert_eq!(
        groups(&office, &qa, "disposition", ""),
        [(none.clone(), 1), (key("repair_on_site"), 1)]
    );
    // The time to resolve is a series: every bucket in order, "not yet" last.
    assert_eq!(
        groups(&office, &qa, "resolution", ""),
        [
            (key("within_1_day"), 0),
            (key("within_3_days"), 1),
            (key("within_7_days"), 0),
            (key("within_30_days"), 0),
            (key("over_30_days"), 0),
            (none.clone(), 1)
        ]
    );

    // Hand-offs by registration, actions by their due day, return visits by planned day, costs
    // by submission.
    let handoff = |period: &str| statistics(&office, &qa, &format!("handoff?{period}"));
    assert_eq!(
        (
            &handoff(NOVEMBER)["tickets"],
            &handoff(NOVEMBER)["handed_off"]
        ),
        (&json!(1), &json!(1))
    );
    assert_eq!(
        (
            &handoff(JANUARY)["tickets"],
            &handoff(JANUARY)["handed_off"]
        ),
        (&json!(1), &json!(0))
    );
    let actions = |period: &str| statistics(&office, &qa, &format!("corrective-actions?{period}"));
    assert_eq!(
        actions(DECEMBER),
        json!({"actions": 1, "tickets": 1, "tickets_past_due": 1})
    );
    assert_eq!(actions(NOVEMBER)["actions"], 0);
    let planned = |period: &str| {
        statistics(&office, &qa, &format!("return-visits?{period}"))["planned"]
            .as_u64()
            .expect("a count")
    };
    assert!(planned(DECEMBER) >= 1);
    assert_eq!(planned(JANUARY), 0);
    let months = planned(NOVEMBER) + planned(DECEMBER) + planned(JANUARY);
    assert_eq!(months, planned(""), "visits outside the three months");
    let costs = |period: &str| statistics(&office, &qa, &format!("costs?{period}"));
    assert_eq!(
        costs("from=2026-11-28&to=2026-11-28")["by_kind"][0]["amount_minor"],
        86_000
    );
    assert_eq!(costs(JANUARY), json!({"by_kind": [], "by_bearer": []}));
}

#[test]
fn the_largest_groups_are_shown_and_the_others_summed_but_months_are_whole() {
    let office = Office::start();
    let qa = office
        .server
        .token(&office.server.user("qa.chen", Role::QualityAssurance));
    for customer in ["Alpha", "Alpha", "Alpha", "Beta", "Beta"] {
        register(&office, customer);
    }
    for n in 0..11 {
        register(&office, &format!("Customer {n:02}"));
    }
    let top_two = statistics(&office, &qa, "complaints?by=customer&top=2");
    assert_eq!(
        top_two["groups"],
        json!([{"key": "Alpha", "complaints": 3}, {"key": "Beta", "complaints": 2}])
    );
    assert_eq!(top_two["others"], json!({"groups": 11, "complaints": 11}));
    assert_eq!(top_two["total"], 16);
    let default = statistics(&office, &qa, "complaints?by=customer");
    assert_eq!(default["groups"].as_array().map(Vec::len), Some(10));
    assert_eq!(default["others"]["groups"], 3);
    let all = statistics(&office, &qa, "complaints?by=customer&top=50");
    assert_eq!(all["groups"].as_array().map(Vec::len), Some(13));
    assert_eq!(all["others"], Value::Null);
    let months = statistics(&office, &qa, "complaints?by=month&top=1");
    assert_eq!(months["others"], Value::Null);
    assert_eq!(months["groups"][0]["complaints"], 16);
}

#[test]
fn each_statistic_exports_as_a_workbook_with_its_headers_in_either_language() {
    let clock = ManualClock::at(NOVEMBER_26_10AM);
    let office = office_on(&clock);
    two_complaints(&office, &clock);
    for n in 0..3 {
        register(&office, &format!("Customer {n}"));
    }
    let desk = &office.desk;
    let path = "/v1/statistics/complaints/export?by=customer&top=2&from=2026-11-01&to=2027-01-31";
    let (code, kind, disposition, book) = download(&office, desk, path);
    assert_eq!(code, 200);
    assert!(kind.contains("spreadsheetml"), "{kind}");
    assert!(
        disposition.contains("fieldledger-complaints-by-customer-2026-11-01-2027-01-31.xlsx"),
        "{disposition}"
    );
    let by_customer = sheets(book);
    let (name, cells) = &by_customer[0];
    assert_eq!(name, "投诉统计");
    assert_eq!(cells[0][0], "客户投诉统计（按客户名称）");
    assert_eq!(cells[1][0], "统计期间：2026-11-01 至 2027-01-31");
    let header = HEADER_ROW as usize;
    assert_eq!(cells[header], ["客户名称", "投诉数", "占比"]);
    let labels: Vec<&str> = cells[header + 1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(labels.len(), 4, "{labels:?}");
    assert_eq!(labels[2..], ["其他（3 项）", "合计"]);
    assert_eq!(cells[header + 4][1], "5");

    let english = "/v1/statistics/complaints/export?by=resolution&lang=en";
    let (_, _, _, book) = download(&office, desk, english);
    let (name, cells) = &sheets(book)[0];
    assert_eq!(name, "complaints");
    assert_eq!(cells[header], ["time to resolve", "complaints", "share"]);
    assert_eq!(cells[header + 2][0], "1 to 3 days");
    assert_eq!(cells[header + 6][0], "not resolved yet");

    let expected: [(&str, &[&str], &[&str]); 4] = [
        ("handoff", &["移交及时率"], &["项目", "数值"]),
        ("corrective-actions", &["纠正预防措施"], &["项目", "数值"]),
        ("return-visits", &["回访"], &["项目", "数值"]),
        (
            "costs",
            &["按费用类别", "按承担方"],
            &[
                "费用类别",
                "币种",
                "笔数",
                "金额",
                "已审核金额",
                "已结算金额",
            ],
        ),
    ];
    for (statistic, names, headers) in expected {
        let path = format!("/v1/statistics/{statistic}/export?{NOVEMBER}&lang=zh");
        let (code, kind, _, book) = download(&office, desk, &path);
        assert_eq!(code, 200, "{statistic}");
        assert!(kind.contains("spreadsheetml"), "{statistic}: {kind}");
        let book = sheets(book);
        let found: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(found, names, "{statistic}");
        assert_eq!(book[0].1[header], headers, "{statistic}");
        assert!(book[0].1.len() > header + 1, "{statistic}: no rows");
    }
    let (_, _, _, book) = download(
        &office,
        desk,
        &format!("/v1/statistics/costs/export?{NOVEMBER}"),
    );
    let cells = &sheets(book)[0].1;
    assert_eq!(cells[header + 1][..4], ["差旅", "CNY", "1", "860"]);
}

#[test]
fn technicians_and_sales_read_no_statistics_and_hostile_parameters_change_nothing() {
    let office = Office::start();
    register(&office, "Cangzhou Water");
    let qa = office
        .server
        .token(&office.server.user("qa.chen", Role::QualityAssurance));
    let technician = office.server.token(&office.zhang);
    let sales = office
        .server
        .token(&office.server.user("sales.zhou", Role::Sales));
    for token in [&technician, &sales] {
        for path in [
            "/v1/statistics/complaints?by=customer",
            "/v1/statistics/costs?from=2026-01-01",
            "/v1/statistics/complaints/export?by=customer",
            "/v1/statistics/handoff/export",
        ] {
            let (code, ..) = download(&office, token, path);
            assert_eq!(code, 403, "{path}");
        }
    }

    let (_, before) = office.server.call("GET", "/v1/ledger", &qa, None);
    let hostile = [
        "complaints?by=customer&from=2026-02-30",
        "complaints?by=customer&from=2026-1-5",
        "complaints?by=customer&from=2026-03-01&to=2026-02-01",
        "complaints?by=customer&from=1999-01-01&to=2026-01-01",
        "complaints?by=customer&from=0001-01-01",
        "complaints?by=customer&from=%27%3B%20DROP%20TABLE%20ledger%3B%20--",
        "complaints?by=customer&to=2026-01-01%20OR%201%3D1",
        "complaints?by=customer&top=0",
        "complaints?by=customer&top=51",
        "complaints?by=customer&top=-1",
        "complaints?by=customer&top=ten",
        "complaints?by=colour",
        "complaints?by=customer%27--",
        "complaints",
        "handoff?from=2026-13-01",
        "corrective-actions?to=yesterday",
        "return-visits?from=2026-05-01&to=2026-04-30",
        "costs?from=2026-01-01&to=2099-01-01",
        "complaints/export?by=customer&lang=fr",
        "complaints/export?from=2026-01-01",
        "costs/export?from=2026-02-30",
    ];
    for path in hostile {
        let (code, body) = office
            .server
            .call("GET", &format!("/v1/statistics/{path}"), &qa, None);
        assert_eq!(code, 400, "{path}: {body}");
        assert_eq!(body["error"], "bad_body", "{path}: {body}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{path}"
        );
    }
    let (code, body) = office
        .server
        .call("GET", "/v1/statistics/ledger/export", &qa, None);
    assert_eq!((code, &body["error"]), (404, &json!("not_found")), "{body}");
    let (_, after) = office.server.call("GET", "/v1/ledger", &qa, None);
    assert_eq!(before, after);
    assert_eq!(
        groups(&office, &qa, "customer", ""),
        [(json!("Cangzhou Water"), 1)]
    );
}

/// The ledger's page for `query` as the holder of `token`: its ticket ids in order and total.
fn ledger_of(office: &Office, token: &str, query: &str) -> (Vec<String>, u64, Value) {
    let (code, body) = office
        .server
        .call("GET", &format!("/v1/ledger?{query}"), token, None);
    assert_eq!(code, 200, "{query}: {body}");
    let ids = body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["ticket_id"].as_str().expect("an id").to_owned())
        .collect();
    (ids, body["total"].as_u64().expect("a total"), body)
}

#[test]
fn the_headline_counts_a_known_ledger_and_each_group_opens_the_ledger_of_its_complaints() {
    let clock = ManualClock::at(NOVEMBER_26_10AM);
    let office = office_on(&clock);
    let (november, january) = two_complaints(&office, &clock);
    let (november, january) = (november.to_string(), january.to_string());
    let qa = office
        .server
        .token(&office.server.user("qa.chen", Role::QualityAssurance));

    // Both open; November's corrective action (due 10 December) is past due in January, and
    // it was resolved two days after registration at its one and only visit.
    let whole = statistics(&office, &qa, "headline");
    assert_eq!(
        (
            &whole["registered"],
            &whole["open"],
            &whole["overdue"],
            &whole["resolved"]
        ),
        (&json!(2), &json!(2), &json!(1), &json!(1)),
        "{whole}"
    );
    let mean = whole["mean_days_to_resolve"].as_f64().expect("a mean");
    assert!((1.9..=2.1).contains(&mean), "{mean}");
    assert_eq!(
        (
            &whole["fixed_at_first_visit"],
            &whole["resolved_after_visit"],
            &whole["first_visit_fix_rate"]
        ),
        (&json!(1), &json!(1), &json!(1.0))
    );
    let in_january = statistics(&office, &qa, &format!("headline?{JANUARY}"));
    assert_eq!(
        (
            &in_january["registered"],
            &in_january["open"],
            &in_january["overdue"],
            &in_january["resolved"],
            &in_january["mean_days_to_resolve"],
            &in_january["first_visit_fix_rate"]
        ),
        (
            &json!(1),
            &json!(1),
            &json!(0),
            &json!(0),
            &Value::Null,
            &json!(0.0)
        )
    );
    assert_eq!(
        statistics(&office, &qa, &format!("headline?{DECEMBER}"))["registered"],
        0
    );

    // Each group of each axis opens exactly its complaints; a group without a value, those
    // without one.
    for (query, expected) in [
        ("by=customer&key=Cangzhou%20Water", vec![&november]),
        ("by=month&key=2027-01", vec![&january]),
        (&format!("by=month&key=2027-01&{NOVEMBER}"), vec![]),
        ("by=technician&key=tech.li", vec![&november]),
        ("by=technician", vec![&january]),
        ("by=department&key=quality_assurance", vec![&november]),
        ("by=department", vec![&january]),
        ("by=disposition&key=repair_on_site", vec![&november]),
        ("by=resolution&key=within_3_days", vec![&november]),
        ("by=resolution", vec![&january]),
        (
            &format!("by=customer&key=Tangshan%20Steel&{NOVEMBER}"),
            vec![],
        ),
        ("by=customer&key=Tangshan%25", vec![]),
    ] {
        let (ids, total, _) = ledger_of(&office, &qa, query);
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!((&ids, total), (&expected, expected.len() as u64), "{query}");
    }
    // The group's ledger exports as it lists.
    let path = "/v1/ledger/export?by=customer&key=Cangzhou%20Water&format=csv&lang=en";
    let (code, _, _, csv) = download(&office, &qa, path);
    let csv = String::from_utf8(csv).expect("UTF-8");
    assert_eq!(code, 200, "{csv}");
    assert!(
        csv.contains("Cangzhou Water") && !csv.contains("Tangshan Steel"),
        "{csv}"
    );

    // Each line says whether it is overdue, when something is next due and how old it is.
    let (_, _, page) = ledger_of(&office, &qa, "sort=registered");
    let lines = page["rows"].as_array().expect("rows");
    assert_eq!(lines[0]["ticket_id"], json!(november));
    assert_eq!(
        (
            &lines[0]["overdue"],
            &lines[0]["next_due"],
            &lines[0]["age_days"]
        ),
        (&json!(true), &json!("2026-12-03"), &json!(2))
    );
    assert_eq!(
        (
            &lines[1]["overdue"],
            &lines[1]["next_due"],
            &lines[1]["age_days"]
        ),
        (&json!(false), &Value::Null, &json!(0))
    );

    // A group that is none is refused, and changes nothing.
    for bad in [
        "by=month&key=2026-13",
        "by=month&key=last",
        "by=colour&key=red",
        "by=customer&from=2026-02-30",
    ] {
        let (code, body) = office
            .server
            .call("GET", &format!("/v1/ledger?{bad}"), &qa, None);
        assert_eq!(code, 400, "{bad}: {body}");
        assert_eq!(body["error"], "bad_body", "{bad}: {body}");
    }
    let (_, total, _) = ledger_of(&office, &qa, "");
    assert_eq!(total, 2);
}
