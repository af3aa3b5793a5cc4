//! The customer's sign-off, bound to the exact state of the ticket the customer saw.

use automerge::transaction::Transaction;
use serde::{Deserialize, Serialize};

use super::codec::put_embedded;
use super::operation::WriteContext;
use super::validate::{LONG, SHORT, bounded, optional, required};
use crate::blob::BlobRef;
use crate::error::Result;
use crate::id::{EntryId, UserId};
use crate::section::Section;
use crate::time::Timestamp;

/// A sign-off as read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignOff {
    /// Entry id.
    pub id: EntryId,
    /// The customer's representative who signed.
    pub signer_name: String,
    /// Their position.
    #[serde(default)]
    pub signer_title: String,
    /// What they confirmed, in their words or a standard text.
    #[serde(default)]
    pub statement: String,
    /// The visit it concludes, if any.
    #[serde(default)]
    pub visit_id: Option<EntryId>,
    /// The image of the handwritten signature, if captured.
    #[serde(default)]
    pub signature: Option<BlobRef>,
    /// The heads (change hashes, hex) of the ticket as the customer saw it.
    pub heads: Vec<String>,
    /// When (device time).
    pub signed_at: Timestamp,
    /// The technician who recorded it.
    pub recorded_by: UserId,
}

/// A new sign-off.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewSignOff {
    /// The customer's representative.
    pub signer_name: String,
    /// Their position.
    pub signer_title: String,
    /// What they confirmed.
    pub statement: String,
    /// The visit it concludes.
    pub visit_id: Option<EntryId>,
    /// The signature image.
    pub signature: Option<BlobRef>,
}

pub(crate) fn sign(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    s: &NewSignOff,
) -> Result<EntryId> {
    if let Some(visit_id) = &s.visit_id {
        let visits = ctx.section(tx, Section::Visits)?;
        ctx.entry(tx, &visits, visit_id, "visit")?;
    }
    if let Some(signature) = &s.signature {
        signature.validate()?;
    }
    let entry = SignOff {
        id: ctx.new_entry_id(),
        signer_name: required("signer", &s.signer_name, SHORT)?,
        signer_title: optional("signer title", Some(&s.signer_title), SHORT)?.unwrap_or_default(),
        statement: bounded("statement", s.statement.trim(), LONG)?,
        visit_id: s.visit_id.clone(),
        signature: s.signature.clone(),
        heads: ctx.base_heads.iter().map(ToString::to_string).collect(),
        signed_at: ctx.at,
        recorded_by: ctx.author.user.clone(),
    };
    let signoffs = ctx.section(tx, Section::Signoff)?;
    put_embedded(tx, &signoffs, entry.id.as_str(), &entry)?;
    Ok(entry.id)
}
