//! Service costs: registered, audited by the technical service department, settled by finance,
//! and borne by the company, a sales representative, a supplier or the customer.

use automerge::ReadDoc;
use automerge::transaction::Transaction;
use serde::{Deserialize, Serialize};

use super::codec::{decode, embedded, put_embedded, put_record, scalar_to_json};
use super::operation::WriteContext;
use super::validate::{LONG, SHORT, bounded, required};
use crate::error::{Error, Result};
use crate::id::{EntryId, UserId};
use crate::policy::DutyFacts;
use crate::section::Section;
use crate::time::Timestamp;

/// What a cost paid for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostKind {
    /// Travel and lodging.
    Travel,
    /// Parts and materials.
    Parts,
    /// Labour.
    Labour,
    /// Freight for returns and replacements.
    Freight,
    /// Anything else.
    Other,
}

/// Who finally pays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bearer {
    /// The company.
    Company,
    /// The responsible sales representative.
    SalesRepresentative,
    /// The responsible supplier.
    Supplier,
    /// The customer.
    Customer,
}

/// The audit of a cost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Audit {
    /// Whether the cost was approved.
    pub approved: bool,
    /// The auditor's note.
    #[serde(default)]
    pub note: String,
    /// The auditor.
    pub by: UserId,
    /// When (device time).
    pub at: Timestamp,
}

/// The settlement of a cost by finance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settlement {
    /// The accounting reference (voucher number).
    pub reference: String,
    /// Who settled it.
    pub by: UserId,
    /// When (device time).
    pub at: Timestamp,
}

/// A cost as read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    /// Entry id.
    pub id: EntryId,
    /// What it paid for.
    pub kind: CostKind,
    /// The amount in minor units (fen for CNY).
    pub amount_minor: i64,
    /// ISO 4217 currency code, for example `CNY`.
    pub currency: String,
    /// Who pays.
    pub bearer: Bearer,
    /// The sales representative who bears it, when the bearer is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub borne_by: Option<UserId>,
    /// What it was.
    #[serde(default)]
    pub description: String,
    /// Who registered it.
    pub submitted_by: UserId,
    /// When (device time).
    pub submitted_at: Timestamp,
    /// The audit, once audited.
    #[serde(default, deserialize_with = "embedded::option")]
    pub audit: Option<Audit>,
    /// The settlement, once settled.
    #[serde(default, deserialize_with = "embedded::option")]
    pub settlement: Option<Settlement>,
}

/// A new cost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewCost {
    /// What it paid for.
    pub kind: CostKind,
    /// The amount in minor units, more than zero.
    pub amount_minor: i64,
    /// ISO 4217 currency code.
    pub currency: String,
    /// Who pays.
    pub bearer: Bearer,
    /// The sales representative (a user of the `sales` role) who bears it: only when the
    /// bearer is [`Bearer::SalesRepresentative`], and then the ticket's representative
    /// ([`crate::ticket::intake::Registration::sales_rep`]) when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub borne_by: Option<UserId>,
    /// What it was.
    pub description: String,
}

pub(crate) fn submit(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    cost: &NewCost,
) -> Result<EntryId> {
    if cost.amount_minor <= 0 {
        return Err(Error::invalid("amount", "must be more than zero"));
    }
    let currency = cost.currency.trim();
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Error::invalid(
            "currency",
            format!("{currency:?} is not an ISO 4217 code such as CNY"),
        ));
    }
    let borne_by = match (cost.bearer, &cost.borne_by) {
        (Bearer::SalesRepresentative, Some(rep)) => Some(rep.clone()),
        (Bearer::SalesRepresentative, None) => {
            let intake = ctx.section(tx, Section::Intake)?;
            let rep: Option<UserId> = ctx.field(tx, &intake, "sales_rep")?;
            Some(rep.ok_or_else(|| {
                Error::invalid(
                    "borne by",
                    "must name the sales representative who bears the cost: the ticket names none",
                )
            })?)
        }
        (_, Some(_)) => {
            return Err(Error::invalid(
                "borne by",
                "names a person only for a cost borne by a sales representative",
            ));
        }
        (_, None) => None,
    };
    let entry = Cost {
        id: ctx.new_entry_id(),
        kind: cost.kind,
        amount_minor: cost.amount_minor,
        currency: currency.to_owned(),
        bearer: cost.bearer,
        borne_by,
        description: required("cost description", &cost.description, LONG)?,
        submitted_by: ctx.author.user.clone(),
        submitted_at: ctx.at,
        audit: None,
        settlement: None,
    };
    let costs = ctx.section(tx, Section::Costs)?;
    put_record(tx, &costs, entry.id.as_str(), &entry)?;
    Ok(entry.id)
}

pub(crate) fn audit(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    cost_id: &EntryId,
    approved: bool,
    note: &str,
) -> Result<()> {
    let costs = ctx.section(tx, Section::Costs)?;
    let cost = ctx.entry(tx, &costs, cost_id, "cost")?;
    let submitted_by: Option<UserId> = ctx.field(tx, &cost, "submitted_by")?;
    ctx.duty(&DutyFacts {
        submitted_by: submitted_by.as_ref(),
        ..DutyFacts::default()
    })?;
    if tx.get(&cost, "settlement")?.is_some() {
        return Err(Error::invalid("audit", "the cost is already settled"));
    }
    let audit = Audit {
        approved,
        note: bounded("audit note", note.trim(), LONG)?,
        by: ctx.author.user.clone(),
        at: ctx.at,
    };
    put_embedded(tx, &cost, "audit", &audit)?;
    Ok(())
}

pub(crate) fn settle(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    cost_id: &EntryId,
    reference: &str,
) -> Result<()> {
    let costs = ctx.section(tx, Section::Costs)?;
    let cost = ctx.entry(tx, &costs, cost_id, "cost")?;
    let audit: Option<Audit> = match tx.get(&cost, "audit")? {
        Some((automerge::Value::Scalar(s), _)) => decode(scalar_to_json(&s)).ok(),
        _ => None,
    };
    let approved = audit.is_some_and(|a| a.approved);
    if !approved {
        return Err(Error::invalid(
            "settlement",
            "only an approved cost can be settled",
        ));
    }
    let settlement = Settlement {
        reference: required("settlement reference", reference, SHORT)?,
        by: ctx.author.user.clone(),
        at: ctx.at,
    };
    put_embedded(tx, &cost, "settlement", &settlement)?;
    Ok(())
}
