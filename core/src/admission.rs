//! The check the office server makes of every change a device sends before it stores it: the
//! change must be exactly one action that the device's user may perform.
//!
//! Every change fieldledger makes carries in its message the action, its author and its input
//! (see [`ChangeMessage`]). The server performs that action again, as the device's user, on the
//! ticket as the change found it (its dependencies), under the change's actor and at its time,
//! and keeps the change only if the result is the very same change: the same hash, so the same
//! operations on the same objects. Whatever the action's own code refuses (a role without the
//! authority, a duty of separation, a close the regulation forbids, an entry that does not exist)
//! is refused the same way for a change from a device as for a write in the office, and a change
//! that writes anything else (a deleted decision, a rewritten sign-off, a field the server owns,
//! an author other than the device's) is not the action it names and is refused.
//!
//! A change that is refused takes with it every change that depends on it; the others are
//! admitted. This module needs nothing of the server, so that the fuzz targets can run it alone.

use std::collections::BTreeSet;

use automerge::{ActorId, Automerge, Change, ChangeHash, ReadDoc};
use strum::VariantArray;

use crate::error::Error;
use crate::protocol::DocCode;
use crate::rule::Rule;
use crate::ticket::intake::Registration;
use crate::ticket::{ChangeMessage, Operation, Ticket};
use crate::{Author, Section, TicketId, Timestamp};

/// Why a change was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The change.
    pub change: ChangeHash,
    /// Why: [`DocCode::ForgedActor`], [`DocCode::ForgedAuthor`],
    /// [`DocCode::UnrecognisedChange`], [`DocCode::NotPermitted`], [`DocCode::ActionRefused`],
    /// [`DocCode::NotAsRecorded`], [`DocCode::DependsOnRefused`] or
    /// [`DocCode::MissingDependencies`].
    pub code: DocCode,
    /// The action the change named, when it named one.
    pub action: Option<String>,
    /// The section that action writes, when it is an operation.
    pub section: Option<Section>,
    /// What happened.
    pub message: String,
}

/// The outcome of admitting a set of changes to a document.
#[derive(Debug)]
pub struct Admission {
    /// The document with the admitted changes applied.
    pub doc: Automerge,
    /// The hashes of the admitted changes, in the order applied.
    pub admitted: Vec<ChangeHash>,
    /// The bytes of the admitted changes, as they came.
    pub admitted_bytes: usize,
    /// The sections the admitted changes write.
    pub written: BTreeSet<Section>,
    /// The refused changes.
    pub refused: Vec<Refusal>,
}

/// Who sent the changes: the device's actors and its user in the user's role.
#[derive(Clone, Copy, Debug)]
pub struct Sender<'a> {
    /// The actors bound to the device.
    pub actors: &'a [ActorId],
    /// The device's user.
    pub author: &'a Author,
}

/// What a change says it is: a registration or an operation on an existing ticket.
enum Action {
    Register(Registration),
    Operate(Operation),
}

impl Action {
    /// The action a change's message names, if it is one a device may send.
    fn of(action: &str, args: serde_json::Value) -> Option<Action> {
        if action == "register" {
            return serde_json::from_value(args).ok().map(Action::Register);
        }
        let op: Operation = serde_json::from_value(args).ok()?;
        (op.name() == action).then_some(Action::Operate(op))
    }

    fn sections(&self) -> Vec<Section> {
        match self {
            Action::Register(_) => Section::VARIANTS.to_vec(),
            Action::Operate(op) => vec![op.section()],
        }
    }
}

/// Admits what it may of `changes` into a copy of `doc`, the ticket `id` (empty when the ticket
/// is new): each change must be by one of the sender's actors, name the sender's user and role,
/// and be exactly what its action writes on the ticket as the change found it.
pub fn admit(
    doc: &Automerge,
    id: &TicketId,
    changes: Vec<Change>,
    sender: Sender<'_>,
) -> Admission {
    let mut run = Run {
        original: doc,
        work: Some(doc.clone()),
        id,
        sender,
        line: None,
        admitted: Vec::new(),
        admitted_bytes: 0,
        written: BTreeSet::new(),
        refused: Vec::new(),
        refused_hashes: BTreeSet::new(),
    };
    let mut pending: Vec<Change> = changes;
    loop {
        let mut progress = false;
        let mut waiting = Vec::new();
        for change in pending {
            if run.doc().get_change_meta_by_hash(&change.hash()).is_some() {
                progress = true;
                continue;
            }
            if change.deps().iter().any(|d| run.refused_hashes.contains(d)) {
                progress = true;
                let hash = change.hash();
                run.refuse(
                    &change,
                    Refused::new(DocCode::DependsOnRefused, None)
                        .saying(format!("change {hash} depends on a refused change")),
                );
                continue;
            }
            if change
                .deps()
                .iter()
                .any(|d| run.doc().get_change_meta_by_hash(d).is_none())
            {
                waiting.push(change);
                continue;
            }
            progress = true;
            match run.check(&change) {
                Ok(sections) => {
                    run.written.extend(sections);
                    run.admitted.push(change.hash());
                    run.admitted_bytes += change.raw_bytes().len();
                }
                Err(refused) => run.refuse(&change, refused),
            }
        }
        pending = waiting;
        if pending.is_empty() || !progress {
            break;
        }
    }
    for change in pending {
        let hash = change.hash();
        run.refuse(
            &change,
            Refused::new(DocCode::MissingDependencies, None).saying(format!(
                "change {hash} depends on changes the server does not have"
            )),
        );
    }
    Admission {
        doc: run.work.unwrap_or_else(|| doc.clone()),
        admitted: run.admitted,
        admitted_bytes: run.admitted_bytes,
        written: run.written,
        refused: run.refused,
    }
}

/// A refusal before it is tied to its change.
struct Refused {
    code: DocCode,
    action: Option<String>,
    section: Option<Section>,
    message: String,
}

impl Refused {
    fn new(code: DocCode, action: Option<&Action>) -> Refused {
        let (action, section) = match action {
            Some(Action::Register(_)) => (Some("register".to_owned()), None),
            Some(Action::Operate(op)) => (Some(op.name().to_owned()), Some(op.section())),
            None => (None, None),
        };
        Refused {
            code,
            action,
            section,
            message: String::new(),
        }
    }

    fn saying(self, message: String) -> Refused {
        Refused { message, ..self }
    }
}

/// The state of one admission.
struct Run<'a> {
    /// The document before any of the changes.
    original: &'a Automerge,
    /// The document with the changes admitted so far; `None` only while a change is being
    /// performed on it.
    work: Option<Automerge>,
    id: &'a TicketId,
    sender: Sender<'a>,
    /// The ticket at the last change performed away from `work`'s heads: a device's changes
    /// made offline build on each other, so the next one usually continues this line.
    line: Option<Ticket>,
    admitted: Vec<ChangeHash>,
    admitted_bytes: usize,
    written: BTreeSet<Section>,
    refused: Vec<Refusal>,
    refused_hashes: BTreeSet<ChangeHash>,
}

impl Run<'_> {
    fn doc(&self) -> &Automerge {
        self.work.as_ref().unwrap_or(self.original)
    }

    fn refuse(&mut self, change: &Change, refused: Refused) {
        let hash = change.hash();
        self.refused_hashes.insert(hash);
        self.refused.push(Refusal {
            change: hash,
            code: refused.code,
            action: refused.action,
            section: refused.section,
            message: refused.message,
        });
    }

    /// Checks one change whose dependencies are all in the document, and applies it when it is
    /// admitted; returns the sections it writes.
    fn check(&mut self, change: &Change) -> Result<Vec<Section>, Refused> {
        let hash = change.hash();
        if !self.sender.actors.contains(change.actor_id()) {
            return Err(Refused::new(DocCode::ForgedActor, None).saying(format!(
                "change {hash} was made by actor {} which is not this device's",
                change.actor_id()
            )));
        }
        let ChangeMessage { note, args } =
            ChangeMessage::parse(change.message()).ok_or_else(|| {
                Refused::new(DocCode::UnrecognisedChange, None).saying(format!(
                    "change {hash} does not say which action it records"
                ))
            })?;
        let action = Action::of(&note.action, args).ok_or_else(|| {
            Refused::new(DocCode::UnrecognisedChange, None).saying(format!(
                "change {hash} names {:?}, which is not an action a device records, or not with \
                 that input",
                note.action
            ))
        })?;
        let author = self.sender.author;
        if note.user != author.user || note.role != author.role {
            return Err(
                Refused::new(DocCode::ForgedAuthor, Some(&action)).saying(format!(
                    "change {hash} claims to be by {} as {}, but the device belongs to {} as {}",
                    note.user, note.role, author.user, author.role
                )),
            );
        }
        let performed = self.perform(change, &action).map_err(|e| {
            let code = match e {
                Error::NotPermitted { .. } | Error::Forbidden { .. } => DocCode::NotPermitted,
                _ => DocCode::ActionRefused,
            };
            Refused::new(code, Some(&action)).saying(format!("change {hash} refused: {e}"))
        })?;
        if performed != Some(hash) {
            return Err(
                Refused::new(DocCode::NotAsRecorded, Some(&action)).saying(format!(
                    "change {hash} is not what {} writes: it changes more, less or other than the \
                 action it names",
                    note.action
                )),
            );
        }
        Ok(action.sections())
    }

    /// Performs `action` as the sender, as `change` did: on the ticket at the change's
    /// dependencies, under its actor, at its time. When the result is `change` itself, the
    /// working document holds it afterwards; returns the hash of what was performed.
    fn perform(&mut self, change: &Change, action: &Action) -> crate::Result<Option<ChangeHash>> {
        let at = Timestamp(change.timestamp());
        let actor = change.actor_id().clone();
        let author = self.sender.author;
        let registered = !self.doc().get_heads().is_empty();
        let op = match action {
            Action::Register(_) if registered => {
                return Err(Error::broke(
                    "registration",
                    Rule::AlreadyDone,
                    "the ticket is registered already",
                ));
            }
            Action::Register(registration) => {
                let ticket = Ticket::register(self.id.clone(), actor, author, at, registration)?;
                let hash = ticket.heads().first().copied();
                if hash == Some(change.hash()) {
                    let own = self.doc().get_actor().clone();
                    self.work = Some(ticket.into_doc().with_actor(own));
                }
                return Ok(hash);
            }
            Action::Operate(_) if !registered => {
                return Err(Error::UnknownTicket(self.id.clone()));
            }
            Action::Operate(op) => op,
        };
        let mut deps = change.deps().to_vec();
        deps.sort();
        if deps == self.doc().get_heads() {
            // The usual case: the change builds on everything the server has. It is performed
            // on the working document itself, and undone if it is not the change.
            let own = self.doc().get_actor().clone();
            let work = self.work.take().unwrap_or_else(|| self.original.clone());
            let mut ticket = Ticket::from_doc(self.id.clone(), work);
            ticket.set_actor(actor);
            let performed = ticket.apply(author, at, op).map(|applied| applied.change);
            let mut work = ticket.into_doc().with_actor(own);
            if matches!(performed, Ok(Some(h)) if h != change.hash()) {
                work = self.rebuilt(&work);
            }
            self.work = Some(work);
            return performed;
        }
        let mut line = match self.line.take() {
            Some(line) if line.heads() == deps => line,
            _ => Ticket::from_doc(
                self.id.clone(),
                self.doc()
                    .fork_at(&deps)
                    .map_err(|e| Error::invalid("change", e.to_string()))?,
            ),
        };
        line.set_actor(actor);
        let performed = line.apply(author, at, op)?.change;
        if performed == Some(change.hash()) {
            if let Some(work) = self.work.as_mut() {
                work.apply_changes([change.clone()])
                    .map_err(|e| Error::invalid("change", e.to_string()))?;
            }
            self.line = Some(line);
        }
        Ok(performed)
    }

    /// The original document with the changes admitted so far, taken from `done`: refusals are
    /// rare, so a change performed in place is undone by rebuilding rather than by a copy made
    /// up front.
    fn rebuilt(&self, done: &Automerge) -> Automerge {
        let mut again = self.original.clone();
        let admitted = self
            .admitted
            .iter()
            .filter_map(|hash| done.get_change_by_hash(hash));
        let _ = again.apply_changes(admitted);
        again
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::decision::Disposition;
    use crate::{Operation, Role};

    fn technician() -> Author {
        Author::new("tech.zhang".parse().expect("user"), Role::Technician)
    }

    fn device() -> ActorId {
        ActorId::from([9u8; 16].as_slice())
    }

    fn registered(id: &TicketId) -> Ticket {
        let desk = Author::new("desk.wang".parse().expect("user"), Role::ServiceDesk);
        Ticket::register(
            id.clone(),
            ActorId::from([1u8; 16].as_slice()),
            &desk,
            Timestamp(1_000),
            &crate::ticket::tests::registration(),
        )
        .expect("register")
    }

    /// The device's copy of `server`, the heads it started from, and the visit it began there.
    fn arrived(server: &Ticket) -> (Ticket, Vec<ChangeHash>, crate::EntryId) {
        let mut phone = server.clone();
        phone.set_actor(device());
        let before = phone.heads();
        let arrive = Operation::Arrive {
            order_id: None,
            site: "bay 3".into(),
        };
        let applied = phone
            .apply(&technician(), Timestamp(2_000), &arrive)
            .expect("arrive");
        (phone, before, applied.entry.expect("visit"))
    }

    fn admit_from_device(server: &Ticket, changes: Vec<Change>) -> Admission {
        let actors = [device()];
        let author = technician();
        let sender = Sender {
            actors: &actors,
            author: &author,
        };
        admit(server.doc(), server.id(), changes, sender)
    }

    /// A day's work made offline while the office wrote to the same ticket: every change builds
    /// on the device's older state, so each is performed on a fork at its dependencies, and all
    /// are admitted.
    #[test]
    fn work_made_offline_beside_the_offices_writes_is_admitted_whole() {
        let mut server = registered(&TicketId::random());
        let (mut phone, before, visit) = arrived(&server);
        for (at, op) in [
            (
                3_000,
                Operation::LogWork {
                    visit_id: visit.clone(),
                    work: crate::ticket::visit::Work::Repair {
                        description: "contacts cleaned".into(),
                    },
                },
            ),
            (
                4_000,
                Operation::Decide {
                    disposition: Disposition::RepairOnSite,
                    rationale: "worn contacts".into(),
                },
            ),
            (5_000, Operation::Depart { visit_id: visit }),
        ] {
            phone
                .apply(&technician(), Timestamp(at), &op)
                .expect("work");
        }
        let desk = Author::new("desk.wang".parse().expect("user"), Role::ServiceDesk);
        server
            .apply(
                &desk,
                Timestamp(2_500),
                &Operation::HandOff {
                    person: None,
                    to: vec![Role::QualityAssurance],
                    note: "for QA".into(),
                },
            )
            .expect("hand off");
        let changes: Vec<Change> = phone.doc().get_changes(&before).into_iter().collect();
        let admission = admit_from_device(&server, changes);
        assert!(admission.refused.is_empty(), "{:?}", admission.refused);
        assert_eq!(admission.admitted.len(), 4);
        let mut expected = phone.heads();
        expected.extend(server.heads());
        expected.sort();
        assert_eq!(admission.doc.get_heads(), expected);
        assert!(admission.written.contains(&Section::Decisions));
    }

    /// A change whose message was altered after it was made names another author: refused, and
    /// the document is as it was.
    #[test]
    fn a_change_claiming_another_author_is_refused() {
        let server = registered(&TicketId::random());
        let (phone, before, _) = arrived(&server);
        let mut changes = phone.doc().get_changes(&before);
        let mut forged = changes[0].decode();
        forged.time += 1;
        forged.message = forged
            .message
            .map(|m| m.replace("bay 3", "bay 4").replace("tech.zhang", "tech.li"));
        forged.hash = None;
        let forged = Change::from(forged);
        changes[0] = forged;
        let admission = admit_from_device(&server, changes);
        assert_eq!(admission.refused.len(), 1);
        assert_eq!(admission.refused[0].code, DocCode::ForgedAuthor);
        assert_eq!(admission.doc.get_heads(), server.heads());
    }
}
