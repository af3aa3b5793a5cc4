//! Who makes a change: a user acting in a role.

use serde::{Deserialize, Serialize};

use crate::id::UserId;
use crate::role::Role;

/// The person behind a change and the role they act in. Every change of a ticket carries its
/// author, and every judgement entry repeats it so that a reader needs no user directory.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Author {
    /// The user.
    pub user: UserId,
    /// The role the user acts in.
    pub role: Role,
}

impl Author {
    /// An author from a user and a role.
    pub fn new(user: UserId, role: Role) -> Self {
        Self { user, role }
    }
}
