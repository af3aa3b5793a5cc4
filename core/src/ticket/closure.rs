//! Closing a ticket (结案): an explicit entry by the service department, accepted only when
//! what the regulation requires of a finished case is recorded. The status reads it; a later
//! unsatisfied return visit reopens the ticket without touching the entry.

use automerge::transaction::Transaction;
use automerge::{ObjType, ROOT};
use serde::{Deserialize, Serialize};
use strum::Display;

use super::codec::{put_record, read_json};
use super::fulfilment::{self, Track};
use super::operation::WriteContext;
use super::validate::{LONG, bounded};
use super::view::TicketView;
use crate::error::{Error, Result};
use crate::id::{EntryId, UserId};
use crate::role::Role;
use crate::rule::Rule;
use crate::section::Section;
use crate::status::Status;
use crate::time::Timestamp;

/// Something the regulation requires before a ticket may close; its names are serde's and
/// strum's, the same snake case of the variant.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Requirement {
    /// A disposition (the remedy judged) is recorded.
    Disposition,
    /// The dispositions in force agree.
    DecisionWithoutConflict,
    /// Every cost is audited.
    CostAudit,
    /// For a complaint: the cause is recorded.
    Cause,
    /// For a complaint: responsibility is ruled.
    Responsibility,
    /// A replacement or a return has its whole fulfilment track recorded: the customer has a
    /// working unit again.
    Fulfilment,
    /// For a major complaint: the general manager has recorded their review
    /// (`review_major_complaint`).
    ManagerReview,
    /// For a major complaint: responsibility is ruled by R&D, as the regulation gives it that
    /// ruling (a ruling by another department does not count).
    RndResponsibility,
}

/// A close entry as read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Closure {
    /// Entry id.
    pub id: EntryId,
    /// Why or how it closed.
    #[serde(default)]
    pub note: String,
    /// Who closed it.
    pub closed_by: UserId,
    /// When (device time).
    pub closed_at: Timestamp,
}

/// What `view` still lacks before it may close, in a stable order; empty when it may close.
pub fn missing(view: &TicketView) -> Vec<Requirement> {
    let mut missing = Vec::new();
    if view.decisions.conflict().is_some() {
        missing.push(Requirement::DecisionWithoutConflict);
    } else if view.decisions.disposition().is_none() {
        missing.push(Requirement::Disposition);
    } else if matches!(fulfilment::track(view), Some(Track::Awaiting(_))) {
        missing.push(Requirement::Fulfilment);
    }
    if view.costs.iter().any(|c| c.audit.is_none()) {
        missing.push(Requirement::CostAudit);
    }
    if view.intake.registration.complaint {
        if view.quality.cause.trim().is_empty() {
            missing.push(Requirement::Cause);
        }
        if view.quality.responsibility.is_none() {
            missing.push(Requirement::Responsibility);
        }
    }
    if view.intake.registration.major {
        if view.quality.manager_review.is_none() {
            missing.push(Requirement::ManagerReview);
        }
        let by_rnd =
            view.quality.responsibility.is_some() && view.quality.ruled_by_role == Some(Role::RnD);
        if !by_rnd {
            missing.push(Requirement::RndResponsibility);
        }
    }
    missing
}

pub(crate) fn close(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    note: &str,
) -> Result<EntryId> {
    let view = TicketView::from_json(read_json(tx, &ROOT, ObjType::Map, None)?);
    if Status::of(&view) == Status::Closed {
        return Err(Error::broke(
            "ticket",
            Rule::AlreadyDone,
            "is closed already",
        ));
    }
    let missing = missing(&view);
    if !missing.is_empty() {
        return Err(Error::NotClosable { missing });
    }
    let entry = Closure {
        id: ctx.new_entry_id(),
        note: bounded("note", note.trim(), LONG)?,
        closed_by: ctx.author.user.clone(),
        closed_at: ctx.at,
    };
    let closures = ctx.section(tx, Section::Closure)?;
    put_record(tx, &closures, entry.id.as_str(), &entry)?;
    Ok(entry.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_are_named_as_serde_names_them() {
        for (requirement, name) in [
            (Requirement::Disposition, "disposition"),
            (
                Requirement::DecisionWithoutConflict,
                "decision_without_conflict",
            ),
            (Requirement::CostAudit, "cost_audit"),
            (Requirement::Cause, "cause"),
            (Requirement::Responsibility, "responsibility"),
            (Requirement::Fulfilment, "fulfilment"),
            (Requirement::ManagerReview, "manager_review"),
            (Requirement::RndResponsibility, "rnd_responsibility"),
        ] {
            assert_eq!(requirement.to_string(), name);
            assert_eq!(serde_json::to_value(requirement).ok(), Some(name.into()));
        }
    }
}
