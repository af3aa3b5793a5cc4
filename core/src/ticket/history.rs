//! The history of a ticket: every change with its author, device time and the sections it
//! touched, and the note each change carries in its message.

use std::collections::{BTreeSet, HashMap};

use automerge::legacy::{Key, ObjectId, OpType};
use automerge::{ActorId, Automerge, Change};
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

/// An object of a document, named by the operation that made it.
type ObjectKey = (u64, ActorId);

/// Which top-level key each object of a ticket's document lies under, learnt from the
/// operations that made the objects. With it, the sections a change writes are read from the
/// change's own operations: the cost follows the size of the change, not of the document, and a
/// write counts even where a concurrent change hides its effect.
#[derive(Clone, Debug, Default)]
pub struct SectionMap {
    objects: HashMap<ObjectKey, String>,
}

/// The objects a change makes, to be learnt once the change is kept.
#[derive(Clone, Debug, Default)]
pub struct Made(Vec<(ObjectKey, String)>);

impl SectionMap {
    /// The map of every object in `doc`.
    pub fn of(doc: &Automerge) -> SectionMap {
        let mut map = SectionMap::default();
        for change in doc.get_changes(&[]) {
            let (_, made) = map.touched(&change);
            map.learn(made);
        }
        map
    }

    /// The top-level keys that `change` writes, and the objects it makes. The change's
    /// dependencies must be known to the map: an object it does not know counts as an unknown
    /// key.
    pub fn touched(&self, change: &Change) -> (Touched, Made) {
        let change = change.decode();
        let mut made = HashMap::new();
        let mut touched = Touched::default();
        let mut with_values = BTreeSet::new();
        for (i, op) in change.operations.iter().enumerate() {
            let key = match (&op.obj, &op.key) {
                (ObjectId::Root, Key::Map(key)) => key.to_string(),
                (ObjectId::Root, Key::Seq(_)) => "(a list position at the top level)".to_owned(),
                (ObjectId::Id(id), _) => {
                    let object = (id.counter(), id.actor().clone());
                    match made.get(&object).or_else(|| self.objects.get(&object)) {
                        Some(key) => String::clone(key),
                        None => format!("(object {}@{}, unknown here)", id.counter(), id.actor()),
                    }
                }
            };
            let makes_object = matches!(op.action, OpType::Make(_));
            if makes_object {
                let id = (change.start_op.get() + i as u64, change.actor_id.clone());
                made.insert(id, key.clone());
            }
            match key.parse::<Section>() {
                Ok(section) => {
                    touched.sections.insert(section);
                    if !makes_object {
                        with_values.insert(section);
                    }
                }
                Err(_) => {
                    touched.unknown.insert(key);
                }
            }
        }
        touched.structure_only = touched.sections.difference(&with_values).copied().collect();
        (touched, Made(made.into_iter().collect()))
    }

    /// Learns the objects a kept change made.
    pub fn learn(&mut self, made: Made) {
        self.objects.extend(made.0);
    }
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
    let mut map = SectionMap::default();
    doc.get_changes(&[])
        .into_iter()
        .map(|change| {
            let (touched, made) = map.touched(&change);
            map.learn(made);
            HistoryEntry {
                hash: change.hash().to_string(),
                actor: change.actor_id().to_hex_string(),
                note: ChangeNote::parse(change.message()),
                recorded_at: Timestamp(change.timestamp()),
                sections: touched.sections.into_iter().collect(),
            }
        })
        .collect()
}
