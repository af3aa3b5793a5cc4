//! The ledger as a spreadsheet: exported as CSV and XLSX with Chinese or English headers, and a
//! ledger kept in a spreadsheet imported as tickets, row by row, once.

use std::collections::BTreeMap;

use fieldledger_core::ticket::intake::Registration;
use fieldledger_core::{Role, TicketId, Timestamp};
use fieldledger_server::calendar::Calendar;
use fieldledger_server::columns::{Column, Language};
use fieldledger_server::deadlines::Workflow;
use fieldledger_server::import::{self, Outcome, RowOutcome};
use fieldledger_server::ledger::LedgerQuery;
use fieldledger_server::statistics::Period;
use fieldledger_tests::{Office, TestServer, complaint};
use serde_json::json;
use strum::VariantArray;

/// An administrator's token on `server`: importing rows with causes and dispositions writes the
/// quality and decisions sections, which only an administrator may write all of.
fn admin(server: &TestServer) -> String {
    server.token(&server.user("admin.zhou", Role::Admin))
}

/// The file `GET /v1/ledger/export` answers.
fn export(server: &TestServer, token: &str, query: &str) -> (String, Vec<u8>) {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let mut response = agent
        .get(format!("{}/v1/ledger/export?{query}", server.url))
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .expect("export");
    assert_eq!(response.status(), 200);
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response
        .body_mut()
        .with_config()
        .limit(256 * 1024 * 1024)
        .read_to_vec()
        .expect("body");
    (kind, body)
}

/// Reads `bytes` as the ledger file and imports it into `server` as the CLI does.
fn import_file(server: &TestServer, token: &str, bytes: &[u8]) -> Vec<RowOutcome> {
    let file = import::read(bytes, &Calendar::default()).expect("file reads");
    import::upload(&file, "ledger.csv", &server.url, token, |_| {}).expect("upload")
}

fn count(outcomes: &[RowOutcome], wanted: fn(&Outcome) -> bool) -> usize {
    outcomes.iter().filter(|o| wanted(&o.outcome)).count()
}

fn created(o: &Outcome) -> bool {
    matches!(o, Outcome::Created { .. })
}

fn existing(o: &Outcome) -> bool {
    matches!(o, Outcome::Existing { .. })
}

/// The CSV `bytes` as rows of cells keyed by header, without its byte-order mark.
fn csv_rows(bytes: &[u8]) -> Vec<BTreeMap<String, String>> {
    let text =
        std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").expect("a BOM")).expect("UTF-8");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("headers").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("record");
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

/// A ledger with what a spreadsheet must carry intact: Chinese text, commas, quotes and line
/// breaks in free text, a sales representative, a major complaint, and a ticket whose
/// disposition, cause and responsibility are recorded.
fn varied_ledger(office: &Office, admin: &str) -> Vec<TicketId> {
    let register = |body: serde_json::Value| -> TicketId {
        let (status, answer) = office
            .server
            .call("POST", "/v1/tickets", &office.desk, Some(body));
        assert_eq!(status, 201, "{answer}");
        answer["ticket_id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .expect("ticket id")
    };
    let mut plain = json!(complaint("沧州市供水公司"));
    plain["content"] = json!("开关柜合闸后跳闸，\"保护误动\"，\n现场需调试, 尽快");
    let mut by_sales = json!(complaint("Hebei Steel, Plant 2"));
    by_sales["source"] = json!("sales_representative");
    by_sales["sales_representative"] = json!("徐明");
    by_sales["major"] = json!(true);
    by_sales["contact_person"] = json!("王工");
    by_sales["contact_method"] = json!("138 0000 0000");
    let mut installation = json!(complaint("Tianjin Metro"));
    installation["kind"] = json!("installation");
    installation["complaint"] = json!(false);
    let ids = vec![register(plain), register(by_sales), register(installation)];
    for op in [
        json!({"op": "decide", "disposition": "return_to_factory", "rationale": "relay burnt"}),
        json!({"op": "record_cause", "cause": "继电器批次缺陷"}),
        json!({"op": "rule_responsibility", "responsibility": "supplier"}),
    ] {
        let (status, body) = office.server.call(
            "POST",
            &format!("/v1/tickets/{}/operations", ids[1]),
            admin,
            Some(op),
        );
        assert_eq!(status, 200, "{body}");
    }
    ids
}

/// The cells of the columns import reads, by ledger number.
fn importable(rows: &[BTreeMap<String, String>]) -> BTreeMap<String, Vec<String>> {
    rows.iter()
        .map(|row| {
            let cells = Column::VARIANTS
                .iter()
                .filter(|c| c.importable())
                .map(|c| row[&c.header_in(Language::Chinese, &Calendar::default())].clone())
                .collect();
            (row["台账编号"].clone(), cells)
        })
        .collect()
}

#[test]
fn an_exported_ledger_imports_into_another_server_with_every_field_and_only_once() {
    let office = Office::start();
    let admin_a = admin(&office.server);
    varied_ledger(&office, &admin_a);
    let (kind, file) = export(&office.server, &office.desk, "format=csv&lang=zh");
    assert!(kind.starts_with("text/csv"), "{kind}");
    let exported = csv_rows(&file);
    assert_eq!(exported.len(), 3);
    let sales = exported
        .iter()
        .find(|r| r["客户名称"] == "Hebei Steel, Plant 2")
        .expect("the sales representative's row");
    assert_eq!(sales["信息来源"], "销售代表");
    assert_eq!(sales["重大投诉"], "是");
    assert_eq!(sales["处理方式"], "返厂");
    assert_eq!(sales["责任归属"], "供应商");
    assert!(
        exported
            .iter()
            .any(|r| r["投诉内容"].contains("\"保护误动\"，\n"))
    );

    let other = TestServer::start();
    let admin_b = admin(&other);
    let outcomes = import_file(&other, &admin_b, &file);
    assert_eq!(count(&outcomes, created), 3, "{outcomes:?}");
    let (_, again) = export(&other, &admin_b, "format=csv&lang=zh");
    let reimported = csv_rows(&again);
    assert_eq!(importable(&reimported), importable(&exported));
    assert!(reimported.iter().all(|r| !r["状态"].is_empty()));

    // The same file again, and the second server's own export: nothing is created twice.
    let outcomes = import_file(&other, &admin_b, &file);
    assert_eq!(count(&outcomes, existing), 3, "{outcomes:?}");
    let outcomes = import_file(&other, &admin_b, &again);
    assert_eq!(count(&outcomes, existing), 3, "{outcomes:?}");
    let ledger = other
        .state
        .storage
        .whole_ledger(&LedgerQuery::default())
        .expect("ledger");
    assert_eq!(ledger.len(), 3);
    assert!(ledger.iter().all(|row| row.imported));
}

#[test]
fn english_headers_and_an_xlsx_workbook_carry_the_same_ledger() {
    let office = Office::start();
    let admin = admin(&office.server);
    varied_ledger(&office, &admin);
    let (_, english) = export(&office.server, &office.desk, "format=csv&lang=en");
    let rows = csv_rows(&english);
    assert_eq!(rows[0].len(), Column::VARIANTS.len());
    let sales = rows
        .iter()
        .find(|r| r["customer name"] == "Hebei Steel, Plant 2")
        .expect("row");
    assert_eq!(sales["disposition"], "return_to_factory");
    assert_eq!(sales["major"], "yes");

    let (kind, book) = export(&office.server, &office.desk, "format=xlsx&lang=zh");
    assert!(kind.contains("spreadsheetml"), "{kind}");
    use calamine::Reader;
    let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(book)).expect("an XLSX file");
    let sheet = workbook
        .worksheet_range("客户投诉信息处理台账")
        .expect("the ledger sheet");
    let cells: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let headers: Vec<String> = Column::VARIANTS
        .iter()
        .map(|c| c.header_in(Language::Chinese, &Calendar::default()))
        .collect();
    assert_eq!(cells[0], headers);
    assert_eq!(cells.len(), 4);
    assert!(cells.iter().any(|r| r.contains(&"供应商".to_owned())));

    // The filter of the ledger view applies to the file too; technicians export nothing.
    let (_, filtered) = export(&office.server, &office.desk, "format=csv&customer=Tianjin");
    assert_eq!(csv_rows(&filtered).len(), 1);
    let (status, _) = office.server.call(
        "GET",
        "/v1/ledger/export?format=csv",
        &office.server.token(&office.zhang),
        None,
    );
    assert_eq!(status, 403);
}

const MESSY: &str = "\
ledger number,registered at,kind,customer name,product name,model,content,responsibility,notes
,2025-03-04 09:15,complaint,Cangzhou Water,KYN28 switchgear,KYN28-12,breaker trips,,first
,2025-03-05,complaint,,KYN28 switchgear,KYN28-12,no customer,,bad
,2025-03-06 10:00,grumble,Baoding Power,SVG,SVG-10,unknown kind,,bad
,last Tuesday,complaint,Baoding Power,SVG,SVG-10,bad date,,bad
,2025-03-07 08:00,inquiry,Langfang Gas,APF,APF-100,\"asks about
harmonics, twice\",,good
,2025-03-04 09:15,complaint,Cangzhou Water,KYN28 switchgear,KYN28-12,breaker trips,,repeat
KS-2025-000777,2025-03-08 11:30,complaint,Tangshan Port,RMU,XGN15,cable head flashover,\
    supplier,numbered
";

#[test]
fn a_file_with_bad_rows_imports_the_good_ones_and_reports_each_bad_line() {
    let office = Office::start();
    let admin = admin(&office.server);
    let outcomes = import_file(&office.server, &admin, MESSY.as_bytes());
    let rejected: BTreeMap<u64, String> = outcomes
        .iter()
        .filter_map(|o| match &o.outcome {
            Outcome::Rejected { reason } => Some((o.line, reason.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        rejected.keys().copied().collect::<Vec<_>>(),
        [3, 4, 5, 8],
        "{rejected:?}"
    );
    assert!(rejected[&3].contains("customer name"), "{}", rejected[&3]);
    assert!(rejected[&4].contains("类型 (kind)"), "{}", rejected[&4]);
    assert!(rejected[&5].contains("registered at"), "{}", rejected[&5]);
    assert!(rejected[&8].contains("line 2"), "{}", rejected[&8]);
    assert_eq!(count(&outcomes, created), 3, "{outcomes:?}");

    // No partial ticket: the ledger holds exactly the good rows, whole.
    let ledger = office
        .server
        .state
        .storage
        .whole_ledger(&LedgerQuery::default())
        .expect("ledger");
    assert_eq!(ledger.len(), 3);
    let gas = ledger
        .iter()
        .find(|r| r.customer_name == "Langfang Gas")
        .expect("the row over two lines");
    assert_eq!(gas.content, "asks about\nharmonics, twice");
    assert_eq!(gas.kind, "inquiry");
    assert!(!gas.complaint);
    let port = ledger
        .iter()
        .find(|r| r.customer_name == "Tangshan Port")
        .expect("the numbered row");
    assert_eq!(port.ledger_number.as_deref(), Some("KS-2025-000777"));
    assert_eq!(port.responsibility.as_deref(), Some("supplier"));
    let water = ledger
        .iter()
        .find(|r| r.customer_name == "Cangzhou Water")
        .expect("first row");
    assert_eq!(
        water.registered_at,
        Calendar::default().parse_local("2025-03-04 09:15")
    );

    // Excel ends lines with CR LF: the line numbers are the same.
    let crlf = TestServer::start();
    let token = crlf.token(&crlf.user("admin.zhou", Role::Admin));
    let outcomes = import_file(&crlf, &token, MESSY.replace('\n', "\r\n").as_bytes());
    let lines: Vec<u64> = outcomes
        .iter()
        .filter(|o| !created(&o.outcome))
        .map(|o| o.line)
        .collect();
    assert_eq!(lines, [3, 4, 5, 8]);

    // The desk may register but not rule on responsibility: that row is refused, naming why.
    let fresh = Office::start();
    let outcomes = import_file(&fresh.server, &fresh.desk, MESSY.as_bytes());
    let numbered = outcomes.iter().find(|o| o.line == 9).expect("line 9");
    assert!(
        matches!(&numbered.outcome, Outcome::Rejected { reason }
            if reason.contains("rule_responsibility")),
        "{numbered:?}"
    );

    // Again: nothing new, and new numbers continue after the imported one.
    let outcomes = import_file(&office.server, &admin, MESSY.as_bytes());
    assert_eq!(count(&outcomes, created), 0, "{outcomes:?}");
    let (id, _) = office.desk_ticket(&[]);
    let row = office
        .server
        .state
        .storage
        .ledger_row(&id)
        .expect("row")
        .expect("exists");
    let number = row.ledger_number.unwrap_or_default();
    assert!(number.starts_with("KS-20"), "{number}");
}

#[test]
fn imported_tickets_are_history_that_raises_no_deadline_or_event() {
    let office = Office::start();
    let admin = admin(&office.server);
    let events_before = office
        .server
        .state
        .storage
        .events_after(0, 1_000)
        .expect("outbox")
        .len();
    let outcomes = import_file(&office.server, &admin, MESSY.as_bytes());
    assert_eq!(count(&outcomes, created), 3);
    let events = office
        .server
        .state
        .storage
        .events_after(0, 1_000)
        .expect("outbox");
    assert_eq!(events.len(), events_before, "{events:?}");
    let (desk_ticket, _) = office.desk_ticket(&[]);

    // A day later, only the ticket registered here has missed its hand-off.
    let later = Timestamp(office.server.state.clock.now().millis() + 86_400_000);
    let missed = Workflow::default()
        .scan(office.server.state.storage.as_ref(), later)
        .expect("scan");
    let tickets: Vec<&TicketId> = missed.iter().map(|e| &e.ticket_id).collect();
    assert_eq!(tickets, [&desk_ticket]);
    let compliance = office
        .server
        .state
        .storage
        .handoff_compliance(30 * 60_000, &Period::default())
        .expect("statistics");
    assert_eq!(compliance.tickets, 1);
}

#[test]
fn a_file_that_is_not_a_ledger_is_refused_whole() {
    let calendar = Calendar::default();
    let error = import::read(b"name,amount\nx,1\n", &calendar)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("客户名称 (customer name)"), "{error}");
    let error = import::read(&[0xff, 0xfe, 0x00, 0xd8, 0x00], &calendar)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("GB18030"), "{error}");
    // Excel on a Chinese system saves CSV as GB18030: it reads.
    let (gbk, _, _) = encoding_rs::GB18030.encode("客户名称,产品名称,投诉内容\n沧州,开关柜,跳闸\n");
    let file = import::read(&gbk, &calendar).expect("GB18030 reads");
    assert_eq!(file.rows[0].registration.customer_name, "沧州");
}

/// Finding 10 of the trust review: cells that start like a formula (`=`, `+`, `-`, `@`) were
/// written verbatim, so that opening the export in a spreadsheet ran what a caller had typed.
/// They are now written as text, with a leading apostrophe, and an import reads them back as
/// they were registered.
#[test]
fn exported_cells_that_look_like_formulas_open_as_text_and_import_as_typed() {
    let office = Office::start();
    let formula = "=HYPERLINK(\"http://evil.example\",\"查看\")";
    let (status, body) = office.server.call(
        "POST",
        "/v1/tickets",
        &office.desk,
        Some(json!(Registration {
            contact_method: "+86 138 0000 0000".into(),
            contact_person: "@Li".into(),
            ..complaint(formula)
        })),
    );
    assert_eq!(status, 201, "{body}");
    let (_, file) = export(&office.server, &office.desk, "format=csv&lang=zh");
    let rows = csv_rows(&file);
    let row = &rows[0];
    assert_eq!(row["客户名称"], format!("'{formula}"));
    assert_eq!(row["客户联系人"], "'@Li");
    let other = TestServer::start();
    let admin = admin(&other);
    let outcomes = import_file(&other, &admin, &file);
    assert_eq!(count(&outcomes, created), 1);
    let (_, again) = export(&other, &admin, "format=csv&lang=zh");
    assert_eq!(importable(&csv_rows(&again)), importable(&rows));
    let (_, ledger) = other.call("GET", "/v1/ledger", &admin, None);
    assert_eq!(ledger["rows"][0]["customer_name"], formula, "{ledger}");
}
