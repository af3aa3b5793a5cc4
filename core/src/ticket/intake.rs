//! Intake and registration: the complaint information processing form (客户投诉信息处理单).

use automerge::ReadDoc;
use automerge::transaction::{Transactable, Transaction};
use serde::{Deserialize, Serialize};

use super::codec::{put_field, update_text};
use super::operation::WriteContext;
use super::validate::{LONG, SHORT, bounded, optional, required};
use crate::error::{Error, Result};
use crate::id::UserId;
use crate::policy::{self, DutyFacts};
use crate::rule::Rule;
use crate::section::Section;
use crate::time::Timestamp;

/// What the customer or sales representative asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketKind {
    /// A complaint (投诉) about a product or service.
    #[default]
    Complaint,
    /// Installation (安装).
    Installation,
    /// Commissioning and debugging (调试).
    Commissioning,
    /// Power-on (送电).
    PowerOn,
    /// A request for repair (维修).
    RepairRequest,
    /// A question to answer.
    Inquiry,
}

/// Who brought the information in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum IntakeSource {
    /// The customer directly.
    #[default]
    Customer,
    /// A sales representative on the customer's behalf.
    SalesRepresentative,
}

/// The registration fields of the regulation, as entered at intake.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Registration {
    /// What kind of case this is.
    pub kind: TicketKind,
    /// Whether the specialist judged it a complaint.
    pub complaint: bool,
    /// Product name (产品名称).
    pub product_name: String,
    /// Specification and model (规格型号).
    pub model: String,
    /// Factory job number of the unit (工号).
    pub job_number: String,
    /// Contract number (合同号).
    pub contract_number: String,
    /// Customer name (客户名称).
    pub customer_name: String,
    /// Customer contact person (客户联系人).
    pub contact_person: String,
    /// How to reach the contact person (联系方式).
    pub contact_method: String,
    /// The complaint content (投诉内容).
    pub content: String,
    /// The customer's requests (要求).
    pub requests: String,
    /// Who brought the information in.
    pub source: IntakeSource,
    /// The sales representative, when the source is one, as a name: what imports and
    /// tickets registered before representatives were users carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sales_representative: Option<String>,
    /// The sales representative of the ticket as a user (a user of the `sales` role, which the
    /// office server checks): they read the ticket, confirm whether the customer's service
    /// requirements were met, and bear the costs borne by the sales representative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sales_rep: Option<UserId>,
    /// A major complaint, which involves the general manager and R&D.
    pub major: bool,
    /// The customer of the office's reference data this ticket is for, when the desk chose
    /// one; the free-text customer fields stay what the form showed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<i64>,
    /// The installed unit of the office's reference data this ticket is about, when the desk
    /// chose one; the product, model, job and contract number are then the unit's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_id: Option<i64>,
}

impl Registration {
    /// Checks every field and returns the cleaned registration.
    pub fn validated(&self) -> Result<Registration> {
        let sales_representative = optional(
            "sales representative",
            self.sales_representative.as_deref(),
            SHORT,
        )?;
        if self.source == IntakeSource::SalesRepresentative
            && sales_representative.is_none()
            && self.sales_rep.is_none()
        {
            return Err(Error::broke(
                "sales representative",
                Rule::Required,
                "must be named when the information came from one",
            ));
        }
        Ok(Registration {
            kind: self.kind,
            complaint: self.complaint,
            product_name: required("product name", &self.product_name, SHORT)?,
            model: bounded("model", self.model.trim(), SHORT)?,
            job_number: bounded("job number", self.job_number.trim(), SHORT)?,
            contract_number: bounded("contract number", self.contract_number.trim(), SHORT)?,
            customer_name: required("customer name", &self.customer_name, SHORT)?,
            contact_person: bounded("contact person", self.contact_person.trim(), SHORT)?,
            contact_method: bounded("contact method", self.contact_method.trim(), SHORT)?,
            content: required("content", &self.content, LONG)?,
            requests: bounded("requests", &self.requests, LONG)?,
            source: self.source,
            sales_representative,
            sales_rep: self.sales_rep.clone(),
            major: self.major,
            customer_id: self.customer_id,
            unit_id: self.unit_id,
        })
    }
}

/// The intake section as read: the registration and when and by whom it was made.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Intake {
    /// The registration fields.
    #[serde(flatten)]
    pub registration: Registration,
    /// When the ticket was registered (device time).
    pub registered_at: Option<Timestamp>,
    /// Who registered it.
    pub registered_by: Option<UserId>,
    /// When the service department confirmed that the ticket is a complaint (如确认为投诉):
    /// its registration as one by the desk, or its later judgement; the 30-minute hand-off
    /// runs from here. Absent while no such confirmation stands.
    pub confirmed_at: Option<Timestamp>,
    /// Who confirmed it.
    pub confirmed_by: Option<UserId>,
    /// When it was last judged a major complaint (device time): its registration as one, or
    /// the amendment that set the flag. Absent while it is not major, and on tickets written
    /// before the time was kept (see [`Intake::major_since`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub major_at: Option<Timestamp>,
}

impl Intake {
    /// When the ticket was confirmed a complaint, if it is one and the confirmation stands.
    pub fn confirmed_complaint_at(&self) -> Option<Timestamp> {
        self.confirmed_at.filter(|_| self.registration.complaint)
    }

    /// Since when the ticket is a major complaint, if it is one: when it was judged major, or
    /// its registration for a ticket written before that time was kept.
    pub fn major_since(&self) -> Option<Timestamp> {
        self.registration
            .major
            .then(|| self.major_at.or(self.registered_at))
            .flatten()
    }
}

/// A correction of some registration fields; fields left `None` are not touched, so that two
/// people correcting different fields at once both keep their correction.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct IntakeAmendment {
    /// New kind.
    pub kind: Option<TicketKind>,
    /// New complaint judgement.
    pub complaint: Option<bool>,
    /// New product name.
    pub product_name: Option<String>,
    /// New model.
    pub model: Option<String>,
    /// New job number.
    pub job_number: Option<String>,
    /// New contract number.
    pub contract_number: Option<String>,
    /// New customer name.
    pub customer_name: Option<String>,
    /// New contact person.
    pub contact_person: Option<String>,
    /// New contact method.
    pub contact_method: Option<String>,
    /// New complaint content (merged character by character with concurrent edits).
    pub content: Option<String>,
    /// New requests (merged character by character with concurrent edits).
    pub requests: Option<String>,
    /// New major-complaint flag.
    pub major: Option<bool>,
    /// New sales representative of the ticket (a user of the `sales` role).
    pub sales_rep: Option<UserId>,
}

pub(crate) fn amend(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    a: &IntakeAmendment,
) -> Result<()> {
    let intake = ctx.section(tx, Section::Intake)?;
    let complaint: Option<bool> = ctx.field(tx, &intake, "complaint")?;
    let major_flag: Option<bool> = ctx.field(tx, &intake, "major")?;
    let changes_flags = a.complaint.is_some_and(|c| Some(c) != complaint)
        || a.major.is_some_and(|m| m != major_flag.unwrap_or(false));
    ctx.duty(&DutyFacts {
        changes_flags,
        ..DutyFacts::default()
    })?;
    let mut wrote = false;
    let mut put = |tx: &mut Transaction<'_>, key: &str, value: serde_json::Value| -> Result<()> {
        wrote = true;
        put_field(tx, &intake, key, &value)
    };
    if let Some(kind) = a.kind {
        put(tx, "kind", serde_json::json!(kind))?;
    }
    if let Some(complaint) = a.complaint {
        put(tx, "complaint", complaint.into())?;
        let confirmed: Option<Timestamp> = ctx.field(tx, &intake, "confirmed_at")?;
        if !complaint && confirmed.is_some() {
            tx.delete(&intake, "confirmed_at")?;
            tx.delete(&intake, "confirmed_by")?;
        } else if complaint && confirmed.is_none() && policy::confirms_complaints(ctx.author.role) {
            put(tx, "confirmed_at", ctx.at.millis().into())?;
            put(tx, "confirmed_by", ctx.author.user.as_str().into())?;
        }
    }
    if let Some(major) = a.major {
        put(tx, "major", major.into())?;
        let was_major = major_flag.unwrap_or(false);
        if major && !was_major {
            put(tx, "major_at", ctx.at.millis().into())?;
        } else if !major && tx.get(&intake, "major_at")?.is_some() {
            tx.delete(&intake, "major_at")?;
        }
    }
    if let Some(rep) = &a.sales_rep {
        put(tx, "sales_rep", rep.as_str().into())?;
    }
    let short_fields = [
        ("product_name", "product name", &a.product_name, true),
        ("model", "model", &a.model, false),
        ("job_number", "job number", &a.job_number, false),
        (
            "contract_number",
            "contract number",
            &a.contract_number,
            false,
        ),
        ("customer_name", "customer name", &a.customer_name, true),
        ("contact_person", "contact person", &a.contact_person, false),
        ("contact_method", "contact method", &a.contact_method, false),
    ];
    for (key, label, value, is_required) in short_fields {
        if let Some(value) = value {
            let value = if is_required {
                required(label, value, SHORT)?
            } else {
                bounded(label, value.trim(), SHORT)?
            };
            put(tx, key, value.into())?;
        }
    }
    if let Some(content) = &a.content {
        update_text(tx, &intake, "content", &required("content", content, LONG)?)?;
        wrote = true;
    }
    if let Some(requests) = &a.requests {
        update_text(
            tx,
            &intake,
            "requests",
            &bounded("requests", requests, LONG)?,
        )?;
        wrote = true;
    }
    if wrote {
        Ok(())
    } else {
        Err(Error::broke(
            "amendment",
            Rule::Unchanged,
            "changes no field",
        ))
    }
}
