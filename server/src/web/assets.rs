//! The dashboard's files, built into the binary: no build step, no CDN, nothing fetched at run
//! time. Each answer carries a strict Content-Security-Policy: the page runs only its own
//! scripts and talks only to its own server.

use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::Error;
use crate::http::extract::Segment;

/// Embeds each file of `server/web/` with its media type.
macro_rules! embedded {
    ($($path:literal => $mime:expr),* $(,)?) => {
        &[$(($path, $mime, include_bytes!(concat!("../../web/", $path)))),*]
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every file: its path under `/assets/`, media type and bytes.
pub const FILES: &[(&str, &str, &[u8])] = embedded! {
    "index.html" => "text/html; charset=utf-8",
    "enrol.html" => "text/html; charset=utf-8",
    "app.css" => "text/css; charset=utf-8",
    "js/main.js" => JS,
    "js/api.js" => JS,
    "js/i18n.js" => JS,
    "js/dom.js" => JS,
    "js/charts.js" => JS,
    "js/forms.js" => JS,
    "js/policy.js" => JS,
    "js/session.js" => JS,
    "js/toast.js" => JS,
    "js/people.js" => JS,
    "js/views/sign_in.js" => JS,
    "js/views/ledger.js" => JS,
    "js/views/ticket.js" => JS,
    "js/views/ticket_header.js" => JS,
    "js/views/desk.js" => JS,
    "js/views/events.js" => JS,
    "js/views/visits.js" => JS,
    "js/views/quality.js" => JS,
    "js/views/finance.js" => JS,
    "js/views/statistics.js" => JS,
    "js/views/statistics_groups.js" => JS,
    "js/views/devices.js" => JS,
    "js/views/home.js" => JS,
    "js/views/home_forms.js" => JS,
    "js/views/sales.js" => JS,
    "js/views/reference.js" => JS,
    "js/enrol.js" => JS,
    "js/views/complaint_form.js" => JS,
};

const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; \
    frame-ancestors 'none'";

fn serve(mime: &'static str, bytes: &'static [u8]) -> Response {
    let headers: [(HeaderName, HeaderValue); 5] = [
        (header::CONTENT_TYPE, HeaderValue::from_static(mime)),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(POLICY),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
    ];
    (headers, bytes).into_response()
}

fn find(path: &str) -> Result<Response, Error> {
    FILES
        .iter()
        .find(|(p, _, _)| *p == path)
        .map(|(_, mime, bytes)| serve(mime, bytes))
        .ok_or_else(|| Error::not_found(format!("no dashboard file {path}")))
}

/// `GET /`: the dashboard's page.
pub(crate) async fn index() -> Result<Response, Error> {
    find("index.html")
}

/// `GET /enrol`: the page an enrolment link opens in a browser, which tells the person how to
/// finish in the app. The token stays in the link's fragment, which never reaches the server.
pub(crate) async fn enrol() -> Result<Response, Error> {
    find("enrol.html")
}

/// `GET /assets/{path}`: one of its files.
pub(crate) async fn asset(Segment(path): Segment<String>) -> Result<Response, Error> {
    find(&path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_script_the_page_imports_is_embedded() {
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        for (path, _, bytes) in FILES {
            let source = text(bytes);
            for import in source
                .split("from \"")
                .skip(1)
                .chain(source.split("src=\"/assets/").skip(1))
                .chain(source.split("href=\"/assets/").skip(1))
            {
                let Some(target) = import.split('"').next() else {
                    continue;
                };
                let resolved = resolve(path, target);
                assert!(
                    FILES.iter().any(|(p, _, _)| *p == resolved),
                    "{path} imports {target} ({resolved}), which is not embedded"
                );
            }
        }
    }

    /// `target` as imported from `from`, as a path under `/assets/`.
    fn resolve(from: &str, target: &str) -> String {
        let mut parts: Vec<&str> = from.split('/').collect();
        parts.pop();
        if !target.starts_with('.') {
            return target.to_owned();
        }
        for piece in target.split('/') {
            match piece {
                "." => {}
                ".." => {
                    parts.pop();
                }
                other => parts.push(other),
            }
        }
        parts.join("/")
    }
}
