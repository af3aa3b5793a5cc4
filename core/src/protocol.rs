//! The sync protocol's messages as they travel between a device and the office server:
//! `POST /v1/sync` carries one [`SyncRequest`] and returns one [`SyncResponse`], both in CBOR.
//! `docs/sync-protocol.md` describes the exchange; this file is its exact shape.
//!
//! Field names on the wire are one or two letters to keep every request small; the Rust names
//! say what they are.

use automerge::ChangeHash;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::id::TicketId;

/// The protocol version this build speaks. A server refuses requests of another version with
/// `unsupported_version`.
pub const PROTOCOL_VERSION: u32 = 1;

/// The media type of sync bodies.
pub const CONTENT_TYPE: &str = "application/vnd.fieldledger.sync+cbor";

/// One document's part of a sync exchange: an automerge sync message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocMessage {
    /// The ticket.
    #[serde(rename = "t", with = "wire_id")]
    pub ticket_id: TicketId,
    /// An encoded `automerge::sync::Message`.
    #[serde(rename = "m", with = "serde_bytes")]
    pub message: Vec<u8>,
}

/// What a device sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRequest {
    /// [`PROTOCOL_VERSION`].
    #[serde(rename = "v")]
    pub version: u32,
    /// The position in the server's change feed up to which this device has everything.
    #[serde(rename = "c")]
    pub cursor: u64,
    /// Sync messages for the documents the device has something to say about.
    #[serde(rename = "d", default)]
    pub docs: Vec<DocMessage>,
    /// The id of the last response this device processed whole (0 before the first): it
    /// acknowledges the changes that response carried.
    #[serde(rename = "k", default)]
    pub ack: u64,
    /// The automerge actor ids this device writes as (16 bytes each). The server binds an
    /// actor to the first device that presents it and refuses it from any other.
    #[serde(rename = "a", default)]
    pub actors: Vec<serde_bytes::ByteBuf>,
}

/// Heads of a document that the server has durably stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The ticket.
    #[serde(rename = "t", with = "wire_id")]
    pub ticket_id: TicketId,
    /// The server's heads of the document after this exchange, committed before the response.
    #[serde(rename = "h", with = "heads")]
    pub heads: Vec<ChangeHash>,
}

/// Why the server refused one document of a sync request, wholly or in part: the code of a
/// [`DocError`]. On the wire it is the snake_case name (`forged_author`).
///
/// A server may answer codes this build does not know: they decode as [`DocCode::Other`], so
/// that an older device still reads a newer server's answer.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DocCode {
    /// The device's user may not read the ticket (it is not assigned to them), or may not
    /// write what was sent.
    Forbidden,
    /// The sync message, or a change in it, does not decode.
    BadMessage,
    /// A message, a change, a document or what one sync adds to a ticket is past a limit.
    TooLarge,
    /// The changes sent for a ticket the server lacks do not register that very ticket.
    NotATicket,
    /// The server failed on this document; its log says why.
    Internal,
    /// A change builds on what was written after the ticket was reassigned away from the
    /// device's user.
    Reassigned,
    /// A change was made by an automerge actor that is not this device's.
    ForgedActor,
    /// A change claims an author or role other than the device's user.
    ForgedAuthor,
    /// A change does not say which action it records, or names one a device does not record.
    UnrecognisedChange,
    /// The authority table does not let the device's user perform the change's action.
    NotPermitted,
    /// The action's own rules refused the change (an entry that does not exist, a close the
    /// regulation forbids).
    ActionRefused,
    /// A change writes more, less or other than the action it names.
    NotAsRecorded,
    /// A change depends on a change that was refused.
    DependsOnRefused,
    /// A change depends on changes the server does not have; the server's message asks for
    /// them.
    MissingDependencies,
    /// A code this build does not know, from a newer server.
    #[serde(other)]
    Other,
}

impl DocCode {
    /// The code as it travels.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Why one document of a request was not (wholly) taken. Other documents are unaffected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocError {
    /// The ticket.
    #[serde(rename = "t", with = "wire_id")]
    pub ticket_id: TicketId,
    /// Why, for programs.
    #[serde(rename = "c")]
    pub code: DocCode,
    /// What happened, in words.
    #[serde(rename = "m")]
    pub message: String,
    /// The refused change (hex hash), when one change is the cause.
    #[serde(rename = "h", default, skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
    /// The section written by the action the refused change named, when that is an operation.
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// The action the refused change claimed to be, when it named one.
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

/// What the server answers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncResponse {
    /// [`PROTOCOL_VERSION`].
    #[serde(rename = "v")]
    pub version: u32,
    /// The new feed position, to send in the next request.
    #[serde(rename = "c")]
    pub cursor: u64,
    /// This response's id, to present as `ack` in the next request once it is processed whole.
    #[serde(rename = "k", default)]
    pub id: u64,
    /// Whether the feed has more for this device: ask again at once.
    #[serde(rename = "x", default)]
    pub more: bool,
    /// Sync messages for the device.
    #[serde(rename = "d", default)]
    pub docs: Vec<DocMessage>,
    /// The durably stored heads of every document this exchange touched.
    #[serde(rename = "r", default)]
    pub receipts: Vec<Receipt>,
    /// Documents of the request that were refused, wholly or in part.
    #[serde(rename = "e", default)]
    pub errors: Vec<DocError>,
    /// Tickets this device may no longer read: drop them once nothing of yours is unconfirmed.
    #[serde(rename = "p", default)]
    pub dropped: Vec<TicketId>,
}

/// Encodes a message as CBOR.
pub fn encode<T: Serialize>(message: &T) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail, and these types always serialise.
    let _ = ciborium::into_writer(message, &mut out);
    out
}

/// Decodes a CBOR message, refusing malformed input with [`Error::Invalid`].
pub fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T> {
    ciborium::from_reader(bytes).map_err(|e| Error::invalid("sync message", e.to_string()))
}

/// Ticket ids on the wire: an id of 32 lowercase hex digits (every id a device or the desk
/// makes) travels as its 16 bytes; any other id as its text.
pub mod wire_id {
    use std::fmt;

    use serde::de::{self, Visitor};
    use serde::{Deserializer, Serializer};

    use crate::id::TicketId;

    /// Writes a ticket id compactly.
    pub fn serialize<S: Serializer>(id: &TicketId, s: S) -> Result<S::Ok, S::Error> {
        let text = id.as_str();
        let compact =
            text.len() == 32 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        match hex::decode(text) {
            Ok(bytes) if compact => s.serialize_bytes(&bytes),
            _ => s.serialize_str(text),
        }
    }

    struct IdVisitor;

    impl Visitor<'_> for IdVisitor {
        type Value = TicketId;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a ticket id as 16 bytes or as text")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<TicketId, E> {
            v.parse().map_err(E::custom)
        }

        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<TicketId, E> {
            if v.len() != 16 {
                return Err(E::custom("a ticket id in bytes has 16 of them"));
            }
            hex::encode(v).parse().map_err(E::custom)
        }
    }

    /// Reads a ticket id written either way.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<TicketId, D::Error> {
        d.deserialize_any(IdVisitor)
    }
}

/// Document heads on the wire: one byte string of concatenated 32-byte hashes.
pub mod heads {
    use automerge::ChangeHash;
    use serde::de::Error as _;
    use serde::{Deserializer, Serializer};

    /// Writes heads as one byte string.
    pub fn serialize<S: Serializer>(heads: &[ChangeHash], s: S) -> Result<S::Ok, S::Error> {
        let bytes: Vec<u8> = heads.iter().flat_map(|h| h.0).collect();
        serde_bytes::serialize(&bytes, s)
    }

    /// Reads heads from one byte string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ChangeHash>, D::Error> {
        let bytes: serde_bytes::ByteBuf = serde_bytes::deserialize(d)?;
        if !bytes.len().is_multiple_of(32) {
            return Err(D::Error::custom("heads are not whole 32-byte hashes"));
        }
        bytes
            .chunks(32)
            .map(|c| ChangeHash::try_from(c).map_err(D::Error::custom))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_round_trip() {
        let response = SyncResponse {
            version: PROTOCOL_VERSION,
            cursor: 42,
            id: 7,
            more: true,
            docs: vec![DocMessage {
                ticket_id: TicketId::random(),
                message: vec![1, 2, 3],
            }],
            receipts: vec![Receipt {
                ticket_id: TicketId::random(),
                heads: vec![ChangeHash([7; 32])],
            }],
            errors: vec![DocError {
                ticket_id: TicketId::random(),
                code: DocCode::Forbidden,
                message: "no".into(),
                change: None,
                section: Some("quality".into()),
                action: Some("record_cause".into()),
            }],
            dropped: vec![TicketId::random()],
        };
        assert_eq!(
            decode::<SyncResponse>(&encode(&response)).ok(),
            Some(response)
        );
    }

    #[test]
    fn doc_codes_travel_as_their_names_and_unknown_ones_decode_as_other() {
        use strum::VariantArray;

        for &code in DocCode::VARIANTS {
            let text = ciborium::Value::Text(code.as_str().to_owned());
            assert_eq!(decode::<DocCode>(&encode(&code)).ok(), Some(code));
            assert_eq!(decode::<DocCode>(&encode(&text)).ok(), Some(code));
            assert_eq!(code.as_str().parse::<DocCode>().ok(), Some(code));
        }
        assert_eq!(
            DocCode::MissingDependencies.as_str(),
            "missing_dependencies"
        );
        assert_eq!(DocCode::NotATicket.to_string(), "not_a_ticket");
        // A newer server's answer with a code this build does not know still reads.
        let newer = encode(&serde_json::json!({
            "v": PROTOCOL_VERSION,
            "c": 3,
            "e": [{"t": "abc", "c": "quarantined", "m": "held for review"}],
        }));
        let response = decode::<SyncResponse>(&newer).expect("an unknown code decodes");
        assert_eq!(response.errors[0].code, DocCode::Other);
        assert_eq!(response.errors[0].message, "held for review");
    }

    #[test]
    fn ticket_ids_travel_as_sixteen_bytes_and_other_ids_as_text() {
        let random = DocMessage {
            ticket_id: TicketId::random(),
            message: vec![],
        };
        let named = DocMessage {
            ticket_id: "desk-0001".parse().expect("id"),
            message: vec![],
        };
        // A map of two keys: 1 + (2 + 17) + (2 + 1) bytes, against 40 with the id as text.
        assert_eq!(encode(&random).len(), 23);
        for message in [random, named] {
            assert_eq!(decode::<DocMessage>(&encode(&message)).ok(), Some(message));
        }
    }

    #[test]
    fn garbage_and_bad_identifiers_are_refused() {
        assert!(decode::<SyncRequest>(b"\xff\x00garbage").is_err());
        let bad_id = encode(&serde_json::json!({"v": 1, "c": 0, "d": [{"t": "../x", "m": []}]}));
        assert!(decode::<SyncRequest>(&bad_id).is_err());
        let bad_heads =
            encode(&serde_json::json!({"t": "abc", "h": serde_bytes::ByteBuf::from(vec![1u8; 5])}));
        assert!(decode::<Receipt>(&bad_heads).is_err());
    }
}
