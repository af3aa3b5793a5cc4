//! Who may call an endpoint, as extractors: a [`Caller`] presents a device token or a dashboard
//! session, a [`TokenCaller`] a device token, an [`Office`] caller reads the whole ledger, an
//! [`Admin`] administers the server. A handler that takes one is never entered by anyone else.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use fieldledger_core::policy::reads_assigned_only;
use fieldledger_core::{Role, TicketId};

use super::Result;
use crate::AppState;
use crate::auth::{Bearer, Caller};
use crate::error::Error;

/// The caller of a bearer token, checked against the devices from the request's headers alone:
/// a request with an unknown or revoked token is refused before a byte of its body is read.
#[derive(Clone, Debug)]
pub(crate) struct TokenCaller(pub(crate) Caller);

impl FromRequestParts<AppState> for TokenCaller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let bearer = Bearer::from_headers(&parts.headers)?;
        let storage = state.storage.clone();
        super::blocking(move || bearer.caller(storage.as_ref()).map(TokenCaller)).await
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        // A dashboard session stands in for a token only where no token is presented, so that
        // devices and API clients are treated exactly as before.
        if !parts
            .headers
            .contains_key(axum::http::header::AUTHORIZATION)
            && crate::web::session::cookie(&parts.headers).is_some()
        {
            return Ok(
                crate::web::session::Signed::from_request_parts(parts, state)
                    .await?
                    .caller(),
            );
        }
        TokenCaller::from_request_parts(parts, state)
            .await
            .map(|TokenCaller(caller)| caller)
    }
}

/// A caller whose role reads the whole ledger: not a technician or a sales representative, who
/// read only their own tickets.
pub(crate) struct Office(pub(crate) Caller);

impl FromRequestParts<AppState> for Office {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if reads_assigned_only(caller.user.role) {
            return Err(Error::forbidden(
                "this covers the whole ledger and is read in the office",
            ));
        }
        Ok(Office(caller))
    }
}

/// An administrator, and who they are.
pub(crate) struct Admin(pub(crate) Caller);

impl FromRequestParts<AppState> for Admin {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if caller.user.role != Role::Admin {
            return Err(Error::forbidden("only administrators may do this"));
        }
        Ok(Admin(caller))
    }
}

/// Refuses `caller` ticket `id` when their role reads only assigned tickets and this one is not
/// theirs. Blocks on storage.
pub(crate) fn readable(state: &AppState, caller: &Caller, id: &TicketId) -> Result<()> {
    if reads_assigned_only(caller.user.role) && !state.storage.has_access(&caller.user.id, id)? {
        return Err(Error::forbidden(format!(
            "ticket {id} is not assigned to you"
        )));
    }
    Ok(())
}
