//! The office's reference data over the API: customers, units, products and cause codes kept by
//! the roles that own them and read by every office role; their refusals (a duplicate, an
//! unknown id, a bad field, a role that may not write), each changing nothing; the search the
//! registration form uses; and registrations that name a unit, or create the customer and unit
//! on the spot, with the unit's service history listing them.

use fieldledger_core::Role;
use fieldledger_tests::{Office, complaint};
use serde_json::{Value, json};

/// A server with the desk, QA, finance and a technician's token.
struct Desk {
    office: Office,
    qa: String,
    finance: String,
    tech: String,
}

impl Desk {
    fn start() -> Desk {
        let office = Office::start();
        let token = |id: &str, role: Role| {
            let user = office.server.user(id, role);
            office.server.token(&user)
        };
        let qa = token("qa.zhou", Role::QualityAssurance);
        let finance = token("fin.wu", Role::Finance);
        let tech = office.server.token(&office.zhang);
        Desk {
            office,
            qa,
            finance,
            tech,
        }
    }

    fn call(&self, method: &str, token: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.office.server.call(method, path, token, body)
    }

    /// The desk's call, which must answer `expected`.
    fn ok(&self, method: &str, path: &str, body: Option<Value>, expected: u16) -> Value {
        let (status, answer) = self.call(method, &self.office.desk, path, body);
        assert_eq!(status, expected, "{method} {path}: {answer}");
        answer
    }

    fn get(&self, path: &str) -> Value {
        self.ok("GET", path, None, 200)
    }

    /// Customer `name` with one site and one contact; its id.
    fn customer(&self, name: &str) -> i64 {
        let body = json!({"name": name,
            "sites": [{"name": "1号变电站", "address": "保定市朝阳北大街 1 号"}],
            "contacts": [{"name": "刘工", "phone": "0312-5566 7788"}]});
        let made = self.ok("POST", "/v1/reference/customers", Some(body), 201);
        made["id"].as_i64().expect("id")
    }

    /// A unit of `customer` with `job`; its id.
    fn unit(&self, customer: i64, job: &str, contract: &str) -> i64 {
        let body = json!({"customer_id": customer, "site": "1号变电站",
            "product_name": "ZN63 真空断路器", "model": "ZN63-12/1250", "job_number": job,
            "contract_number": contract, "serial": format!("SN-{job}"),
            "commissioned_on": "2025-11-03"});
        let made = self.ok("POST", "/v1/reference/units", Some(body), 201);
        made["id"].as_i64().expect("id")
    }

    /// The job numbers of the units `q` finds.
    fn search(&self, q: &str) -> Vec<String> {
        let found = self.get(&format!("/v1/reference/units?q={}", encoded(q)));
        found["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|u| u["job_number"].as_str().expect("job").to_owned())
            .collect()
    }

    fn ledger_total(&self) -> u64 {
        self.get("/v1/ledger")["total"].as_u64().expect("total")
    }
}

/// `text` as a query string's value.
fn encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The code of a refusal, after checking its status.
fn refused(answer: (u16, Value), status: u16) -> String {
    assert_eq!(answer.0, status, "{}", answer.1);
    answer.1["error"].as_str().expect("code").to_owned()
}

#[test]
fn the_desk_keeps_customers_and_units_and_the_office_searches_them() {
    let desk = Desk::start();
    let baoding = desk.customer("保定纺织有限公司");
    let hebei = desk.customer("河北电力检修公司");
    desk.unit(baoding, "J2026-0417", "HT-2026-0031");
    desk.unit(baoding, "J2026-0418", "HT-2026-0031");
    desk.unit(hebei, "J2025-0999", "HT-2025-0100");

    // By part of a job number, of a contract number, of a customer's name, of a serial.
    assert_eq!(desk.search("0417"), ["J2026-0417"]);
    assert_eq!(desk.search("ht-2026"), ["J2026-0417", "J2026-0418"]);
    assert_eq!(desk.search("河北"), ["J2025-0999"]);
    assert_eq!(desk.search("SN-J2025"), ["J2025-0999"]);
    // A LIKE wildcard is a character like any other.
    assert!(desk.search("J%").is_empty());
    // Paged.
    let first = desk.get("/v1/reference/units?per_page=2");
    assert_eq!(first["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(first["more"], json!(true));
    let second = desk.get("/v1/reference/units?per_page=2&page=2");
    assert_eq!(second["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(second["more"], json!(false));

    // Every office role reads them, finance too, with the customer's sites and contacts.
    let (status, customers) = desk.call(
        "GET",
        &desk.finance,
        &format!("/v1/reference/customers?q={}", encoded("保定")),
        None,
    );
    assert_eq!(status, 200, "{customers}");
    let items = customers["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["sites"][0]["name"], "1号变电站");
    assert_eq!(items[0]["contacts"][0]["phone"], "0312-5566 7788");

    // An update is kept.
    let body = json!({"name": "保定纺织股份有限公司", "sites": [{"name": "2号变电站"}]});
    desk.ok(
        "PUT",
        &format!("/v1/reference/customers/{baoding}"),
        Some(body),
        200,
    );
    let renamed = desk.get("/v1/reference/units?q=0417");
    assert_eq!(renamed["items"][0]["customer_name"], "保定纺织股份有限公司");

    // A unit moves to another customer's site under a new contract; a job number another unit
    // has is refused and changes nothing.
    let units = desk.get("/v1/reference/units?q=J2025-0999");
    let moved = units["items"][0]["id"].as_i64().expect("unit");
    let body = json!({"customer_id": baoding, "site": "2号变电站", "product_name": "ZN63 真空断路器",
        "job_number": "J2025-0999", "contract_number": "HT-2026-0077", "serial": "SN-NEW"});
    desk.ok(
        "PUT",
        &format!("/v1/reference/units/{moved}"),
        Some(body.clone()),
        200,
    );
    let shown = desk.get(&format!("/v1/reference/units/{moved}"));
    assert_eq!(shown["customer_name"], "保定纺织股份有限公司");
    assert_eq!(shown["contract_number"], "HT-2026-0077");
    assert_eq!(shown["site"], "2号变电站");
    let mut taken = body;
    taken["job_number"] = json!("J2026-0417");
    let path = format!("/v1/reference/units/{moved}");
    let answer = desk.call("PUT", &desk.office.desk, &path, Some(taken));
    assert_eq!(refused(answer, 409), "exists");
    assert_eq!(desk.get(&path)["job_number"], "J2025-0999");

    // QA keeps the cause codes, with the responsibility they imply; the desk keeps products.
    let cause = json!({"code": "C-SEAL", "label_zh": "密封圈老化", "label_en": "Aged seal",
        "responsibility": "supplier"});
    let (status, _) = desk.call("POST", &desk.qa, "/v1/reference/causes", Some(cause));
    assert_eq!(status, 201);
    let product = json!({"code": "ZN63", "name": "ZN63 真空断路器", "model_family": "ZN63"});
    desk.ok("POST", "/v1/reference/products", Some(product), 201);
    let relabel =
        json!({"label_zh": "密封圈老化失效", "label_en": "Aged seal", "responsibility": null});
    let (status, _) = desk.call(
        "PUT",
        &desk.qa,
        "/v1/reference/causes/C-SEAL",
        Some(relabel),
    );
    assert_eq!(status, 204);
    let causes = desk.get("/v1/reference/causes");
    assert_eq!(causes[0]["label_zh"], "密封圈老化失效");
    assert_eq!(causes[0]["responsibility"], Value::Null);
    assert_eq!(
        desk.get("/v1/reference/products")[0]["name"],
        "ZN63 真空断路器"
    );
    let renamed = json!({"name": "ZN63 户内真空断路器", "model_family": "ZN63"});
    desk.ok("PUT", "/v1/reference/products/ZN63", Some(renamed), 204);
    assert_eq!(
        desk.get("/v1/reference/products")[0]["name"],
        "ZN63 户内真空断路器"
    );

    // A file without a customer column is refused whole, with its own code.
    let path = "/v1/reference/import/read";
    let answer = desk.call(
        "POST",
        &desk.office.desk,
        path,
        Some(json!("产品,工号\nZN63,J-1")),
    );
    assert_eq!(refused(answer, 400), "unreadable_file");
}

#[test]
fn reference_data_refuses_duplicates_unknown_ids_bad_fields_and_other_roles_changing_nothing() {
    let desk = Desk::start();
    let baoding = desk.customer("保定纺织有限公司");
    desk.unit(baoding, "J2026-0417", "HT-2026-0031");
    let server = &desk.office.server;
    let post = |token: &str, path: &str, body: Value| server.call("POST", path, token, Some(body));
    let d = &desk.office.desk;

    // Duplicates of each unique key.
    let same = json!({"name": "保定纺织有限公司"});
    assert_eq!(
        refused(post(d, "/v1/reference/customers", same), 409),
        "exists"
    );
    let same_job =
        json!({"customer_id": baoding, "product_name": "ZN63", "job_number": "J2026-0417"});
    assert_eq!(
        refused(post(d, "/v1/reference/units", same_job), 409),
        "exists"
    );
    let product = json!({"code": "ZN63", "name": "ZN63 真空断路器"});
    desk.ok("POST", "/v1/reference/products", Some(product.clone()), 201);
    assert_eq!(
        refused(post(d, "/v1/reference/products", product), 409),
        "exists"
    );
    let cause = json!({"code": "C1", "label_zh": "装配错误", "label_en": "Assembly error"});
    assert_eq!(post(&desk.qa, "/v1/reference/causes", cause.clone()).0, 201);
    assert_eq!(
        refused(post(&desk.qa, "/v1/reference/causes", cause), 409),
        "exists"
    );

    // Unknown ids.
    let orphan = json!({"customer_id": 9999, "product_name": "ZN63", "job_number": "J-NEW"});
    assert_eq!(
        refused(post(d, "/v1/reference/units", orphan), 404),
        "not_found"
    );
    let uncatalogued = json!({"customer_id": baoding, "product_code": "NOPE",
        "product_name": "ZN63", "job_number": "J-NEW"});
    assert_eq!(
        refused(post(d, "/v1/reference/units", uncatalogued), 404),
        "not_found"
    );
    let (status, body) = server.call("GET", "/v1/reference/units/9999", d, None);
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));
    let rename = json!({"name": "无此客户"});
    let put = server.call("PUT", "/v1/reference/customers/9999", d, Some(rename));
    assert_eq!(refused(put, 404), "not_found");
    let put = server.call(
        "PUT",
        "/v1/reference/products/NOPE",
        d,
        Some(json!({"name": "x"})),
    );
    assert_eq!(refused(put, 404), "not_found");

    // Bad fields, named.
    let (status, body) = post(d, "/v1/reference/customers", json!({"name": "  "}));
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid")),
        "{body}"
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("name"),
        "{body}"
    );
    let elsewhere = json!({"customer_id": baoding, "site": "不存在的站", "product_name": "ZN63",
        "job_number": "J-NEW"});
    let (status, body) = post(d, "/v1/reference/units", elsewhere);
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid")),
        "{body}"
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("site"),
        "{body}"
    );
    let no_job = json!({"customer_id": baoding, "product_name": "ZN63", "job_number": ""});
    let (status, body) = post(d, "/v1/reference/units", no_job);
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid")),
        "{body}"
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("job_number"),
        "{body}"
    );

    // Roles that may not write; a technician reads none of it.
    let new = json!({"name": "新客户"});
    assert_eq!(
        refused(
            post(&desk.finance, "/v1/reference/customers", new.clone()),
            403
        ),
        "forbidden"
    );
    let cause = json!({"code": "C2", "label_zh": "运输损坏", "label_en": "Transport damage"});
    assert_eq!(
        refused(post(d, "/v1/reference/causes", cause), 403),
        "forbidden"
    );
    assert_eq!(
        refused(post(&desk.tech, "/v1/reference/customers", new), 403),
        "forbidden"
    );
    let read = server.call("GET", "/v1/reference/units", &desk.tech, None);
    assert_eq!(refused(read, 403), "forbidden");

    // Nothing of it was kept.
    let customers = desk.get("/v1/reference/customers");
    assert_eq!(customers["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(desk.search(""), ["J2026-0417"]);
    assert_eq!(
        desk.get("/v1/reference/causes").as_array().map(Vec::len),
        Some(1)
    );
}

#[test]
fn a_registration_naming_a_unit_takes_its_fields_and_the_unit_lists_it_in_its_history() {
    let desk = Desk::start();
    let baoding = desk.customer("保定纺织有限公司");
    let unit = desk.unit(baoding, "J2026-0417", "HT-2026-0031");

    let mut registration = json!(complaint("typed by hand"));
    registration["unit_id"] = json!(unit);
    registration["product_name"] = json!("");
    registration["contact_person"] = json!("");
    registration["contact_method"] = json!("");
    let made = desk.ok("POST", "/v1/tickets", Some(registration.clone()), 201);
    let id = made["ticket_id"].as_str().expect("id");
    let ticket = desk.get(&format!("/v1/tickets/{id}"));
    let reg = &ticket["view"]["intake"];
    assert_eq!(reg["customer_name"], "保定纺织有限公司", "{ticket}");
    assert_eq!(reg["job_number"], "J2026-0417");
    assert_eq!(reg["contract_number"], "HT-2026-0031");
    assert_eq!(reg["product_name"], "ZN63 真空断路器");
    assert_eq!(reg["model"], "ZN63-12/1250");
    assert_eq!(reg["contact_person"], "刘工");
    assert_eq!(reg["unit_id"], json!(unit));
    assert_eq!(reg["customer_id"], json!(baoding));

    // A second ticket of the unit; the history lists both, newest first, with their numbers.
    let second = desk.ok("POST", "/v1/tickets", Some(registration.clone()), 201);
    let shown = desk.get(&format!("/v1/reference/units/{unit}"));
    let history = shown["history"].as_array().expect("history");
    let ids: Vec<&str> = history
        .iter()
        .filter_map(|t| t["ticket_id"].as_str())
        .collect();
    assert_eq!(ids, [second["ticket_id"].as_str().expect("id"), id]);
    assert!(
        history[0]["ledger_number"]
            .as_str()
            .is_some_and(|n| n.starts_with("KS-"))
    );
    assert_eq!(history[0]["status"], "registered");
    assert!(
        history[0]["content"]
            .as_str()
            .is_some_and(|c| !c.is_empty())
    );

    // An unknown unit or customer is refused, and nothing is registered.
    let before = desk.ledger_total();
    registration["unit_id"] = json!(9999);
    let answer = desk.call(
        "POST",
        &desk.office.desk,
        "/v1/tickets",
        Some(registration.clone()),
    );
    assert_eq!(refused(answer, 404), "not_found");
    registration["unit_id"] = Value::Null;
    registration["customer_id"] = json!(9999);
    let answer = desk.call("POST", &desk.office.desk, "/v1/tickets", Some(registration));
    assert_eq!(refused(answer, 404), "not_found");
    assert_eq!(desk.ledger_total(), before);
}

#[test]
fn a_registration_of_a_new_customer_creates_it_and_its_unit_on_the_spot_once() {
    let desk = Desk::start();
    let mut registration = json!(complaint("石家庄新能源有限公司"));
    registration["job_number"] = json!("J2026-7001");
    registration["create_reference"] = json!(true);
    let first = desk.ok("POST", "/v1/tickets", Some(registration.clone()), 201);
    let second = desk.ok("POST", "/v1/tickets", Some(registration.clone()), 201);

    let customers = desk.get(&format!("/v1/reference/customers?q={}", encoded("石家庄")));
    let items = customers["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "one customer for both: {customers}");
    let found = desk.get("/v1/reference/units?q=J2026-7001");
    assert_eq!(found["items"].as_array().map(Vec::len), Some(1));
    let unit = found["items"][0]["id"].as_i64().expect("unit");
    assert_eq!(found["items"][0]["customer_id"], items[0]["id"]);
    for made in [&first, &second] {
        let id = made["ticket_id"].as_str().expect("id");
        let ticket = desk.get(&format!("/v1/tickets/{id}"));
        assert_eq!(ticket["view"]["intake"]["unit_id"], json!(unit));
    }
    let history = desk.get(&format!("/v1/reference/units/{unit}"))["history"].clone();
    assert_eq!(history.as_array().map(Vec::len), Some(2));

    // A registration the ticket refuses creates nothing.
    let mut bad = registration;
    bad["customer_name"] = json!("无内容客户");
    bad["content"] = json!("");
    let answer = desk.call("POST", &desk.office.desk, "/v1/tickets", Some(bad));
    assert_eq!(refused(answer, 400), "invalid");
    let none = desk.get(&format!("/v1/reference/customers?q={}", encoded("无内容")));
    assert_eq!(none["items"].as_array().map(Vec::len), Some(0));

    // Without the flag, free text stays free text.
    let plain = json!(complaint("邯郸钢铁集团"));
    desk.ok("POST", "/v1/tickets", Some(plain), 201);
    let none = desk.get(&format!("/v1/reference/customers?q={}", encoded("邯郸")));
    assert_eq!(none["items"].as_array().map(Vec::len), Some(0));
}

#[test]
fn statistics_count_complaints_by_the_product_code_and_customer_of_their_unit() {
    let desk = Desk::start();
    let baoding = desk.customer("保定纺织有限公司");
    let product = json!({"code": "ZN63", "name": "ZN63 真空断路器", "model_family": "ZN63"});
    desk.ok("POST", "/v1/reference/products", Some(product), 201);
    let body = json!({"customer_id": baoding, "product_code": "ZN63",
        "product_name": "ZN63 真空断路器", "job_number": "J-1"});
    desk.ok("POST", "/v1/reference/units", Some(body), 201);
    // Three complaints of the unit, its product and customer spelled three ways by hand, and
    // one of a job number the reference data does not know.
    for (customer, product, job) in [
        ("保定纺织", "ZN63 真空断路器", "J-1"),
        ("保定纺织有限公司", "ZN63 vacuum breaker", "J-1"),
        ("Baoding Textiles", "ZN63", "J-1"),
        ("邯郸钢铁", "ZN63", "J-9"),
    ] {
        let mut registration = json!(complaint(customer));
        registration["product_name"] = json!(product);
        registration["job_number"] = json!(job);
        desk.ok("POST", "/v1/tickets", Some(registration), 201);
    }
    let groups = |by: &str| -> Vec<(Value, u64)> {
        let counts = desk.get(&format!("/v1/statistics/complaints?by={by}"));
        let groups = counts["groups"].as_array().expect("groups").iter();
        groups
            .map(|g| (g["key"].clone(), g["complaints"].as_u64().expect("n")))
            .collect()
    };
    assert_eq!(groups("product").len(), 3, "free text fragments");
    assert_eq!(
        groups("product_code"),
        [(json!("ZN63"), 3), (Value::Null, 1)]
    );
    assert_eq!(
        groups("unit_customer"),
        [(json!("保定纺织有限公司"), 3), (Value::Null, 1)]
    );
}

#[test]
fn qa_records_a_cause_with_a_code_of_the_list_and_an_unknown_code_is_refused() {
    let desk = Desk::start();
    let cause = json!({"code": "C03", "label_zh": "外购件失效", "label_en": "Bought-in part failed",
        "responsibility": "supplier"});
    let (status, _) = desk.call("POST", &desk.qa, "/v1/reference/causes", Some(cause));
    assert_eq!(status, 201);
    let made = desk.ok(
        "POST",
        "/v1/tickets",
        Some(json!(complaint("保定纺织"))),
        201,
    );
    let id = made["ticket_id"].as_str().expect("id");
    let path = format!("/v1/tickets/{id}/operations");

    let unknown = json!({"op": "record_cause", "cause": "继电器失效", "cause_code": "C99"});
    let answer = desk.call("POST", &desk.qa, &path, Some(unknown));
    assert_eq!(refused(answer, 404), "not_found");
    let quality = &desk.get(&format!("/v1/tickets/{id}"))["view"]["quality"];
    assert_eq!(quality["cause"], "", "a refused cause changes nothing");

    let known = json!({"op": "record_cause", "cause": "继电器失效", "cause_code": "C03"});
    let (status, body) = desk.call("POST", &desk.qa, &path, Some(known));
    assert_eq!(status, 200, "{body}");
    let quality = &desk.get(&format!("/v1/tickets/{id}"))["view"]["quality"];
    assert_eq!(quality["cause"], "继电器失效");
    assert_eq!(quality["cause_code"], "C03");

    // Complaints are counted by the code, whatever the cause's words.
    let counts = desk.get("/v1/statistics/complaints?by=cause_code");
    assert_eq!(counts["groups"][0]["key"], "C03", "{counts}");
    assert_eq!(counts["groups"][0]["complaints"], 1);
}

mod import {
    use fieldledger_server::reference::import::{Outcome, RowOutcome, read, upload};

    use super::Desk;

    /// A file of `customers` customers with `per` units each, one row per unit.
    fn file(customers: usize, per: usize) -> String {
        let mut csv = String::from(
            "客户名称,现场,现场地址,联系人,联系电话,产品名称,规格型号,工号,合同号,出厂编号,投运日期\n",
        );
        for c in 0..customers {
            for u in 0..per {
                csv.push_str(&format!(
                    "客户{c:05},{site}号站,地址{c},联系人{c},0311-{c:07},ZN63 真空断路器,ZN63-12,\
                     J{c:05}-{u},HT-{c:05},SN{c:05}{u},2025-0{m}-15\n",
                    site = u % 2,
                    m = 1 + u % 9,
                ));
            }
        }
        csv
    }

    fn import(desk: &Desk, csv: &str) -> Vec<RowOutcome> {
        let read = read(csv.as_bytes()).expect("the file reads");
        let mut last = 0;
        let outcomes = upload(&read, &desk.office.server.url, &desk.office.desk, |done| {
            assert!(done > last, "progress moves on");
            last = done;
        })
        .expect("imported");
        assert_eq!(last, read.rows.len(), "progress reaches every row");
        outcomes
    }

    fn count(outcomes: &[RowOutcome], of: fn(&Outcome) -> bool) -> usize {
        outcomes.iter().filter(|o| of(&o.outcome)).count()
    }

    #[test]
    fn five_thousand_customers_and_twenty_thousand_units_import_once() {
        let desk = Desk::start();
        let csv = file(5_000, 4);
        let first = import(&desk, &csv);
        assert_eq!(first.len(), 20_000);
        assert_eq!(count(&first, |o| *o == Outcome::Created), 20_000);
        let storage = &desk.office.server.state.storage;
        assert_eq!(
            storage.customers("", 0, 10_000).expect("customers").len(),
            5_000
        );
        assert_eq!(storage.units("", 0, 30_000).expect("units").len(), 20_000);
        // Each customer has both sites of its units.
        let one = storage
            .customer_named("客户00042")
            .expect("read")
            .expect("customer");
        assert_eq!(one.fields.sites.len(), 2);
        assert_eq!(desk.search("J00042-3"), ["J00042-3"]);

        let again = import(&desk, &csv);
        assert_eq!(count(&again, |o| *o == Outcome::Existing), 20_000);
        assert_eq!(
            storage.customers("", 0, 10_000).expect("customers").len(),
            5_000
        );
        assert_eq!(storage.units("", 0, 30_000).expect("units").len(), 20_000);
    }

    #[test]
    fn a_file_with_bad_lines_reports_each_line_and_imports_the_rest() {
        let desk = Desk::start();
        let csv = "Customer,Site,Product,Job number,Commissioned,Colour\n\
                   Alpha Mills,North,ZN63,J-1,2025-03-01,red\n\
                   ,North,ZN63,J-2,,\n\
                   Beta Works,,ZN63,J-3,not a day,\n\
                   Beta Works,,,J-4,,\n\
                   \"Gamma\n Plant\",South,ZN63,J-5,,\n\
                   Delta Power,,ZN63,J-1,,\n\
                   Epsilon Grid,,,,,\n";
        let read = read(csv.as_bytes()).expect("the file reads");
        assert_eq!(read.ignored_columns, ["Colour"]);
        let outcomes = import(&desk, csv);
        let rejected: Vec<(u64, &str)> = outcomes
            .iter()
            .filter_map(|o| match &o.outcome {
                Outcome::Rejected { reason } => Some((o.line, reason.as_str())),
                _ => None,
            })
            .collect();
        let lines: Vec<u64> = rejected.iter().map(|r| r.0).collect();
        assert_eq!(lines, [3, 4, 5, 8], "{rejected:?}");
        assert!(rejected[0].1.contains("name"), "{rejected:?}");
        assert!(rejected[1].1.contains("投运日期"), "{rejected:?}");
        assert!(rejected[2].1.contains("product_name"), "{rejected:?}");
        assert!(rejected[3].1.contains("Alpha Mills"), "{rejected:?}");
        let created: Vec<u64> = outcomes
            .iter()
            .filter(|o| o.outcome == Outcome::Created)
            .map(|o| o.line)
            .collect();
        assert_eq!(created, [2, 6, 9]);
        // The rejected rows changed nothing: no Beta Works, no Delta Power, J-1 still Alpha's.
        let storage = &desk.office.server.state.storage;
        assert!(
            storage
                .customer_named("Beta Works")
                .expect("read")
                .is_none()
        );
        assert!(
            storage
                .customer_named("Delta Power")
                .expect("read")
                .is_none()
        );
        let j1 = storage.unit_of_job("J-1").expect("read").expect("unit");
        assert_eq!(j1.customer_name, "Alpha Mills");
        assert_eq!(desk.search("J-5"), ["J-5"]);
    }

    #[test]
    fn only_the_roles_that_keep_customers_import_them() {
        let desk = Desk::start();
        let body = serde_json::json!({"rows": [{"line": 2, "customer": {"name": "Zeta"}}]});
        let (status, answer) = desk.call("POST", &desk.finance, "/v1/reference/import", Some(body));
        assert_eq!((status, answer["error"].as_str()), (403, Some("forbidden")));
        let storage = &desk.office.server.state.storage;
        assert!(storage.customer_named("Zeta").expect("read").is_none());
    }
}
