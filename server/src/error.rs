//! The server's errors: one internal type, turned into `{ "error": code, "message": text }`
//! responses in one place.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fieldledger_core::Error as CoreError;

/// Everything that can go wrong in the server.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// A request was refused; nothing was changed.
    #[error("{message}")]
    Refused {
        /// The HTTP status.
        status: StatusCode,
        /// A stable code for programs.
        code: &'static str,
        /// What happened, for people.
        message: String,
    },
    /// A write was staged on documents that changed before it was stored: another server
    /// wrote them since this one read them, or an earlier write on them failed. Nothing of it
    /// was stored; made again on the documents as stored, it may succeed.
    #[error("{0}; try again")]
    Stale(String),
    /// An error of fieldledger-core.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// SQLite failed.
    #[error("storage error: {0}")]
    Storage(#[from] rusqlite::Error),
    /// The file system failed.
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

impl ServerError {
    /// A refusal with a status, code and message.
    pub fn refused(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ServerError::Refused {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400: the request is malformed.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::refused(StatusCode::BAD_REQUEST, code, message)
    }

    /// 403: the caller may not do this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::refused(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 404: no such thing.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::refused(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// The status, code and message this error answers with.
    pub fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            ServerError::Refused {
                status,
                code,
                message,
            } => (*status, code, message.clone()),
            ServerError::Core(e) => match e {
                CoreError::Forbidden { .. } | CoreError::NotPermitted { .. } => {
                    (StatusCode::FORBIDDEN, "forbidden", e.to_string())
                }
                CoreError::Invalid { .. } => (StatusCode::BAD_REQUEST, "invalid", e.to_string()),
                CoreError::UnknownTicket(_) => (StatusCode::NOT_FOUND, "not_found", e.to_string()),
                CoreError::UnknownEntry { .. } => {
                    (StatusCode::NOT_FOUND, "not_found", e.to_string())
                }
                CoreError::DuplicateTicket(_) => (StatusCode::CONFLICT, "exists", e.to_string()),
                CoreError::NotClosable { .. } => {
                    (StatusCode::CONFLICT, "not_closable", e.to_string())
                }
                _ => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the server failed; see its log".into(),
                ),
            },
            ServerError::Stale(_) => (StatusCode::SERVICE_UNAVAILABLE, "busy", format!("{self}")),
            ServerError::Storage(_) | ServerError::Io(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the server failed; see its log".into(),
            ),
        }
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let (status, code, message) = self.parts();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut body = serde_json::json!({ "error": code, "message": message });
        // A refused close also names what is missing, for programs to show.
        if let ServerError::Core(CoreError::NotClosable { missing }) = &self {
            body["missing"] = serde_json::json!(missing);
        }
        (status, Json(body)).into_response()
    }
}
