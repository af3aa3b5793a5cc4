//! The history of a ticket: every change with its author, device time and the sections it
//! touched, and the note each change carries in its message.

use std::collections::BTreeSet;

use automerge::{Automerge, ChangeHash, Prop, ROOT, ReadDoc};
use serde::{Deserialize, Serialize};

use crate::author::Author;
use crate::id::UserId;
use crate::role::Role;
use crate::section::Section;
use crate::time::Timestamp;

/// The message of every change fieldledger makes: the action and its author, as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangeNote {
    /// The action's name, for example `decide` or `register`.
    pub action: String,
    /// Who made the change.
    pub user: UserId,
    /// In which role.
    pub role: Role,
}

impl ChangeNote {
    /// The note for `action` by `author`.
    pub fn new(action: &str, author: &Author) -> Self {
        Self {
            action: action.to_owned(),
            user: author.user.clone(),
            role: author.role,
        }
    }

    /// The note as a change message.
    pub fn to_message(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a change message; messages not written by fieldledger give `None`.
    pub fn parse(message: Option<&str>) -> Option<Self> {
        serde_json::from_str(message?).ok()
    }
}

/// The top-level keys a change writes, split into known sections and anything else.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Touched {
    /// The ticket sections written.
    pub sections: BTreeSet<Section>,
    /// Of those, the sections in which the change only created objects (maps, lists, texts)
    /// and wrote no value: the empty skeleton that registration lays out.
    pub structure_only: BTreeSet<Section>,
    /// Top-level keys that are not sections of this schema.
    pub unknown: BTreeSet<String>,
}

/// The top-level keys that the change `hash` of `doc` writes, found by diffing the document
/// from the change's dependencies to the change itself.
pub fn touched(doc: &Automerge, hash: ChangeHash) -> Touched {
    let deps = doc
        .get_change_by_hash(&hash)
        .map(|c| c.deps().to_vec())
        .unwrap_or_default();
    let mut touched = Touched::default();
    let mut with_values = BTreeSet::new();
    for patch in doc.diff(&deps, &[hash]) {
        let creates_object = matches!(
            &patch.action,
            automerge::PatchAction::PutMap {
                value: (automerge::Value::Object(_), _),
                ..
            } | automerge::PatchAction::PutSeq {
                value: (automerge::Value::Object(_), _),
                ..
            }
        );
        let key = match (patch.path.first(), &patch.action) {
            (Some((_, Prop::Map(key))), _) => Some(key.clone()),
            (None, automerge::PatchAction::PutMap { key, .. }) if patch.obj == ROOT => {
                Some(key.clone())
            }
            (None, automerge::PatchAction::DeleteMap { key }) if patch.obj == ROOT => {
                Some(key.clone())
            }
            _ => None,
        };
        if let Some(key) = key {
            match key.parse::<Section>() {
                Ok(section) => {
                    touched.sections.insert(section);
                    if !creates_object {
                        with_values.insert(section);
                    }
                }
                Err(_) => {
                    touched.unknown.insert(key);
                }
            };
        }
    }
    touched.structure_only = touched.sections.difference(&with_values).copied().collect();
    touched
}

/// One change of a ticket as shown in its history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The change hash (hex).
    pub hash: String,
    /// The automerge actor that made it (hex).
    pub actor: String,
    /// The action, user and role from the change message, when fieldledger wrote it.
    pub note: Option<ChangeNote>,
    /// The device time the change was made.
    pub recorded_at: Timestamp,
    /// The sections it wrote.
    pub sections: Vec<Section>,
}

/// Every change of `doc` in causal order.
pub(crate) fn history(doc: &Automerge) -> Vec<HistoryEntry> {
    doc.get_changes(&[])
        .into_iter()
        .map(|change| HistoryEntry {
            hash: change.hash().to_string(),
            actor: change.actor_id().to_hex_string(),
            note: ChangeNote::parse(change.message()),
            recorded_at: Timestamp(change.timestamp()),
            sections: touched(doc, change.hash()).sections.into_iter().collect(),
        })
        .collect()
}
