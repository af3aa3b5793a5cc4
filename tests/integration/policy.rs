//! The authority table as the office reads it (`GET /v1/policy`): every signed-in office user
//! reads their role's actions and every role's, with a token or a dashboard session, exactly as
//! `fieldledger_core::policy` holds them; a stranger reads nothing.

use fieldledger_core::{Role, policy};
use fieldledger_server::web::password;
use fieldledger_tests::Office;
use serde_json::Value;
use strum::VariantArray;

const PASSWORD: &str = "a long enough password";

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
}

fn actions(row: &Value) -> Vec<&str> {
    row["may"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Signs `user` in to the dashboard; returns the `Cookie` header value.
fn signed_in(office: &Office, user: &str) -> String {
    let body = serde_json::json!({ "user": user, "password": PASSWORD }).to_string();
    let response = agent()
        .post(&format!("{}/web/sign-in", office.server.url))
        .header("Content-Type", "application/json")
        .send(body.as_bytes())
        .expect("sign-in");
    assert_eq!(response.status().as_u16(), 200);
    let set = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a session cookie");
    set.split(';').next().expect("pair").to_owned()
}

/// `GET /v1/policy` with `header`, if any; returns the status and the body.
fn read(office: &Office, header: Option<(&str, &str)>) -> (u16, Value) {
    let url = format!("{}/v1/policy", office.server.url);
    let request = agent().get(&url);
    let request = match header {
        Some((name, value)) => request.header(name, value),
        None => request,
    };
    let mut response = request.call().expect("request");
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[test]
fn every_office_user_reads_the_table_for_their_role_and_every_role() {
    let office = Office::start();
    let (status, desk) = office.server.call("GET", "/v1/policy", &office.desk, None);
    assert_eq!(status, 200, "{desk}");
    assert_eq!(desk["role"], "service_desk");
    assert_eq!(desk["may_register"], true);
    assert!(actions(&desk).contains(&"hand_off"), "{desk}");
    assert!(!actions(&desk).contains(&"settle_cost"), "{desk}");

    let roles = desk["roles"].as_array().expect("every role");
    assert_eq!(roles.len(), Role::VARIANTS.len());
    for (row, role) in roles.iter().zip(Role::VARIANTS.iter().copied()) {
        assert_eq!(row["role"], role.as_str());
        assert_eq!(row["may_register"], policy::may_register(role));
        let table: Vec<&str> = policy::PERMISSIONS
            .iter()
            .filter(|p| p.roles.contains(&role))
            .map(|p| p.action)
            .collect();
        assert_eq!(actions(row), table, "{role:?}");
    }

    // Finance in the dashboard: acknowledges what is handed off to it, reports the corrective
    // actions it owns, settles costs, pays and clears travel advances, and does nothing else.
    let finance = office.server.user("fin.zhao", Role::Finance);
    password::set(&office.server.state, &finance, PASSWORD).expect("password");
    let cookie = signed_in(&office, "fin.zhao");
    let (status, answer) = read(&office, Some(("Cookie", &cookie)));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["role"], "finance");
    assert_eq!(answer["may_register"], false);
    assert_eq!(
        actions(&answer),
        [
            "acknowledge_hand_off",
            "set_action_status",
            "settle_cost",
            "record_advance",
            "clear_advance"
        ]
    );
    assert_eq!(answer["roles"], desk["roles"]);
}

#[test]
fn a_stranger_is_unauthorized_and_a_technician_is_sent_to_the_app() {
    let office = Office::start();
    let (status, _) = read(&office, None);
    assert_eq!(status, 401);
    let (status, _) = read(&office, Some(("Authorization", "Bearer not-a-token")));
    assert_eq!(status, 401);
    let (status, _) = read(&office, Some(("Cookie", "fl_session=fls_forged")));
    assert_eq!(status, 401);

    let token = office.server.token(&office.zhang);
    let (status, answer) = office.server.call("GET", "/v1/policy", &token, None);
    assert_eq!(status, 403, "{answer}");
}
