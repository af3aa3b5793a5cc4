//! Cause, responsibility, and corrective and preventive actions (纠正预防措施), kept by QA.

use automerge::ReadDoc;
use automerge::transaction::Transaction;
use serde::{Deserialize, Serialize};

use super::codec::{embedded, put_embedded, put_field, put_record, update_text};
use super::operation::WriteContext;
use super::validate::{LONG, SHORT, bounded, required};
use crate::error::Result;
use crate::id::{EntryId, UserId};
use crate::policy::DutyFacts;
use crate::role::Role;
use crate::section::Section;
use crate::time::{Date, Timestamp};

/// Who is responsible for what went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Responsibility {
    /// Design (设计).
    Design,
    /// Manufacturing (制造).
    Manufacturing,
    /// A supplier (供应商).
    Supplier,
    /// Transport and packaging (运输包装).
    TransportPackaging,
    /// Installation (安装).
    Installation,
    /// The customer's use (客户使用).
    CustomerUse,
    /// Sales (销售).
    Sales,
}

/// Whether an action corrects this case or prevents the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Corrective (纠正).
    Corrective,
    /// Preventive (预防).
    Preventive,
}

/// Where an action stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    /// Not done yet.
    Open,
    /// Done by its owner.
    Done,
    /// Checked by QA.
    Verified,
    /// No longer needed.
    Cancelled,
}

/// A corrective or preventive action as read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CorrectiveAction {
    /// Entry id.
    pub id: EntryId,
    /// Corrective or preventive.
    pub kind: ActionKind,
    /// What is to be done.
    pub description: String,
    /// The responsible department or person.
    pub owner: String,
    /// When it is due.
    pub due: Date,
    /// Where it stands.
    pub status: ActionStatus,
    /// When it was raised (device time).
    pub raised_at: Timestamp,
    /// Who raised it.
    pub raised_by: UserId,
    /// When it was first reported done or verified (device time); the moment its deadline
    /// was met.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_at: Option<Timestamp>,
    /// The department that carries it out, which may report it done with its evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_department: Option<Role>,
    /// What shows it done: the owner's or QA's last word on it (a document number, a test).
    #[serde(default)]
    pub evidence: String,
}

/// A new corrective or preventive action.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewAction {
    /// Corrective or preventive.
    pub kind: ActionKind,
    /// What is to be done.
    pub description: String,
    /// The responsible department or person.
    pub owner: String,
    /// When it is due.
    pub due: Date,
    /// The department that carries it out, which may then report it done.
    #[serde(default)]
    pub owner_department: Option<Role>,
}

/// The quality section as read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Quality {
    /// The cause found.
    pub cause: String,
    /// Its code in the office's cause code list, when one was chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause_code: Option<String>,
    /// The responsibility ruled, once ruled.
    pub responsibility: Option<Responsibility>,
    /// Who ruled it.
    pub ruled_by: Option<UserId>,
    /// When (device time).
    pub ruled_at: Option<Timestamp>,
    /// The role of who ruled it (absent on rulings written before it was kept): a major
    /// complaint closes only once R&D has ruled ([`crate::ticket::closure::missing`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ruled_by_role: Option<Role>,
    /// The general manager's review of a major complaint, once recorded.
    #[serde(
        default,
        deserialize_with = "embedded::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub manager_review: Option<ManagerReview>,
    /// Corrective and preventive actions, oldest first.
    pub actions: Vec<CorrectiveAction>,
    /// The technical department's written guidance and retrofit plans, oldest first.
    pub guidance: Vec<Guidance>,
}

/// What a piece of the technical department's written guidance is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum GuidanceKind {
    /// Written instructions for a change on site: settings, wiring, a design change (书面指导).
    Guidance,
    /// A plan to retrofit the installed units (整改方案).
    RetrofitPlan,
}

/// Written guidance for the site or a retrofit plan, as the technical department (or R&D)
/// issued it (3.2.2 of the regulation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Guidance {
    /// Entry id.
    pub id: EntryId,
    /// Guidance or a retrofit plan.
    pub kind: GuidanceKind,
    /// Its title or document number.
    pub title: String,
    /// What is to be done.
    pub body: String,
    /// Who issued it.
    pub by: UserId,
    /// When (device time).
    pub issued_at: Timestamp,
}

/// The general manager's part in a major complaint (重大投诉): their review of how it was
/// handled, which a major complaint needs before it closes. A later review replaces it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManagerReview {
    /// What the manager found or ordered.
    pub note: String,
    /// Who reviewed it.
    pub reviewed_by: UserId,
    /// The reviewer's role.
    pub role: Role,
    /// When (device time).
    pub reviewed_at: Timestamp,
}

pub(crate) fn record_cause(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    cause: &str,
    code: Option<&str>,
) -> Result<()> {
    let quality = ctx.section(tx, Section::Quality)?;
    if let Some(code) = code {
        put_field(
            tx,
            &quality,
            "cause_code",
            &required("cause code", code, SHORT)?,
        )?;
    }
    update_text(tx, &quality, "cause", &required("cause", cause, LONG)?)
}

pub(crate) fn rule(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    responsibility: Responsibility,
) -> Result<()> {
    major_duty(tx, ctx)?;
    let quality = ctx.section(tx, Section::Quality)?;
    put_field(tx, &quality, "responsibility", &responsibility)?;
    put_field(tx, &quality, "ruled_by", &ctx.author.user)?;
    put_field(tx, &quality, "ruled_by_role", &ctx.author.role)?;
    put_field(tx, &quality, "ruled_at", &ctx.at)
}

pub(crate) fn issue_guidance(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    kind: GuidanceKind,
    title: &str,
    body: &str,
) -> Result<EntryId> {
    let entry = Guidance {
        id: ctx.new_entry_id(),
        kind,
        title: required("title", title, SHORT)?,
        body: required("guidance", body, LONG)?,
        by: ctx.author.user.clone(),
        issued_at: ctx.at,
    };
    let guidance = ctx.collection(tx, Section::Quality, "guidance")?;
    put_embedded(tx, &guidance, entry.id.as_str(), &entry)?;
    Ok(entry.id)
}

/// Refuses the action unless its author keeps its duty on whether the ticket being written is a
/// major complaint.
fn major_duty(tx: &mut Transaction<'_>, ctx: &WriteContext<'_>) -> Result<()> {
    let intake = ctx.section(tx, Section::Intake)?;
    let major = ctx.field(tx, &intake, "major")?.unwrap_or(false);
    ctx.duty(&DutyFacts {
        major,
        ..DutyFacts::default()
    })
}

pub(crate) fn review_major(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    note: &str,
) -> Result<()> {
    major_duty(tx, ctx)?;
    let review = ManagerReview {
        note: required("note", note, LONG)?,
        reviewed_by: ctx.author.user.clone(),
        role: ctx.author.role,
        reviewed_at: ctx.at,
    };
    let quality = ctx.section(tx, Section::Quality)?;
    put_embedded(tx, &quality, "manager_review", &review)
}

pub(crate) fn add_action(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    action: &NewAction,
) -> Result<EntryId> {
    let entry = CorrectiveAction {
        id: ctx.new_entry_id(),
        kind: action.kind,
        description: required("action", &action.description, LONG)?,
        owner: required("owner", &action.owner, SHORT)?,
        due: action.due,
        status: ActionStatus::Open,
        raised_at: ctx.at,
        raised_by: ctx.author.user.clone(),
        done_at: None,
        owner_department: action.owner_department,
        evidence: String::new(),
    };
    let actions = ctx.collection(tx, Section::Quality, "actions")?;
    put_record(tx, &actions, entry.id.as_str(), &entry)?;
    Ok(entry.id)
}

pub(crate) fn set_action_status(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    action_id: &EntryId,
    status: ActionStatus,
    evidence: &str,
) -> Result<()> {
    let actions = ctx.collection(tx, Section::Quality, "actions")?;
    let action = ctx.entry(tx, &actions, action_id, "corrective action")?;
    let owner_department: Option<Role> = ctx.field(tx, &action, "owner_department")?;
    ctx.duty(&DutyFacts {
        owner_department,
        action_status: Some(status),
        ..DutyFacts::default()
    })?;
    put_field(tx, &action, "status", &status)?;
    let evidence = bounded("evidence", evidence.trim(), LONG)?;
    if !evidence.is_empty() {
        put_field(tx, &action, "evidence", &evidence)?;
    }
    let done = matches!(status, ActionStatus::Done | ActionStatus::Verified);
    let unset = match tx.get(&action, "done_at")? {
        None => true,
        Some((automerge::Value::Scalar(s), _)) => s.is_null(),
        Some(_) => false,
    };
    if done && unset {
        put_field(tx, &action, "done_at", &ctx.at)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::tests::{apply, author, new_ticket, refused_by_duty};
    use super::*;
    use crate::ticket::Operation;

    #[test]
    fn the_owning_department_reports_its_action_done_and_only_qa_verifies_it() {
        let mut t = new_ticket();
        let qa = author("qa.liu", Role::QualityAssurance);
        let action = apply(
            &mut t,
            &qa,
            2_000,
            Operation::AddCorrectiveAction(NewAction {
                kind: ActionKind::Corrective,
                description: "leak-test every interrupter".into(),
                owner: "manufacturing, workshop 2".into(),
                due: "2026-12-31".parse().expect("date"),
                owner_department: Some(Role::Manufacturing),
            }),
        )
        .expect("action");
        let set = |status, evidence: &str| Operation::SetActionStatus {
            action_id: action.clone(),
            status,
            evidence: evidence.into(),
        };
        let manufacturing = author("mfg.zhao", Role::Manufacturing);
        refused_by_duty(
            &mut t,
            &author("proc.wu", Role::Procurement),
            &set(ActionStatus::Done, ""),
        );
        refused_by_duty(&mut t, &manufacturing, &set(ActionStatus::Verified, ""));
        refused_by_duty(&mut t, &manufacturing, &set(ActionStatus::Cancelled, ""));
        apply(
            &mut t,
            &manufacturing,
            3_000,
            set(ActionStatus::Done, "test record QR-118"),
        );
        apply(&mut t, &qa, 4_000, set(ActionStatus::Verified, ""));
        let view = t.view().expect("view");
        let read = &view.quality.actions[0];
        assert_eq!(read.status, ActionStatus::Verified);
        assert_eq!(read.evidence, "test record QR-118");
        assert_eq!(read.done_at, Some(crate::Timestamp(3_000)));
        assert_eq!(read.owner_department, Some(Role::Manufacturing));
    }
}
