//! The error of fieldledger-core. Bindings and the server map it to their own public errors.

use crate::id::TicketId;
use crate::role::Role;
use crate::rule::Rule;
use crate::section::Section;

/// Everything that can go wrong inside fieldledger-core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The policy does not let this role write this section; nothing was written.
    #[error("the role {role} may not write the {section} section of a ticket")]
    Forbidden {
        /// The role of the user who tried.
        role: Role,
        /// The section it tried to write.
        section: Section,
    },
    /// The authority table does not let this role perform this action, or not here (a rule of
    /// separation of duties); nothing was written.
    #[error("the role {role} may not {action}: {reason}")]
    NotPermitted {
        /// The role of the user who tried.
        role: Role,
        /// The action it tried.
        action: &'static str,
        /// Which rule refused it.
        reason: String,
    },
    /// An input was refused; nothing was written.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// What was wrong (a field or a kind of input). Stable: screens translate it, with
        /// spaces and hyphens read as underscores (`borne by` is `borne_by`).
        field: &'static str,
        /// Which rule it broke, for screens to say why in the user's language.
        rule: Rule,
        /// Why, in words a user can act on.
        reason: String,
    },
    /// A close was refused: the regulation's requirements are not all recorded.
    #[error("the ticket cannot close yet; missing: {}", joined(missing))]
    NotClosable {
        /// What is missing, in a stable order.
        missing: Vec<crate::ticket::closure::Requirement>,
    },
    /// The ticket is not in this store.
    #[error("ticket {0} is not in this store")]
    UnknownTicket(TicketId),
    /// An entry that an operation refers to does not exist in the ticket.
    #[error("the ticket has no {kind} with id {id}")]
    UnknownEntry {
        /// The kind of entry (visit, cost, …).
        kind: &'static str,
        /// The id that was given.
        id: String,
    },
    /// A ticket with this id exists already.
    #[error("ticket {0} exists already")]
    DuplicateTicket(TicketId),
    /// Stored data could not be read: the file is damaged or not a fieldledger store.
    #[error("the store is damaged or not a fieldledger store: {0}")]
    Corrupt(String),
    /// The store was written by a newer fieldledger than this one.
    #[error("the store has schema version {found}, newer than {supported} that this version reads")]
    NewerSchema {
        /// The version found in the file.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// The device is not enrolled with a server.
    #[error("this device is not enrolled with a server")]
    NotEnrolled,
    /// The server could not be reached.
    #[error("the server cannot be reached: {0}")]
    Offline(String),
    /// The sync was cancelled on this device before it finished (by the app, or because the
    /// store was closed); every round it finished is kept.
    #[error("the sync was cancelled on this device")]
    Cancelled,
    /// The server did not accept the device's token (unknown or revoked).
    #[error("the server refused this device's token: {0}")]
    Unauthorized(String),
    /// The server refused a request.
    #[error("the server refused the request ({status} {code}): {message}")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The server's error code.
        code: String,
        /// The server's explanation.
        message: String,
    },
    /// A document operation of automerge failed.
    #[error("document error: {0}")]
    Document(#[from] automerge::AutomergeError),
    /// SQLite failed.
    #[error("storage error: {0}")]
    Storage(#[from] rusqlite::Error),
    /// The file system failed.
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

/// The requirements of a refused close, named and joined for its message.
fn joined(missing: &[crate::ticket::closure::Requirement]) -> String {
    missing
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Error {
    /// An [`Error::Invalid`] for `field` that does not read as what it should be
    /// ([`Rule::Unreadable`]), with a reason.
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::broke(field, Rule::Unreadable, reason)
    }

    /// An [`Error::Invalid`] for `field` that broke `rule`, with a reason.
    pub fn broke(field: &'static str, rule: Rule, reason: impl Into<String>) -> Self {
        Error::Invalid {
            field,
            rule,
            reason: reason.into(),
        }
    }
}

/// The result type of fieldledger-core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Runs `work` on data that came from outside (changes and sync messages another party made),
/// turning a panic inside automerge into an [`Error::Invalid`] about `what`. `work` must only
/// touch data it owns or that its caller discards on an error, so that nothing half-written
/// survives the panic.
pub fn contained<T>(what: &'static str, work: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        Err(Error::invalid(
            what,
            format!("it could not be applied safely (automerge failed: {why})"),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_in_contained_work_becomes_a_refusal_naming_the_input() {
        let refused = contained::<()>("sync message", || panic!("index out of bounds"));
        let message = refused.map_err(|e| e.to_string()).err().unwrap_or_default();
        assert!(message.contains("sync message"), "{message}");
        assert!(message.contains("index out of bounds"), "{message}");
        assert_eq!(contained("sync message", || Ok(7)).ok(), Some(7));
    }
}
