//! Enrolment without a shell, over the router itself: an administrator lists users with their
//! devices, enrols a device (its token, link and QR code answered once) and revokes it, with a
//! dashboard session (and its CSRF token) or a bearer token; every other role is refused; the
//! link's base is the public URL, or the request's host, believing forwarding headers only from
//! trusted proxies; both are written to the security log.

use std::net::SocketAddr;

use fieldledger_core::enrolment::EnrolmentLink;
use fieldledger_core::{Role, UserId};
use fieldledger_server::accounts::{self, By};
use fieldledger_server::axum::http::{StatusCode, header};
use fieldledger_server::{AppState, Settings};
use serde_json::json;

mod router;

use router::{Answer, office_of, send, send_from, sign_in};

fn office_with(settings: Settings) -> (tempfile::TempDir, AppState) {
    office_of(
        &[
            ("admin", Role::Admin),
            ("desk.wang", Role::ServiceDesk),
            ("tech.zhang", Role::Technician),
        ],
        settings,
    )
}

fn office() -> (tempfile::TempDir, AppState) {
    office_with(Settings::default())
}

fn user(id: &str) -> UserId {
    id.parse().expect("user id")
}

/// A bearer token of a device enrolled for `id`.
fn bearer(state: &AppState, id: &str) -> String {
    let (_, token) = accounts::enrol(state, &user(id), "test device").expect("enrol");
    format!("Bearer {token}")
}

fn security_events(
    state: &AppState,
    kind: &str,
) -> Vec<fieldledger_server::storage::SecurityEvent> {
    state
        .storage
        .security_events(100)
        .expect("security events")
        .into_iter()
        .filter(|e| e.kind == kind)
        .collect()
}

#[tokio::test]
async fn an_administrator_enrols_lists_and_revokes_with_a_session_and_its_csrf_token() {
    let (_dir, state) = office();
    let (cookie, csrf) = sign_in(&state, "admin").await;
    let enrol = json!({"user": "tech.zhang", "label": "  张伟的手机 Zhang's phone "});

    let forged = send(
        &state,
        "POST",
        "/v1/devices",
        &[("cookie", &cookie), ("host", "service.test:8080")],
        Some(enrol.clone()),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(forged.body["error"], "csrf");

    let answer = send(
        &state,
        "POST",
        "/v1/devices",
        &[
            ("cookie", &cookie),
            ("x-csrf-token", &csrf),
            ("host", "service.test:8080"),
        ],
        Some(enrol),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    assert_eq!(
        answer
            .headers
            .get(header::CACHE_CONTROL)
            .map(|v| v.as_bytes()),
        Some(&b"no-store"[..])
    );
    let token = answer.body["token"].as_str().expect("token").to_owned();
    let device = answer.body["device"]["id"].as_str().expect("id").to_owned();
    assert!(token.starts_with("flt_"), "{token}");
    assert_eq!(answer.body["device"]["user"], "tech.zhang");
    assert_eq!(answer.body["device"]["label"], "张伟的手机 Zhang's phone");
    assert!(answer.body["device"]["revoked_at"].is_null());
    let link = answer.body["link"].as_str().expect("link");
    assert_eq!(
        link,
        format!("http://service.test:8080/enrol#token={token}")
    );
    let parsed = EnrolmentLink::parse(link).expect("the link reads back");
    assert_eq!(parsed.token, token);
    let svg = answer.body["qr_svg"].as_str().expect("svg");
    assert!(svg.contains("<svg") && svg.contains("<path"), "{svg}");

    // The token is a working device token of tech.zhang.
    let me = send(
        &state,
        "GET",
        "/v1/me",
        &[("authorization", &format!("Bearer {token}"))],
        None,
    )
    .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.body["user"], "tech.zhang");

    // The list shows the device under its user, and never a token.
    let list = send(&state, "GET", "/v1/devices", &[("cookie", &cookie)], None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(!list.text.contains(&token) && !list.text.contains("token"));
    let users = list.body["users"].as_array().expect("users");
    let zhang = users
        .iter()
        .find(|u| u["id"] == "tech.zhang")
        .expect("tech.zhang listed");
    assert_eq!(zhang["role"], "technician");
    assert_eq!(zhang["devices"][0]["id"], device.as_str());
    assert!(users.iter().any(|u| u["id"] == "desk.wang"));

    let enrolled = security_events(&state, accounts::DEVICE_ENROLLED);
    assert_eq!(enrolled.len(), 1, "{enrolled:?}");
    assert_eq!(
        enrolled[0].device.as_ref().map(|d| d.as_str()),
        Some(device.as_str())
    );
    assert_eq!(enrolled[0].user, Some(user("tech.zhang")));
    assert!(
        enrolled[0].detail.contains("by administrator admin"),
        "{enrolled:?}"
    );
    assert!(!enrolled[0].detail.contains(&token));

    let revoke = format!("/v1/devices/{device}/revoke");
    let forged = send(&state, "POST", &revoke, &[("cookie", &cookie)], None).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let revoked = send(
        &state,
        "POST",
        &revoke,
        &[("cookie", &cookie), ("x-csrf-token", &csrf)],
        None,
    )
    .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    let at = revoked.body["device"]["revoked_at"]
        .as_i64()
        .expect("revoked_at");
    let me = send(
        &state,
        "GET",
        "/v1/me",
        &[("authorization", &format!("Bearer {token}"))],
        None,
    )
    .await;
    assert_eq!(
        me.status,
        StatusCode::UNAUTHORIZED,
        "the token stopped at once"
    );

    // Revoking again answers the device as it is, and logs nothing more.
    let again = send(
        &state,
        "POST",
        &revoke,
        &[("cookie", &cookie), ("x-csrf-token", &csrf)],
        None,
    )
    .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["device"]["revoked_at"].as_i64(), Some(at));
    let revocations = security_events(&state, accounts::DEVICE_REVOKED);
    assert_eq!(revocations.len(), 1, "{revocations:?}");
    assert!(revocations[0].detail.contains("by administrator admin"));

    let list = send(&state, "GET", "/v1/devices", &[("cookie", &cookie)], None).await;
    let users = list.body["users"].as_array().expect("users");
    let zhang = users
        .iter()
        .find(|u| u["id"] == "tech.zhang")
        .expect("zhang");
    assert_eq!(zhang["devices"][0]["revoked_at"].as_i64(), Some(at));

    let unknown = send(
        &state,
        "POST",
        "/v1/devices/dev-unknown/revoke",
        &[("cookie", &cookie), ("x-csrf-token", &csrf)],
        None,
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);
    assert_eq!(unknown.body["error"], "not_found");
}

#[tokio::test]
async fn every_other_role_is_refused_and_bad_requests_say_what_is_wrong() {
    let (_dir, state) = office();
    let body = json!({"user": "tech.zhang", "label": "phone"});
    let (cookie, csrf) = sign_in(&state, "desk.wang").await;
    let desk = [("cookie", cookie.as_str()), ("x-csrf-token", csrf.as_str())];
    let technician = bearer(&state, "tech.zhang");
    let technician = [("authorization", technician.as_str())];
    let before = state.storage.devices().expect("devices").len();
    for headers in [&desk[..], &technician[..]] {
        let list = send(&state, "GET", "/v1/devices", headers, None).await;
        assert_eq!(list.status, StatusCode::FORBIDDEN, "{}", list.body);
        assert_eq!(list.body["error"], "forbidden");
        let enrol = send(&state, "POST", "/v1/devices", headers, Some(body.clone())).await;
        assert_eq!(enrol.status, StatusCode::FORBIDDEN, "{}", enrol.body);
        let revoke = send(&state, "POST", "/v1/devices/dev-x/revoke", headers, None).await;
        assert_eq!(revoke.status, StatusCode::FORBIDDEN, "{}", revoke.body);
    }
    let stranger = send(&state, "POST", "/v1/devices", &[], Some(body)).await;
    assert_eq!(stranger.status, StatusCode::UNAUTHORIZED);

    let admin = bearer(&state, "admin");
    let admin = [
        ("authorization", admin.as_str()),
        ("host", "127.0.0.1:8080"),
    ];
    for (request, status, code, words) in [
        (
            json!({"user": "nobody", "label": "phone"}),
            StatusCode::NOT_FOUND,
            "not_found",
            "no user nobody",
        ),
        (
            json!({"user": "tech.zhang", "label": "   "}),
            StatusCode::BAD_REQUEST,
            "invalid",
            "needs a label",
        ),
        (
            json!({"user": "tech.zhang", "label": "长".repeat(accounts::MAX_LABEL_CHARS + 1)}),
            StatusCode::BAD_REQUEST,
            "invalid",
            "at most 80 characters",
        ),
        (
            json!({"user": "tech.zhang", "label": "two\nlines"}),
            StatusCode::BAD_REQUEST,
            "invalid",
            "control characters",
        ),
        (
            json!({"user": "tech zhang", "label": "phone"}),
            StatusCode::BAD_REQUEST,
            "bad_id",
            "",
        ),
    ] {
        let answer = send(&state, "POST", "/v1/devices", &admin, Some(request.clone())).await;
        assert_eq!(answer.status, status, "{request}: {}", answer.body);
        assert_eq!(answer.body["error"], code, "{request}: {}", answer.body);
        let message = answer.body["message"].as_str().unwrap_or_default();
        assert!(message.contains(words), "{request}: {message}");
    }
    let unexpected = send(
        &state,
        "POST",
        "/v1/devices",
        &admin,
        Some(json!({"user": "tech.zhang", "label": "phone", "token": "flt_mine"})),
    )
    .await;
    assert!(unexpected.status.is_client_error(), "{}", unexpected.body);
    assert_eq!(
        state.storage.devices().expect("devices").len(),
        before + 1,
        "only the administrator's own test device was added"
    );
    // Exactly 80 characters is a label.
    let longest = "长".repeat(accounts::MAX_LABEL_CHARS);
    let answer = send(
        &state,
        "POST",
        "/v1/devices",
        &admin,
        Some(json!({"user": "tech.zhang", "label": longest})),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
}

#[tokio::test]
async fn the_link_takes_the_public_url_else_the_host_and_forwarding_only_from_trusted_proxies() {
    let body = json!({"user": "tech.zhang", "label": "phone"});
    let proxy: SocketAddr = "10.0.0.5:40000".parse().expect("address");
    let stranger: SocketAddr = "203.0.113.9:40000".parse().expect("address");
    let forwarded = [
        ("host", "10.0.0.1:8080"),
        ("x-forwarded-host", "service.example.com"),
        ("x-forwarded-proto", "https"),
    ];
    let link = |answer: &Answer| {
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        let link = answer.body["link"].as_str().expect("link").to_owned();
        let token = answer.body["token"].as_str().expect("token").to_owned();
        link.strip_suffix(&format!("/enrol#token={token}"))
            .expect("a link of the token")
            .to_owned()
    };

    let (_dir, state) = office_with(Settings {
        public_url: Some("https://Service.Example.com/fieldledger/".into()),
        ..Settings::default()
    });
    let admin = bearer(&state, "admin");
    let mut headers = vec![("authorization", admin.as_str())];
    headers.extend(forwarded);
    let answer = send(&state, "POST", "/v1/devices", &headers, Some(body.clone())).await;
    assert_eq!(link(&answer), "https://Service.Example.com/fieldledger");

    let (_dir, state) = office_with(Settings {
        trusted_proxies: vec![proxy.ip()],
        ..Settings::default()
    });
    let admin = bearer(&state, "admin");
    let mut headers = vec![("authorization", admin.as_str())];
    headers.extend(forwarded);
    let answer = send_from(
        &state,
        Some(stranger),
        "POST",
        "/v1/devices",
        &headers,
        Some(body.clone()),
    )
    .await;
    assert_eq!(
        link(&answer),
        "http://10.0.0.1:8080",
        "a stranger's forwarding is ignored"
    );
    let answer = send_from(
        &state,
        Some(proxy),
        "POST",
        "/v1/devices",
        &headers,
        Some(body.clone()),
    )
    .await;
    assert_eq!(link(&answer), "https://service.example.com");

    let before = state.storage.devices().expect("devices").len();
    for host in [
        "evil.example/enrol",
        "user@evil.example",
        "evil.example:99999",
        "[::1",
    ] {
        let answer = send(
            &state,
            "POST",
            "/v1/devices",
            &[("authorization", admin.as_str()), ("host", host)],
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{host}: {}",
            answer.body
        );
        assert!(
            answer.body["message"]
                .as_str()
                .unwrap_or_default()
                .contains("--public-url")
        );
    }
    assert_eq!(
        state.storage.devices().expect("devices").len(),
        before,
        "a request whose link cannot be made enrols nothing"
    );

    let dir = tempfile::tempdir().expect("dir");
    let refused = AppState::open_with(
        dir.path(),
        Settings {
            public_url: Some("ftp://service.example.com".into()),
            pacing: None,
            workflow: None,
            ..Settings::default()
        },
    );
    assert!(refused.is_err_and(|e| e.to_string().contains("--public-url")));
}

#[tokio::test]
async fn the_enrol_page_is_served_without_the_token_and_sends_no_referrer() {
    let (_dir, state) = office();
    let page = send(&state, "GET", "/enrol", &[], None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("/assets/js/enrol.js"), "{}", page.text);
    let header = |name: header::HeaderName| {
        page.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header(header::REFERRER_POLICY), "no-referrer");
    assert!(header(header::CONTENT_SECURITY_POLICY).contains("connect-src 'self'"));
    let script = send(&state, "GET", "/assets/js/enrol.js", &[], None).await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(
        !script.text.contains("fetch(") && !script.text.contains("XMLHttpRequest"),
        "the page sends the token nowhere"
    );
}

#[tokio::test]
async fn enrolling_and_revoking_on_the_command_line_are_logged_too() {
    let (_dir, state) = office();
    let (device, token) =
        accounts::enrol_by(&state, By::CommandLine, &user("tech.zhang"), "phone").expect("enrol");
    let (revoked, now) = accounts::revoke_by(&state, By::CommandLine, &device.id).expect("revoke");
    assert!(now && revoked.revoked_at.is_some());
    let (_, again) = accounts::revoke_by(&state, By::CommandLine, &device.id).expect("again");
    assert!(!again, "revoking twice revokes nothing");
    for kind in [accounts::DEVICE_ENROLLED, accounts::DEVICE_REVOKED] {
        let events = security_events(&state, kind);
        assert_eq!(events.len(), 1, "{kind}: {events:?}");
        assert!(events[0].detail.contains("command line"), "{events:?}");
        assert!(!events[0].detail.contains(&token));
    }
    assert!(accounts::enrol(&state, &user("tech.zhang"), "").is_err());
}
