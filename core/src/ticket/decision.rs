//! Dispositions: the remedy a technician (or someone with authority) judges, kept as appended
//! entries so that two judgements made apart both survive.
//!
//! Each entry lists the entries its author had seen. The current decision is the set of entries
//! that no other entry has seen; when that set holds different dispositions the ticket has a
//! decision conflict, until someone records an entry that has seen all of them.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::codec::put_embedded;
use super::operation::WriteContext;
use super::validate::{LONG, required};
use super::view::entries;
use crate::error::Result;
use crate::id::{EntryId, UserId};
use crate::role::Role;
use crate::section::Section;
use crate::time::Timestamp;
use automerge::transaction::Transaction;

/// The remedy judged on site.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// Repair on site.
    RepairOnSite,
    /// Replace the unit or part.
    Replace,
    /// Return the unit to the factory.
    ReturnToFactory,
    /// No fault found.
    NoFaultFound,
}

/// One judgement as read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecisionEntry {
    /// Entry id.
    pub id: EntryId,
    /// The remedy.
    pub disposition: Disposition,
    /// Why.
    pub rationale: String,
    /// Who decided.
    pub by: UserId,
    /// In which role.
    pub role: Role,
    /// When (device time).
    pub recorded_at: Timestamp,
    /// The entries the author had seen when deciding.
    #[serde(default)]
    pub seen: Vec<EntryId>,
}

/// Entries whose dispositions disagree and that no later entry has reconciled.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecisionConflict {
    /// The disagreeing entries, oldest first by device time.
    pub entries: Vec<DecisionEntry>,
}

/// The decisions section as read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Decisions {
    /// Every entry, oldest first by device time.
    pub entries: Vec<DecisionEntry>,
}

impl Decisions {
    /// The entries that no other entry has seen.
    pub fn current(&self) -> Vec<&DecisionEntry> {
        let seen: BTreeSet<&EntryId> = self.entries.iter().flat_map(|e| &e.seen).collect();
        self.entries
            .iter()
            .filter(|e| !seen.contains(&e.id))
            .collect()
    }

    /// The disposition in force, when there is exactly one.
    pub fn disposition(&self) -> Option<Disposition> {
        let dispositions: BTreeSet<Disposition> =
            self.current().iter().map(|e| e.disposition).collect();
        match dispositions.len() {
            1 => dispositions.into_iter().next(),
            _ => None,
        }
    }

    /// The decision conflict, if the current entries disagree.
    pub fn conflict(&self) -> Option<DecisionConflict> {
        let current = self.current();
        let first = current.first()?.disposition;
        current
            .iter()
            .any(|e| e.disposition != first)
            .then(|| DecisionConflict {
                entries: current.into_iter().cloned().collect(),
            })
    }
}

pub(crate) fn decide(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    disposition: Disposition,
    rationale: &str,
) -> Result<EntryId> {
    let mut unreadable = Vec::new();
    let existing = Decisions {
        entries: entries(
            ctx.read_section(tx, Section::Decisions)?,
            "decision",
            &mut unreadable,
        ),
    };
    let seen = existing
        .current()
        .into_iter()
        .map(|e| e.id.clone())
        .collect();
    let entry = DecisionEntry {
        id: ctx.new_entry_id(),
        disposition,
        rationale: required("rationale", rationale, LONG)?,
        by: ctx.author.user.clone(),
        role: ctx.author.role,
        recorded_at: ctx.at,
        seen,
    };
    let decisions = ctx.section(tx, Section::Decisions)?;
    put_embedded(tx, &decisions, entry.id.as_str(), &entry)?;
    Ok(entry.id)
}
