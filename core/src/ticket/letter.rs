//! The technical analysis letter (技术分析函) that the technical department sends the customer.

use automerge::ReadDoc;
use automerge::transaction::Transaction;
use serde::{Deserialize, Serialize};

use super::codec::{put_field, update_text};
use super::operation::WriteContext;
use super::validate::{LONG, SHORT, required};
use crate::error::{Error, Result};
use crate::id::UserId;
use crate::rule::Rule;
use crate::section::Section;
use crate::time::Timestamp;

/// Where the letter stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LetterStatus {
    /// Not started.
    #[default]
    None,
    /// Being written.
    Draft,
    /// Sent to the customer; no longer edited.
    Issued,
}

/// The letter section as read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Letter {
    /// Where it stands.
    pub status: LetterStatus,
    /// The letter's reference number.
    pub number: String,
    /// The text.
    pub body: String,
    /// Who last drafted it.
    pub drafted_by: Option<UserId>,
    /// When (device time).
    pub drafted_at: Option<Timestamp>,
    /// Who issued it.
    pub issued_by: Option<UserId>,
    /// When (device time).
    pub issued_at: Option<Timestamp>,
    /// When its delivery to the customer was recorded (device time).
    pub delivered_at: Option<Timestamp>,
    /// Who recorded the delivery.
    pub delivered_by: Option<UserId>,
    /// How it reached the customer (post and tracking number, by hand, e-mail).
    pub delivery_note: String,
}

/// Whether the letter `letter` of `doc` is issued.
fn is_issued<R: ReadDoc>(doc: &R, letter: &automerge::ObjId) -> Result<bool> {
    Ok(matches!(
        doc.get(letter, "status")?,
        Some((automerge::Value::Scalar(s), _)) if s.as_str() == Some("issued")
    ))
}

fn ensure_not_issued<R: ReadDoc>(doc: &R, letter: &automerge::ObjId) -> Result<()> {
    if is_issued(doc, letter)? {
        Err(Error::broke(
            "letter",
            Rule::AlreadyDone,
            "has been issued and can no longer change",
        ))
    } else {
        Ok(())
    }
}

pub(crate) fn draft(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    number: &str,
    body: &str,
) -> Result<()> {
    let letter = ctx.section(tx, Section::Letter)?;
    ensure_not_issued(tx, &letter)?;
    put_field(tx, &letter, "status", &LetterStatus::Draft)?;
    put_field(
        tx,
        &letter,
        "number",
        &required("letter number", number, SHORT)?,
    )?;
    update_text(tx, &letter, "body", &required("letter", body, LONG)?)?;
    put_field(tx, &letter, "drafted_by", &ctx.author.user)?;
    put_field(tx, &letter, "drafted_at", &ctx.at)
}

/// Records that the issued letter reached the customer, and how.
pub(crate) fn record_delivery(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    note: &str,
) -> Result<()> {
    let letter = ctx.section(tx, Section::Letter)?;
    if !is_issued(tx, &letter)? {
        return Err(Error::broke(
            "letter",
            Rule::NotYet,
            "must be issued before its delivery is recorded",
        ));
    }
    put_field(tx, &letter, "delivered_at", &ctx.at)?;
    put_field(tx, &letter, "delivered_by", &ctx.author.user)?;
    put_field(
        tx,
        &letter,
        "delivery_note",
        &required("delivery", note, LONG)?,
    )
}

pub(crate) fn issue(tx: &mut Transaction<'_>, ctx: &WriteContext<'_>) -> Result<()> {
    let letter = ctx.section(tx, Section::Letter)?;
    ensure_not_issued(tx, &letter)?;
    if tx.get(&letter, "number")?.is_none() {
        return Err(Error::broke(
            "letter",
            Rule::NotYet,
            "must be drafted before it is issued",
        ));
    }
    put_field(tx, &letter, "status", &LetterStatus::Issued)?;
    put_field(tx, &letter, "issued_by", &ctx.author.user)?;
    put_field(tx, &letter, "issued_at", &ctx.at)
}
