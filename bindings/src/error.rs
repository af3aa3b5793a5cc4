//! The one public error of the bindings, with the few cases an app acts on, and the one place
//! where core's errors map to it.

use fieldledger_core::Error;

/// What went wrong, in the cases an app tells apart. Each carries a reason in words for the log
/// or a message to the technician; none carries personal data beyond what the caller passed in.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum FieldLedgerError {
    /// The store is not enrolled with a server yet: enrol before syncing.
    #[error("this device is not enrolled with a server")]
    NotEnrolled,
    /// The technician's role may not do this (for example write a section of another
    /// department); nothing was written.
    #[error("not allowed: {reason}")]
    Forbidden {
        /// What was refused.
        reason: String,
    },
    /// An input was refused (an empty field, a visit that does not exist, a file that cannot
    /// be a photo); nothing was written.
    #[error("invalid input: {reason}")]
    Invalid {
        /// What was wrong, in words the technician can act on.
        reason: String,
    },
    /// The ticket is not on this device.
    #[error("unknown ticket: {reason}")]
    UnknownTicket {
        /// Which ticket.
        reason: String,
    },
    /// The server could not be reached (no network, timeout). Work stays on the device; try
    /// again later.
    #[error("offline: {reason}")]
    Offline {
        /// What the network layer said.
        reason: String,
    },
    /// The server no longer accepts this device's token (revoked or unknown): enrol again.
    #[error("the server refused this device's token: {reason}")]
    Unauthorized {
        /// The server's explanation.
        reason: String,
    },
    /// The server refused a request for another reason.
    #[error("the server refused the request ({status} {code}): {reason}")]
    ServerRejected {
        /// The HTTP status.
        status: u16,
        /// The server's stable error code.
        code: String,
        /// The server's explanation.
        reason: String,
    },
    /// The device store could not be read or written (disk full, damaged file, a store written
    /// by a newer app).
    #[error("storage error: {reason}")]
    Storage {
        /// What failed.
        reason: String,
    },
    /// The store was closed with `close_store`; open it again to go on.
    #[error("the device store is closed")]
    Closed,
    /// The sync was cancelled before it finished; what was exchanged until then is kept.
    #[error("the sync was cancelled")]
    Cancelled,
}

impl From<Error> for FieldLedgerError {
    fn from(error: Error) -> Self {
        let reason = error.to_string();
        match error {
            Error::NotEnrolled => Self::NotEnrolled,
            Error::Forbidden { .. } | Error::NotPermitted { .. } => Self::Forbidden { reason },
            Error::Invalid { .. }
            | Error::UnknownEntry { .. }
            | Error::DuplicateTicket(_)
            | Error::NotClosable { .. } => Self::Invalid { reason },
            Error::UnknownTicket(_) => Self::UnknownTicket { reason },
            Error::Offline(_) => Self::Offline { reason },
            Error::Cancelled => Self::Cancelled,
            Error::Unauthorized(_) => Self::Unauthorized { reason },
            Error::Rejected {
                status,
                code,
                message,
            } => Self::ServerRejected {
                status,
                code,
                reason: message,
            },
            Error::Corrupt(_)
            | Error::NewerSchema { .. }
            | Error::Document(_)
            | Error::Storage(_)
            | Error::Io(_) => Self::Storage { reason },
        }
    }
}

/// The result type of the bindings.
pub(crate) type Result<T, E = FieldLedgerError> = std::result::Result<T, E>;
