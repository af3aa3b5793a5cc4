//! `GET /v1/people`: the users by name and role, for screens that show a person by name rather
//! than by login and for the forms that choose a technician, an addressee or a bearer among real
//! users. Dashboard users read everyone; a technician, who signs in only on a phone, reads only
//! themselves.

use axum::Json;
use axum::extract::State;
use fieldledger_core::{Role, UserId};
use serde::{Deserialize, Serialize};

use super::extract::Params;
use super::{Result, blocking};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{Code, Error};
use crate::storage::Storage;

/// A user as screens name them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Person {
    /// Their id (login).
    pub id: UserId,
    /// Their name.
    pub name: String,
    /// Their role (department).
    pub role: Role,
}

/// The filter of `GET /v1/people`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PeopleQuery {
    /// Only the users of this role.
    role: Option<String>,
}

/// The users of `role` (every user when `None`), by name.
pub(super) fn people(storage: &dyn Storage, role: Option<Role>) -> Result<Vec<Person>> {
    let mut people: Vec<Person> = storage
        .users()?
        .into_iter()
        .filter(|u| role.is_none_or(|r| u.role == r))
        .map(|u| Person {
            id: u.id,
            name: u.name,
            role: u.role,
        })
        .collect();
    people.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    Ok(people)
}

/// `GET /v1/people`: the users (of `role=` when given) by name; only the caller themselves
/// when a technician.
pub(super) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(query): Params<PeopleQuery>,
) -> Result<Json<Vec<Person>>> {
    let role = match &query.role {
        Some(role) => Some(role.parse::<Role>().map_err(|_| {
            Error::new(Code::BadFilter, format!("unknown role {role:?}"))
                .with("role", role.as_str())
        })?),
        None => None,
    };
    let storage = state.storage.clone();
    let mut found = blocking(move || people(storage.as_ref(), role)).await?;
    if caller.user.role == Role::Technician {
        found.retain(|p| p.id == caller.user.id);
    }
    Ok(Json(found))
}
