//! The server's errors: one domain [`Error`] with a typed [`Code`] for programs and a message
//! for people. `http::error` turns it into a response, the one place that knows HTTP statuses.

use fieldledger_core::Error as CoreError;
use fieldledger_core::Rule;
use fieldledger_core::ticket::closure::Requirement;

/// The stable code an error answers with, for programs to act on. On the wire it is the
/// snake_case name (`bad_filter`); a few kinds of bad body share `bad_body`.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Code {
    /// The import tool could not read the server's answer to one of its requests.
    BadAnswer,
    /// A body, a query string or a path that does not read as what the endpoint takes.
    BadBody,
    /// A body that is not of the media type the endpoint takes (a JSON body sent without
    /// `Content-Type: application/json`). On the wire: `bad_body`.
    #[serde(rename = "bad_body")]
    #[strum(serialize = "bad_body")]
    WrongMediaType,
    /// A body that reads but does not have the shape the endpoint takes (an unknown operation,
    /// a field of the wrong type). On the wire: `bad_body`.
    #[serde(rename = "bad_body")]
    #[strum(serialize = "bad_body")]
    UnexpectedBody,
    /// A filter of the event feed names something unknown.
    BadFilter,
    /// A blob's name is not a SHA-256 in hex.
    BadHash,
    /// An id in the path is not a well-formed id.
    BadId,
    /// A new password is too short or too long.
    BadPassword,
    /// A write was staged on documents that changed before it was stored; made again, it may
    /// succeed.
    Busy,
    /// A change made with a dashboard session lacks its CSRF token.
    Csrf,
    /// The thing to create exists already (a user, a ticket).
    Exists,
    /// An export could not be written.
    ExportFailed,
    /// The caller may not do this.
    Forbidden,
    /// A blob's content does not have the SHA-256 it was sent under.
    HashMismatch,
    /// The server failed; the message people see says no more, the log says what.
    Internal,
    /// An input was refused by the ticket's own rules (an empty field, a wrong value).
    Invalid,
    /// A demo reset was asked of a data directory that `serve --demo` did not make.
    NotADemo,
    /// A close was refused: the regulation's requirements are not all recorded.
    NotClosable,
    /// No such thing (a ticket, an entry, a user, a blob).
    NotFound,
    /// A dashboard password was asked for a user who is not an office user.
    NotOffice,
    /// An operation names as a technician someone the server does not know as one (a travel
    /// advance paid to a user who is not a technician).
    NotATechnician,
    /// An operation names a person the server does not know (a hand-off addressed to, or a
    /// return visit assigned to, no known user).
    UnknownPerson,
    /// A person named as a sales representative (a ticket's, or who bears a cost) is not a
    /// known user of the `sales` role.
    NotSalesRep,
    /// A blob would take the uploads past their quota.
    QuotaExceeded,
    /// A user id is reserved for the server itself.
    Reserved,
    /// The server is shutting down and takes no more syncs.
    ShuttingDown,
    /// The storage writer failed to store a write, or has stopped.
    StorageFailed,
    /// A request took longer than the server gives one.
    Timeout,
    /// A body, a blob or a document is larger than the server takes.
    TooLarge,
    /// A piece of a blob goes beyond the blob's total size.
    TooLong,
    /// Too many failed sign-ins: try again later.
    TooManyAttempts,
    /// A sync request carries more documents than one may.
    TooManyDocuments,
    /// An import request carries more rows than one may.
    TooManyRows,
    /// No valid token or session.
    Unauthorized,
    /// An imported file does not read as a table.
    UnreadableFile,
    /// A sync request of another protocol version.
    UnsupportedVersion,
    /// A piece of a blob does not start where the stored part ends.
    WrongOffset,
}

impl Code {
    /// The code as it travels.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Everything that can go wrong in the server.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A request was refused; nothing was changed.
    #[error("{message}")]
    Refused {
        /// A stable code for programs.
        code: Code,
        /// What happened, for people (in English).
        message: String,
        /// What a screen needs to say it in the user's language (the person, the role), by
        /// name; often empty.
        params: Params,
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
    /// Something else of the server's own failed (a worker thread, a password hash).
    #[error("internal error: {0}")]
    Internal(String),
}

/// The parameters of a refusal, by name: what a screen needs, next to the code, to say it in
/// the user's language.
pub type Params = serde_json::Map<String, serde_json::Value>;

/// What people are told of an [`Code::Internal`] error; the log has the rest.
pub const INTERNAL_MESSAGE: &str = "the server failed; see its log";

impl Error {
    /// A refusal with `code` and `message`.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Error::Refused {
            code,
            message: message.into(),
            params: Params::new(),
        }
    }

    /// This refusal with the parameter `name` set to `value`, for screens to translate it.
    pub fn with(mut self, name: &str, value: impl Into<serde_json::Value>) -> Self {
        if let Error::Refused { params, .. } = &mut self {
            params.insert(name.to_owned(), value.into());
        }
        self
    }

    /// The caller may not do this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(Code::Forbidden, message)
    }

    /// No such thing.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(Code::NotFound, message)
    }

    /// No valid token or session.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(Code::Unauthorized, message)
    }

    /// A failure of the server's own, logged and answered as [`Code::Internal`].
    pub fn internal(what: impl std::fmt::Display) -> Self {
        Error::Internal(what.to_string())
    }

    /// The code this error answers with.
    pub fn code(&self) -> Code {
        match self {
            Error::Refused { code, .. } => *code,
            Error::Stale(_) => Code::Busy,
            Error::Core(e) => match e {
                CoreError::Forbidden { .. } | CoreError::NotPermitted { .. } => Code::Forbidden,
                CoreError::Invalid { .. } => Code::Invalid,
                CoreError::UnknownTicket(_) | CoreError::UnknownEntry { .. } => Code::NotFound,
                CoreError::DuplicateTicket(_) => Code::Exists,
                CoreError::NotClosable { .. } => Code::NotClosable,
                _ => Code::Internal,
            },
            Error::Storage(_) | Error::Io(_) | Error::Internal(_) => Code::Internal,
        }
    }

    /// The message people are told: this error in words, but only [`INTERNAL_MESSAGE`] when
    /// the server failed.
    pub fn public_message(&self) -> String {
        match self.code() {
            Code::Internal => INTERNAL_MESSAGE.to_owned(),
            _ => self.to_string(),
        }
    }

    /// What a screen needs, next to the code, to say this error in the user's language: the
    /// field and rule of an invalid input, the role and section or action of a refusal, the
    /// kind of an unknown entry, or the parameters a refusal was made with.
    pub fn params(&self) -> Params {
        let mut params = Params::new();
        let mut set = |name: &str, value: serde_json::Value| {
            params.insert(name.to_owned(), value);
        };
        match self {
            Error::Refused { params, .. } => return params.clone(),
            Error::Core(CoreError::Invalid { field, rule, .. }) => {
                set("field", field.replace([' ', '-'], "_").into());
                set("rule", rule.as_str().into());
                if let Rule::TooLong(max) = rule {
                    set("max", (*max).into());
                }
            }
            Error::Core(CoreError::Forbidden { role, section }) => {
                set("role", role.as_str().into());
                set("section", section.key().into());
            }
            Error::Core(CoreError::NotPermitted { role, action, .. }) => {
                set("role", role.as_str().into());
                set("action", (*action).into());
            }
            Error::Core(CoreError::UnknownEntry { kind, .. }) => {
                set("kind", kind.replace([' ', '-'], "_").into());
            }
            _ => {}
        }
        params
    }

    /// What a refused close lacks, for programs to show.
    pub fn missing(&self) -> Option<&[Requirement]> {
        match self {
            Error::Core(CoreError::NotClosable { missing }) => Some(missing),
            _ => None,
        }
    }
}
