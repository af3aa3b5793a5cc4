//! `GET /v1/policy`: the authority table as the office reads it, so that the dashboard offers a
//! role only the actions the server would accept from it, and learns them from the one table in
//! `fieldledger_core::policy` instead of a list of its own.

use axum::Json;
use fieldledger_core::policy::signs_in_to_dashboard;
use fieldledger_core::{Role, policy};
use serde::Serialize;
use strum::VariantArray;

use super::Result;
use crate::auth::Caller;
use crate::error::Error;

/// What one role may do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RolePolicy {
    /// The role.
    pub role: Role,
    /// Whether it registers new tickets.
    pub may_register: bool,
    /// The actions it may perform on a ticket, as change messages name them, in the table's
    /// order.
    pub may: Vec<&'static str>,
}

impl RolePolicy {
    /// The row of `role`, read from the authority table.
    pub fn of(role: Role) -> RolePolicy {
        RolePolicy {
            role,
            may_register: policy::may_register(role),
            may: policy::PERMISSIONS
                .iter()
                .filter(|p| p.roles.contains(&role))
                .map(|p| p.action)
                .collect(),
        }
    }
}

/// The caller's own role first, then every role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PolicyAnswer {
    /// The signed-in user's role.
    #[serde(flatten)]
    pub own: RolePolicy,
    /// Every role, in [`Role::VARIANTS`]'s order.
    pub roles: Vec<RolePolicy>,
}

/// Answers the policy to any user of the dashboard (sales representatives too); technicians
/// learn theirs from the app.
pub(super) async fn policy(caller: Caller) -> Result<Json<PolicyAnswer>> {
    if !signs_in_to_dashboard(caller.user.role) {
        return Err(Error::forbidden(
            "the dashboard is for the office; technicians use the app",
        ));
    }
    Ok(Json(PolicyAnswer {
        own: RolePolicy::of(caller.user.role),
        roles: Role::VARIANTS.iter().copied().map(RolePolicy::of).collect(),
    }))
}
