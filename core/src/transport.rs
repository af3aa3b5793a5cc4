//! The HTTP transport of the sync protocol, over `ureq` with rustls (no OpenSSL), so that it
//! builds for Android and iOS as well as desktops.

use std::time::Duration;

use crate::author::Author;
use crate::error::{Error, Result};
use crate::protocol::CONTENT_TYPE;
use crate::store::sync_state::Enrolment;
use crate::sync::Transport;

/// Talks to one office server with one device token.
#[derive(Debug)]
pub struct HttpTransport {
    base: String,
    token: String,
    agent: ureq::Agent,
}

impl HttpTransport {
    /// A transport for an enrolment.
    pub fn new(enrolment: &Enrolment) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(60)))
            .timeout_connect(Some(Duration::from_secs(10)))
            .http_status_as_error(false)
            .build()
            .new_agent();
        Self {
            base: enrolment.server_url.trim_end_matches('/').to_owned(),
            token: enrolment.token.clone(),
            agent,
        }
    }

    fn bearer(&self) -> String {
        format!("Bearer {}", self.token)
    }

    /// Asks the server whose token this is (`GET /v1/me`): the user a device enrolled with it
    /// works as, and their role.
    pub fn whoami(&self) -> Result<Author> {
        let body = answer(
            self.agent
                .get(format!("{}/v1/me", self.base))
                .header("Authorization", self.bearer())
                .call(),
        )?;
        let me: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| Error::invalid("server answer", e.to_string()))?;
        let field = |name: &'static str| {
            me[name]
                .as_str()
                .ok_or_else(|| Error::invalid("server answer", format!("it names no {name}")))
        };
        Ok(Author::new(
            field("user")?.parse()?,
            field("role")?.parse()?,
        ))
    }
}

/// Turns an HTTP answer of the office server into its body, or into the error the caller acts
/// on (the server's JSON error's code and message when it refused).
pub fn answer(
    response: std::result::Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<Vec<u8>> {
    let mut response = response.map_err(|e| Error::Offline(e.to_string()))?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_vec()
        .map_err(|e| Error::Offline(e.to_string()))?;
    if (200..300).contains(&status) {
        return Ok(body);
    }
    let (code, message) = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .map(|v| {
            (
                v["error"].as_str().unwrap_or("error").to_owned(),
                v["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .unwrap_or_else(|| ("error".into(), String::from_utf8_lossy(&body).into_owned()));
    Err(match status {
        401 => Error::Unauthorized(message),
        _ => Error::Rejected {
            status,
            code,
            message,
        },
    })
}

impl Transport for HttpTransport {
    fn sync(&self, request: Vec<u8>) -> Result<Vec<u8>> {
        answer(
            self.agent
                .post(format!("{}/v1/sync", self.base))
                .header("Authorization", self.bearer())
                .header("Content-Type", CONTENT_TYPE)
                .send(&request[..]),
        )
    }

    fn blob_offset(&self, sha256: &str) -> Result<Option<u64>> {
        let body = answer(
            self.agent
                .get(format!("{}/v1/blobs/{sha256}/upload", self.base))
                .header("Authorization", self.bearer())
                .call(),
        )?;
        let state: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| Error::invalid("blob state", e.to_string()))?;
        if state["complete"].as_bool() == Some(true) {
            Ok(None)
        } else {
            Ok(Some(state["offset"].as_u64().unwrap_or(0)))
        }
    }

    fn upload_blob(&self, sha256: &str, offset: u64, total: u64, bytes: &[u8]) -> Result<()> {
        answer(
            self.agent
                .put(format!(
                    "{}/v1/blobs/{sha256}?offset={offset}&total={total}",
                    self.base
                ))
                .header("Authorization", self.bearer())
                .header("Content-Type", "application/octet-stream")
                .send(bytes),
        )
        .map(drop)
    }
}
