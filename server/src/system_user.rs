//! The server's own user: the author of the changes the server makes itself (ledger numbers,
//! the return visits it plans). No person may take its id.

use fieldledger_core::{Author, Role, UserId};

/// The user id the server writes its own changes as.
pub const SYSTEM_USER: &str = "system";

/// The author of changes the server makes itself.
pub fn system_author() -> Author {
    Author::new(
        UserId::try_from(SYSTEM_USER.to_owned()).unwrap_or_else(|_| UserId::random()),
        Role::Admin,
    )
}
