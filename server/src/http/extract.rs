//! What handlers take from a request, with axum's rejections answered in the server's error
//! format: a JSON body, raw bytes, query parameters and path segments.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use fieldledger_core::TicketId;

use super::Result;
use crate::error::{Code, Error};

/// A JSON body.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(Error))]
pub(crate) struct Body<T>(pub(crate) T);

/// Query parameters.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Error))]
pub(crate) struct Params<T>(pub(crate) T);

/// Path segments: a `String`, or a tuple of them.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(Error))]
pub(crate) struct Segment<T>(pub(crate) T);

/// The raw bytes of a body.
pub(crate) struct Raw(pub(crate) Bytes);

impl<S: Send + Sync> FromRequest<S> for Raw {
    type Rejection = Error;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self> {
        Ok(Raw(Bytes::from_request(req, state).await?))
    }
}

impl From<JsonRejection> for Error {
    fn from(rejection: JsonRejection) -> Self {
        Error::rejected(rejection.status(), rejection.body_text())
    }
}

impl From<BytesRejection> for Error {
    fn from(rejection: BytesRejection) -> Self {
        Error::rejected(rejection.status(), rejection.body_text())
    }
}

impl From<QueryRejection> for Error {
    fn from(rejection: QueryRejection) -> Self {
        Error::rejected(rejection.status(), rejection.body_text())
    }
}

impl From<PathRejection> for Error {
    fn from(rejection: PathRejection) -> Self {
        // A path that does not decode is a bad request whatever axum would answer.
        Error::new(Code::BadBody, rejection.body_text())
    }
}

/// A ticket id from a path segment.
pub(crate) fn ticket_id(raw: &str) -> Result<TicketId> {
    raw.parse()
        .map_err(|e: fieldledger_core::Error| Error::new(Code::BadId, e.to_string()))
}
