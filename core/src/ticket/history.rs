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

/// Who made a change and as which action: the part of every change message that a ticket's
/// history shows.
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
    /// Reads the note of a change message; messages not written by fieldledger give `None`.
    pub fn parse(message: Option<&str>) -> Option<Self> {
        serde_json::from_str(message?).ok()
    }
}

/// The message of every change fieldledger makes, as JSON: the note, and what the action was
/// given (the operation, or the registration). From it the office server performs the same
/// action again and keeps the change only if that writes exactly this change (see
/// [`crate::admission`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangeMessage {
    /// Who and which action.
    #[serde(flatten)]
    pub note: ChangeNote,
    /// The action's input; null for what only the office server writes.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub args: serde_json::Value,
}

impl ChangeMessage {
    /// The message of `action` by `author`, given `args`.
    pub fn new(action: &str, author: &Author, args: serde_json::Value) -> Self {
        Self {
            note: ChangeNote {
                action: action.to_owned(),
                user: author.user.clone(),
                role: author.role,
            },
            args,
        }
    }

    /// The message as a change's message text.
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a change's message text; text not written by fieldledger gives `None`.
    pub fn parse(text: Option<&str>) -> Option<Self> {
        serde_json::from_str(text?).ok()
    }
}

/// An object of a document, named by the operation that made it.
type ObjectKey = (u64, ActorId);

/// Which top-level key each object of a ticket's document lies under, learnt from the
/// operations that made the objects: with it, the sections a change writes are read from the
/// change's own operations, even where a concurrent change hides its effect.
#[derive(Clone, Debug, Default)]
struct SectionMap {
    objects: HashMap<ObjectKey, String>,
}

/// The objects a change makes, to be learnt once the change is kept.
#[derive(Clone, Debug, Default)]
struct Made(Vec<(ObjectKey, String)>);

impl SectionMap {
    /// The sections that `change` writes, and the objects it makes. The change's dependencies
    /// must be known to the map.
    fn touched(&self, change: &Change) -> (BTreeSet<Section>, Made) {
        let change = change.decode();
        let mut made = HashMap::new();
        let mut sections = BTreeSet::new();
        for (i, op) in change.operations.iter().enumerate() {
            let key = match (&op.obj, &op.key) {
                (ObjectId::Root, Key::Map(key)) => Some(key.to_string()),
                (ObjectId::Root, Key::Seq(_)) => None,
                (ObjectId::Id(id), _) => {
                    let object = (id.counter(), id.actor().clone());
                    made.get(&object)
                        .or_else(|| self.objects.get(&object))
                        .cloned()
                }
            };
            let Some(key) = key else {
                continue;
            };
            if matches!(op.action, OpType::Make(_)) {
                let id = (change.start_op.get() + i as u64, change.actor_id.clone());
                made.insert(id, key.clone());
            }
            if let Ok(section) = key.parse::<Section>() {
                sections.insert(section);
            }
        }
        (sections, Made(made.into_iter().collect()))
    }

    /// Learns the objects a kept change made.
    fn learn(&mut self, made: Made) {
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
            let (sections, made) = map.touched(&change);
            map.learn(made);
            HistoryEntry {
                hash: change.hash().to_string(),
                actor: change.actor_id().to_hex_string(),
                note: ChangeNote::parse(change.message()),
                recorded_at: Timestamp(change.timestamp()),
                sections: sections.into_iter().collect(),
            }
        })
        .collect()
}
