//! Service costs: registered, audited by the technical service department, settled by finance,
//! and borne by the company, a sales representative, a supplier or the customer. A
//! technician's own costs are their expense claims (报销), which clear the travel advances
//! (差旅借款) finance paid them before the trip; the advances are kept in the same section.

use automerge::ReadDoc;
use automerge::transaction::Transaction;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::codec::{decode, embedded, fields, put_embedded, put_record, scalar_to_json};
use super::operation::WriteContext;
use super::validate::{LONG, SHORT, bounded, required};
use super::view::entries;
use crate::error::{Error, Result};
use crate::id::{EntryId, UserId};
use crate::policy::DutyFacts;
use crate::rule::Rule;
use crate::section::Section;
use crate::time::Timestamp;

/// What a cost paid for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    let borne_by = match (cost.bearer, &cost.borne_by) {
        (Bearer::SalesRepresentative, Some(rep)) => Some(rep.clone()),
        (Bearer::SalesRepresentative, None) => {
            let intake = ctx.section(tx, Section::Intake)?;
            let rep: Option<UserId> = ctx.field(tx, &intake, "sales_rep")?;
            Some(rep.ok_or_else(|| {
                Error::broke(
                    "borne by",
                    Rule::Required,
                    "must name the sales representative who bears the cost: the ticket names none",
                )
            })?)
        }
        (_, Some(_)) => {
            return Err(Error::broke(
                "borne by",
                Rule::NotAllowed,
                "names a person only for a cost borne by a sales representative",
            ));
        }
        (_, None) => None,
    };
    let entry = Cost {
        id: ctx.new_entry_id(),
        kind: cost.kind,
        amount_minor: amount(cost.amount_minor)?,
        currency: currency(&cost.currency)?,
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

/// An amount of money as typed: more than zero.
fn amount(minor: i64) -> Result<i64> {
    if minor <= 0 {
        return Err(Error::broke(
            "amount",
            Rule::NotPositive,
            "must be more than zero",
        ));
    }
    Ok(minor)
}

/// A currency as typed: an ISO 4217 code such as `CNY`, trimmed.
fn currency(typed: &str) -> Result<String> {
    let currency = typed.trim();
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Error::invalid(
            "currency",
            format!("{currency:?} is not an ISO 4217 code such as CNY"),
        ));
    }
    Ok(currency.to_owned())
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
        return Err(Error::broke(
            "audit",
            Rule::AlreadyDone,
            "the cost is already settled",
        ));
    }
    // A rejected cost stays on the ticket: whoever submitted it must read why.
    if !approved && note.trim().is_empty() {
        return Err(Error::invalid("audit note", "a rejection gives its reason"));
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
        return Err(Error::broke(
            "settlement",
            Rule::NotYet,
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

/// The key of the travel advances inside the costs section, beside the costs themselves.
const ADVANCES: &str = "advances";

/// A travel advance (差旅借款, 借记): money finance paid a technician before a trip, against a
/// ticket and, where one is named, its travel task order. It is cleared (冲账) against the
/// technician's expense claims on the ticket: the costs they submitted on it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Advance {
    /// Entry id.
    pub id: EntryId,
    /// The technician paid.
    pub technician: UserId,
    /// The amount in minor units (fen for CNY).
    pub amount_minor: i64,
    /// ISO 4217 currency code, for example `CNY`.
    pub currency: String,
    /// The accounting reference of the payment (voucher number, 凭证号).
    pub reference: String,
    /// The travel task order it was paid against, if one was named.
    #[serde(default)]
    pub order: Option<EntryId>,
    /// Who in finance paid it.
    pub paid_by: UserId,
    /// When (device time).
    pub paid_at: Timestamp,
    /// Its clearing, once cleared.
    #[serde(default, deserialize_with = "embedded::option")]
    pub clearing: Option<Clearing>,
}

/// The clearing (冲账) of a travel advance against the technician's settled expense claims.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Clearing {
    /// The accounting reference of the clearing (voucher number).
    pub reference: String,
    /// The claims it cleared: the technician's settled costs on the ticket in the advance's
    /// currency that no earlier clearing counted.
    pub claims: Vec<EntryId>,
    /// Their total, in minor units.
    pub claimed_minor: i64,
    /// What is left, in minor units: the claims less the advance. More than zero, the company
    /// owes the technician; less than zero, the technician pays money back.
    pub balance_minor: i64,
    /// Who in finance cleared it.
    pub by: UserId,
    /// When (device time).
    pub at: Timestamp,
}

/// A new travel advance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewAdvance {
    /// The technician paid.
    pub technician: UserId,
    /// The amount in minor units, more than zero.
    pub amount_minor: i64,
    /// ISO 4217 currency code.
    pub currency: String,
    /// The accounting reference of the payment (voucher number).
    pub reference: String,
    /// The travel task order of the ticket it is paid against, if any.
    #[serde(default)]
    pub order: Option<EntryId>,
}

/// Splits the JSON of the costs section into its costs and its travel advances.
pub(crate) fn split(section: Value) -> (Value, Value) {
    let mut costs = fields(section);
    let advances = costs.remove(ADVANCES).unwrap_or(Value::Null);
    (Value::Object(costs), advances)
}

pub(crate) fn record_advance(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    advance: &NewAdvance,
) -> Result<EntryId> {
    if let Some(order) = &advance.order {
        let orders = ctx.collection(tx, Section::Dispatch, "orders")?;
        ctx.entry(tx, &orders, order, "travel task order")?;
    }
    let entry = Advance {
        id: ctx.new_entry_id(),
        technician: advance.technician.clone(),
        amount_minor: amount(advance.amount_minor)?,
        currency: currency(&advance.currency)?,
        reference: required("advance reference", &advance.reference, SHORT)?,
        order: advance.order.clone(),
        paid_by: ctx.author.user.clone(),
        paid_at: ctx.at,
        clearing: None,
    };
    let advances = ctx.collection(tx, Section::Costs, ADVANCES)?;
    put_record(tx, &advances, entry.id.as_str(), &entry)?;
    Ok(entry.id)
}

/// Clears the advance `advance_id` against its technician's settled claims on the ticket that
/// no earlier clearing counted, once none of their claims waits for audit or settlement.
pub(crate) fn clear_advance(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    advance_id: &EntryId,
    reference: &str,
) -> Result<()> {
    let stored = ctx.collection(tx, Section::Costs, ADVANCES)?;
    let entry = ctx.entry(tx, &stored, advance_id, "advance")?;
    let reference = required("clearing reference", reference, SHORT)?;
    let mut unreadable = Vec::new();
    let (costs, advances) = split(ctx.read_section(tx, Section::Costs)?);
    let costs: Vec<Cost> = entries(costs, "cost", &mut unreadable);
    let advances: Vec<Advance> = entries(advances, "advance", &mut unreadable);
    if let Some(what) = unreadable.first() {
        return Err(Error::invalid(
            "clearing",
            format!("the costs of the ticket cannot all be read: {what}"),
        ));
    }
    let advance = advances
        .iter()
        .find(|a| a.id == *advance_id)
        .ok_or_else(|| Error::invalid("clearing", "the advance cannot be read"))?;
    if advance.clearing.is_some() {
        return Err(Error::broke(
            "clearing",
            Rule::AlreadyDone,
            "the advance is already cleared",
        ));
    }
    let claims = costs
        .iter()
        .filter(|c| c.submitted_by == advance.technician);
    if claims.clone().any(|c| match &c.audit {
        None => true,
        Some(audit) => audit.approved && c.settlement.is_none(),
    }) {
        return Err(Error::broke(
            "clearing",
            Rule::NotYet,
            "the technician's claims on the ticket must all be settled or rejected first",
        ));
    }
    let counted: Vec<&EntryId> = advances
        .iter()
        .filter_map(|a| a.clearing.as_ref())
        .flat_map(|c| &c.claims)
        .collect();
    let cleared: Vec<&Cost> = claims
        .filter(|c| c.settlement.is_some() && c.currency == advance.currency)
        .filter(|c| !counted.contains(&&c.id))
        .collect();
    let too_large = || Error::invalid("clearing", "the claims add up to more than can be kept");
    let claimed_minor = cleared
        .iter()
        .try_fold(0i64, |sum, c| sum.checked_add(c.amount_minor))
        .ok_or_else(too_large)?;
    let clearing = Clearing {
        reference,
        claims: cleared.iter().map(|c| c.id.clone()).collect(),
        claimed_minor,
        balance_minor: claimed_minor
            .checked_sub(advance.amount_minor)
            .ok_or_else(too_large)?,
        by: ctx.author.user.clone(),
        at: ctx.at,
    };
    put_embedded(tx, &entry, "clearing", &clearing)
}
