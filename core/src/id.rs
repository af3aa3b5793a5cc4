//! Identifier newtypes: tickets, entries inside a ticket, users and devices.
//!
//! Each identifier is a short string of lowercase letters, digits, `-`, `_` and `.`, so that it
//! is safe in a file name, a URL path segment and a SQL key alike. Identifiers made here are
//! random; identifiers that arrive from outside are checked by [`FromStr`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The longest identifier accepted, in bytes.
pub const MAX_ID_LEN: usize = 64;

fn check_id(kind: &'static str, s: &str) -> Result<(), Error> {
    let valid = !s.is_empty()
        && s.len() <= MAX_ID_LEN
        && s.bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.'))
        && !s.starts_with('.');
    if valid {
        Ok(())
    } else {
        Err(Error::invalid(
            kind,
            format!(
                "{s:?} is not 1 to {MAX_ID_LEN} of a-z, 0-9, '-', '_', '.', not starting with '.'"
            ),
        ))
    }
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $random_bits:ty) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// A new random identifier: lowercase hex digits, zero-padded to a fixed width.
            pub fn random() -> Self {
                let width = 2 * std::mem::size_of::<$random_bits>();
                Self(format!("{:0width$x}", rand::random::<$random_bits>()))
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                check_id($kind, s)?;
                Ok(Self(s.to_owned()))
            }
        }

        impl TryFrom<String> for $name {
            type Error = Error;
            fn try_from(s: String) -> Result<Self, Error> {
                check_id($kind, &s)?;
                Ok(Self(s))
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    };
}

id_type!(
    /// Identifies one ticket (one automerge document) everywhere: on devices, on the server and
    /// in URLs. Made on the device or desk that registers the ticket, so it exists offline.
    TicketId,
    "ticket id",
    u128
);
id_type!(
    /// Identifies an entry inside a ticket: a travel task order, a visit, a decision, a cost,
    /// a return visit. Unique within its ticket.
    EntryId,
    "entry id",
    u64
);
id_type!(
    /// Identifies a person: a technician, a desk specialist, a supervisor.
    UserId,
    "user id",
    u64
);
id_type!(
    /// Identifies one enrolled device (one phone's store).
    DeviceId,
    "device id",
    u128
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_parse_back() {
        let id = TicketId::random();
        assert_eq!(id.as_str().parse::<TicketId>().ok(), Some(id));
    }

    #[test]
    fn path_like_and_empty_ids_are_refused() {
        for bad in [
            "",
            "../etc",
            "a/b",
            ".hidden",
            "UPPER",
            "空",
            &"x".repeat(65),
        ] {
            let err = bad.parse::<UserId>().err().map(|e| e.to_string());
            assert!(
                err.is_some_and(|e| e.contains("user id")),
                "{bad:?} accepted"
            );
        }
    }
}
