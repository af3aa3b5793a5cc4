//! Identifier newtypes: tickets, entries inside a ticket, users and devices.
//!
//! Each identifier is a short string of lowercase letters, digits, `-`, `_` and `.`, so that it
//! is safe in a file name, a URL path segment and a SQL key alike. New tickets, devices and
//! actors draw their identifiers from an [`IdSource`]: random, or seeded in a simulation so that
//! a seed replays with the very same ids. Identifiers that arrive from outside are checked by
//! [`FromStr`].

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};

use automerge::ActorId;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
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
                Self::from_bits(rand::random())
            }

            /// The identifier whose hex digits are `bits`.
            fn from_bits(bits: $random_bits) -> Self {
                let width = 2 * std::mem::size_of::<$random_bits>();
                Self(format!("{bits:0width$x}"))
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

        #[cfg(feature = "schema")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "description": concat!("A ", $kind, ": 1 to 64 of a-z, 0-9, '-', '_', '.'."),
                    "pattern": "^[a-z0-9_-][a-z0-9._-]{0,63}$",
                })
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

impl EntryId {
    /// The `n`th entry made by one change, known by `basis`: a digest of the writing actor and
    /// the heads it wrote on, which no other change of that ticket shares. So an entry's id
    /// follows from the history that made it, and the same history makes the same ids.
    pub(crate) fn derived(basis: &[u8; 32], n: u32) -> Self {
        use sha2::{Digest, Sha256};
        let digest = Sha256::new()
            .chain_update(basis)
            .chain_update(n.to_be_bytes())
            .finalize();
        let mut bits = [0u8; 8];
        bits.copy_from_slice(&digest[..8]);
        Self::from_bits(u64::from_be_bytes(bits))
    }
}

/// Where a device store or a server draws the identifiers of new tickets, devices and
/// automerge actors: the operating system's random generator, or one seeded generator (for a
/// deterministic simulation, where a failing seed must replay exactly). Clones draw from the
/// same generator.
#[derive(Clone, Default)]
pub struct IdSource(Option<Arc<Mutex<StdRng>>>);

impl IdSource {
    /// Identifiers from the operating system's random generator: what every real store and
    /// server uses.
    pub fn random() -> Self {
        Self(None)
    }

    /// Identifiers drawn in order from a generator seeded with `seed`: the same calls give the
    /// same identifiers. Only for simulations and tests, since anyone who knows the seed can
    /// foresee them.
    pub fn seeded(seed: u64) -> Self {
        Self(Some(Arc::new(Mutex::new(StdRng::seed_from_u64(seed)))))
    }

    fn draw<T>(&self, random: impl FnOnce(&mut dyn rand::RngCore) -> T) -> T {
        match &self.0 {
            Some(seeded) => random(&mut *seeded.lock().unwrap_or_else(PoisonError::into_inner)),
            None => random(&mut rand::rng()),
        }
    }

    /// A new ticket id.
    pub fn ticket(&self) -> TicketId {
        TicketId::from_bits(self.draw(|r| r.random()))
    }

    /// A new device id.
    pub fn device(&self) -> DeviceId {
        DeviceId::from_bits(self.draw(|r| r.random()))
    }

    /// A new automerge actor id (16 bytes, as automerge's own random ones).
    pub fn actor(&self) -> ActorId {
        ActorId::from(self.draw(|r| r.random::<[u8; 16]>()).as_slice())
    }

    /// A new number in `1..2^63` (SQLite keeps integers signed).
    pub fn number(&self) -> u64 {
        (self.draw(|r| r.random::<u64>()) >> 1).max(1)
    }
}

impl fmt::Debug for IdSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Some(_) => "IdSource::seeded",
            None => "IdSource::random",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seeded_source_repeats_its_ids_and_a_random_one_does_not() {
        let draw = |ids: &IdSource| (ids.ticket(), ids.device(), ids.actor(), ids.number());
        assert_eq!(
            draw(&IdSource::seeded(7)),
            draw(&IdSource::seeded(7).clone())
        );
        assert_ne!(draw(&IdSource::seeded(7)), draw(&IdSource::seeded(8)));
        assert_ne!(draw(&IdSource::random()), draw(&IdSource::random()));
        let ids = IdSource::seeded(7);
        assert_ne!(
            ids.ticket(),
            ids.ticket(),
            "each draw moves the generator on"
        );
    }

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
