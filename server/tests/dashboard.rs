//! The dashboard's sign-in and session over the router itself: the cookie stands in for a
//! device token, changes need the CSRF token, roles are the server's, sign-out ends the session.

use fieldledger_core::Role;
use fieldledger_core::ticket::intake::{IntakeSource, Registration, TicketKind};
use fieldledger_server::axum::http::StatusCode;
use fieldledger_server::web::password;
use fieldledger_server::{AppState, Settings};
use serde_json::json;

mod router;

use router::{PASSWORD, office_of, send, sign_in};

fn office() -> (tempfile::TempDir, AppState) {
    office_of(
        &[
            ("desk.wang", Role::ServiceDesk),
            ("fin.zhao", Role::Finance),
            ("tech.zhang", Role::Technician),
        ],
        Settings::default(),
    )
}

fn registration() -> Registration {
    Registration {
        kind: TicketKind::Complaint,
        complaint: true,
        product_name: "ZN63 vacuum circuit breaker".into(),
        model: "ZN63-12/1250".into(),
        job_number: "J2026-1102".into(),
        contract_number: "HT-2026-088".into(),
        customer_name: "Hebei Steel".into(),
        contact_person: "Wang".into(),
        contact_method: "0311-8800 1234".into(),
        content: "Breaker trips.".into(),
        requests: "Inspect on site.".into(),
        source: IntakeSource::Customer,
        sales_representative: None,
        sales_rep: None,
        major: false,
        customer_id: None,
        unit_id: None,
    }
}

#[tokio::test]
async fn a_session_acts_as_its_user_and_its_changes_need_the_csrf_token() {
    let (_dir, state) = office();
    let desk = state
        .storage
        .user(&"desk.wang".parse().expect("id"))
        .expect("read")
        .expect("desk");
    let ticket = state
        .engine
        .register(&desk, &registration())
        .expect("register");
    let ops = format!("/v1/tickets/{ticket}/operations");
    let hand_off = json!({"op": "hand_off", "to": ["technician"], "note": "go"});

    assert_eq!(
        send(&state, "GET", "/v1/ledger", &[], None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let wrong = send(
        &state,
        "POST",
        "/web/sign-in",
        &[],
        Some(json!({"user": "desk.wang", "password": "not the one"})),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let (cookie, csrf) = sign_in(&state, "desk.wang").await;
    let me = send(&state, "GET", "/v1/me", &[("cookie", &cookie)], None).await;
    assert_eq!(
        (me.status, &me.body["user"]),
        (StatusCode::OK, &json!("desk.wang"))
    );

    let forged = send(
        &state,
        "POST",
        &ops,
        &[("cookie", &cookie)],
        Some(hand_off.clone()),
    )
    .await;
    assert_eq!(
        (forged.status, &forged.body["error"]),
        (StatusCode::FORBIDDEN, &json!("csrf"))
    );
    let wrong_token = send(
        &state,
        "POST",
        &ops,
        &[("cookie", &cookie), ("x-csrf-token", "0000")],
        Some(hand_off.clone()),
    )
    .await;
    assert_eq!(wrong_token.status, StatusCode::FORBIDDEN);
    let done = send(
        &state,
        "POST",
        &ops,
        &[("cookie", &cookie), ("x-csrf-token", &csrf)],
        Some(hand_off.clone()),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let detail = send(
        &state,
        "GET",
        &format!("/v1/tickets/{ticket}"),
        &[("cookie", &cookie)],
        None,
    )
    .await;
    let last = &detail.body["history"]
        .as_array()
        .expect("history")
        .last()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (&last["note"]["user"], &last["note"]["action"]),
        (&json!("desk.wang"), &json!("hand_off"))
    );

    // Finance may not hand off, nor does the desk's token work in finance's session.
    let (finance, finance_csrf) = sign_in(&state, "fin.zhao").await;
    let refused = send(
        &state,
        "POST",
        &ops,
        &[("cookie", &finance), ("x-csrf-token", &finance_csrf)],
        Some(hand_off.clone()),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let crossed = send(
        &state,
        "POST",
        &ops,
        &[("cookie", &finance), ("x-csrf-token", &csrf)],
        Some(hand_off),
    )
    .await;
    assert_eq!(
        (crossed.status, &crossed.body["error"]),
        (StatusCode::FORBIDDEN, &json!("csrf"))
    );

    let out = send(
        &state,
        "POST",
        "/web/sign-out",
        &[("cookie", &cookie), ("x-csrf-token", &csrf)],
        None,
    )
    .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(out.cookie().is_some_and(|c| c.contains("Max-Age=0")));
    assert_eq!(
        send(&state, "GET", "/v1/ledger", &[("cookie", &cookie)], None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn technicians_have_no_dashboard_and_failed_sign_ins_are_limited() {
    let (_dir, state) = office();
    let technician = "tech.zhang".parse().expect("id");
    assert!(password::set(&state, &technician, PASSWORD).is_err());
    for _ in 0..5 {
        let failed = send(
            &state,
            "POST",
            "/web/sign-in",
            &[],
            Some(json!({"user": "fin.zhao", "password": "wrong password"})),
        )
        .await;
        assert_eq!(failed.status, StatusCode::UNAUTHORIZED);
    }
    let limited = send(
        &state,
        "POST",
        "/web/sign-in",
        &[],
        Some(json!({"user": "fin.zhao", "password": PASSWORD})),
    )
    .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    let secure = send(
        &state,
        "POST",
        "/web/sign-in",
        &[("x-forwarded-proto", "https")],
        Some(json!({"user": "desk.wang", "password": PASSWORD})),
    )
    .await;
    // The header is believed only from a proxy named with --trusted-proxy: this request came
    // from no such proxy, so the cookie is not marked Secure on its word.
    assert!(secure.cookie().is_some_and(|c| !c.ends_with("; Secure")));
    let page = send(&state, "GET", "/", &[], None).await;
    assert_eq!(page.status, StatusCode::OK);
}
