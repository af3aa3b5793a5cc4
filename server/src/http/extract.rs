//! What handlers take from a request, with axum's rejections answered in the server's error
//! format: a JSON body, raw bytes, query parameters and path segments.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::StatusCode;
use fieldledger_core::TicketId;

use super::Result;
use crate::error::ServerError;

/// A JSON body.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ServerError))]
pub(crate) struct Body<T>(pub(crate) T);

/// Query parameters.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ServerError))]
pub(crate) struct Params<T>(pub(crate) T);

/// Path segments: a `String`, or a tuple of them.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ServerError))]
pub(crate) struct Segment<T>(pub(crate) T);

/// The raw bytes of a body.
pub(crate) struct Raw(pub(crate) Bytes);

impl<S: Send + Sync> FromRequest<S> for Raw {
    type Rejection = ServerError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self> {
        Ok(Raw(Bytes::from_request(req, state).await?))
    }
}

/// A body that could not be read: too large, or not what the endpoint takes.
fn rejected(status: StatusCode, text: String) -> ServerError {
    let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
        "too_large"
    } else {
        "bad_body"
    };
    ServerError::refused(status, code, text)
}

impl From<JsonRejection> for ServerError {
    fn from(rejection: JsonRejection) -> Self {
        rejected(rejection.status(), rejection.body_text())
    }
}

impl From<BytesRejection> for ServerError {
    fn from(rejection: BytesRejection) -> Self {
        rejected(rejection.status(), rejection.body_text())
    }
}

impl From<QueryRejection> for ServerError {
    fn from(rejection: QueryRejection) -> Self {
        rejected(rejection.status(), rejection.body_text())
    }
}

impl From<PathRejection> for ServerError {
    fn from(rejection: PathRejection) -> Self {
        // A path that does not decode is a bad request whatever axum would answer.
        rejected(StatusCode::BAD_REQUEST, rejection.body_text())
    }
}

/// A ticket id from a path segment.
pub(crate) fn ticket_id(raw: &str) -> Result<TicketId> {
    raw.parse()
        .map_err(|e: fieldledger_core::Error| ServerError::bad_request("bad_id", e.to_string()))
}
