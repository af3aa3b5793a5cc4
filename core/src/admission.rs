//! The check the server makes of every arriving change before it stores it: its actor must be
//! bound to the sending device, and the sections it touches writable by the device's user under
//! [`crate::policy`]. A change that fails is refused, and so is any change that depends on it;
//! the others are admitted. It lives beside the policy, and needs nothing of the server, so that
//! the fuzz targets can run it without building the server.

use std::collections::BTreeSet;

use crate::ticket::SectionMap;
use crate::{Role, Section, policy};
use automerge::{ActorId, Automerge, Change, ChangeHash};

/// Why a change was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The change.
    pub change: ChangeHash,
    /// A stable code: `forged_actor`, `section_forbidden`, `unknown_section`,
    /// `missing_dependencies`.
    pub code: &'static str,
    /// The section, when the policy refused it.
    pub section: Option<Section>,
    /// What happened.
    pub message: String,
}

/// The outcome of admitting a set of changes to a document.
#[derive(Debug)]
pub struct Admission {
    /// The document with the admitted changes applied.
    pub doc: Automerge,
    /// Where the objects of that document lie.
    pub sections: SectionMap,
    /// The hashes of the admitted changes, in the order applied.
    pub admitted: Vec<ChangeHash>,
    /// The sections the admitted changes write.
    pub written: BTreeSet<Section>,
    /// The refused changes.
    pub refused: Vec<Refusal>,
}

/// Admits what it may of `changes` into a copy of `doc` (whose objects `sections` maps): changes
/// by `actors` (the device's), touching only sections that `role` may write.
pub fn admit(
    doc: &Automerge,
    sections: &SectionMap,
    changes: Vec<Change>,
    actors: &[ActorId],
    role: Role,
) -> Admission {
    let mut work = doc.clone();
    let mut sections = sections.clone();
    let mut pending: Vec<Change> = changes
        .into_iter()
        .filter(|c| work.get_change_meta_by_hash(&c.hash()).is_none())
        .collect();
    let mut admitted = Vec::new();
    let mut written = BTreeSet::new();
    let mut admitted_changes: Vec<Change> = Vec::new();
    let mut refused = Vec::new();
    let mut refused_hashes = BTreeSet::new();
    loop {
        let mut progress = false;
        let mut waiting = Vec::new();
        for change in pending {
            let hash = change.hash();
            if change.deps().iter().any(|d| refused_hashes.contains(d)) {
                refused_hashes.insert(hash);
                refused.push(Refusal {
                    change: hash,
                    code: "depends_on_refused",
                    section: None,
                    message: format!("change {hash} depends on a refused change"),
                });
                progress = true;
                continue;
            }
            if change
                .deps()
                .iter()
                .any(|d| work.get_change_meta_by_hash(d).is_none())
            {
                waiting.push(change);
                continue;
            }
            progress = true;
            if !actors.contains(change.actor_id()) {
                refused_hashes.insert(hash);
                refused.push(Refusal {
                    change: hash,
                    code: "forged_actor",
                    section: None,
                    message: format!(
                        "change {hash} was made by actor {} which is not this device's",
                        change.actor_id()
                    ),
                });
                continue;
            }
            let registers = work.get_heads().is_empty();
            // Undoing a refused change means rebuilding from the original document and the
            // changes admitted so far: refusals are rare, so no copy is made up front.
            let rebuild = |admitted_changes: &[Change]| {
                let mut again = doc.clone();
                let _ = again.apply_changes(admitted_changes.iter().cloned());
                again
            };
            if let Err(e) = work.apply_changes([change.clone()]) {
                work = rebuild(&admitted_changes);
                refused_hashes.insert(hash);
                refused.push(Refusal {
                    change: hash,
                    code: "bad_change",
                    section: None,
                    message: format!("change {hash} does not apply: {e}"),
                });
                continue;
            }
            let (touched, made) = sections.touched(&change);
            let verdict = if let Some(key) = touched.unknown.iter().next() {
                Err((
                    "unknown_section",
                    None,
                    format!("change {hash} writes {key:?}, which is not a ticket section"),
                ))
            } else {
                policy::check_change(role, &touched, registers).map_err(|e| {
                    let section = match &e {
                        crate::Error::Forbidden { section, .. } => Some(*section),
                        _ => None,
                    };
                    (
                        "section_forbidden",
                        section,
                        format!("change {hash} refused: {e}"),
                    )
                })
            };
            match verdict {
                Ok(()) => {
                    sections.learn(made);
                    written.extend(touched.sections.iter().copied());
                    admitted.push(hash);
                    admitted_changes.push(change);
                }
                Err((code, section, message)) => {
                    work = rebuild(&admitted_changes);
                    refused_hashes.insert(hash);
                    refused.push(Refusal {
                        change: hash,
                        code,
                        section,
                        message,
                    });
                }
            }
        }
        pending = waiting;
        if pending.is_empty() || !progress {
            break;
        }
    }
    for change in pending {
        let hash = change.hash();
        refused.push(Refusal {
            change: hash,
            code: "missing_dependencies",
            section: None,
            message: format!("change {hash} depends on changes the server does not have"),
        });
    }
    Admission {
        doc: work,
        sections,
        admitted,
        written,
        refused,
    }
}
