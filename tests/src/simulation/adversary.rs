//! The adversary: one more technician's device, enrolled with a real token and writing under its
//! own actor, whose app is hostile. Its store holds only honest work, recorded and synced like
//! any other device's (so every promise the simulation checks of devices holds of it too).
//! Beside that, at random steps, it posts raw sync requests to the server's sync endpoint that
//! carry one forged document each:
//!
//! - a change whose message claims another user, or its own user in another role;
//! - a change whose message names an honest action (an arrival) while its operations write
//!   something else: a deleted decision, an overwritten field, the server's ledger number or
//!   the ticket's creator;
//! - an action a technician may not perform, or not yet: a cause, a settlement, a close;
//! - a change under another device's actor, sometimes claiming that actor as its own;
//! - a change chunk cut short or garbled, bytes that are no sync message, a body cut short;
//! - an honest-looking change built on a forged one, sent with it or alone;
//! - a registration of a new ticket that writes the server's fields or claims the desk, or a
//!   registration over a ticket the server has;
//! - or, later, its last forged request again.
//!
//! It forges mostly on tickets it holds, on its copy as the server last confirmed it, and
//! sometimes on tickets it does not hold, on the server's copy. Some requests also carry honest
//! work of its own on another ticket, which must be admitted beside the refusal. Every forged
//! document must come back with a per-document refusal (a body cut short, with a 4xx), never a
//! failure of the server; at the end no forged change may be on the server, and every change
//! there under the adversary's actor or naming its user must be one its own store made.

use std::collections::{BTreeMap, BTreeSet};

use automerge::sync::Message;
use automerge::transaction::{Transactable, Transaction};
use automerge::{ActorId, Automerge, AutomergeError, ChangeHash, ObjType, ROOT, ReadDoc};
use fieldledger_core::protocol::{self, DocCode, DocMessage, SyncResponse};
use fieldledger_core::ticket::decision::Disposition;
use fieldledger_core::ticket::{ChangeMessage, ChangeNote};
use fieldledger_core::{Author, Clock, EntryId, Error, Operation, Role, Ticket, TicketId};

use super::{Checked, World, failed};
use crate::{complaint, forge, kit};

/// The chance, after each event, that the adversary sends a forged request.
pub(super) const ATTACKS: f64 = 0.15;

/// The chance that a forged request also carries honest work of the adversary's own.
const HONEST_BESIDE: f64 = 0.3;

/// The chance that the adversary sends its last forged request again instead of a new one.
const REPLAYS: f64 = 0.1;

/// Every code a forged document may be refused with. `internal` is not one of them: a forgery
/// must be refused for what it is, not fail the server.
const REFUSALS: [DocCode; 13] = [
    DocCode::ForgedActor,
    DocCode::ForgedAuthor,
    DocCode::UnrecognisedChange,
    DocCode::NotPermitted,
    DocCode::ActionRefused,
    DocCode::NotAsRecorded,
    DocCode::Reassigned,
    DocCode::DependsOnRefused,
    DocCode::MissingDependencies,
    DocCode::BadMessage,
    DocCode::TooLarge,
    DocCode::Forbidden,
    DocCode::NotATicket,
];

/// The hostile device and what it sent.
pub(super) struct Adversary {
    /// Its index among the world's devices.
    device: usize,
    /// Every change it sent that the server must not keep, with what it was.
    forged: BTreeMap<ChangeHash, String>,
    /// Its last forged request, to send again.
    last: Option<Sent>,
}

impl Adversary {
    /// The adversary on the world's device `device`.
    pub(super) fn new(device: usize) -> Adversary {
        Adversary {
            device,
            forged: BTreeMap::new(),
            last: None,
        }
    }
}

/// A forged request as sent.
#[derive(Clone)]
struct Sent {
    what: String,
    body: Vec<u8>,
    /// The ticket of the forged document, which must come back refused; `None` when the body
    /// itself is cut short and must be refused whole.
    refused: Option<TicketId>,
}

/// One forged document, before it is sent.
struct Forgery {
    what: String,
    doc: DocMessage,
    /// The changes it was made of, which the server must not keep.
    changes: Vec<ChangeHash>,
    /// Another device's actor that the request claims as this device's.
    claim: Option<ActorId>,
    /// Whether the request's body is cut short.
    cut: bool,
}

impl Forgery {
    /// The document carrying the changes of `doc` after `base`, ticket `id`'s.
    fn of(what: String, id: &TicketId, doc: &Automerge, base: Vec<ChangeHash>) -> Checked<Self> {
        let changes: Vec<ChangeHash> = doc.get_changes_meta(&base).iter().map(|c| c.hash).collect();
        let doc = forge::message_since(id, doc, base)
            .filter(|_| !changes.is_empty())
            .ok_or_else(|| format!("the adversary's forgery ({what}) holds no change"))?;
        Ok(Forgery {
            what,
            doc,
            changes,
            claim: None,
            cut: false,
        })
    }
}

/// A write of a hostile change: a key of a section's map deleted, or set to a value.
enum Write {
    Delete(&'static str, String),
    Put(&'static str, &'static str, String),
}

impl Write {
    fn apply(&self, tx: &mut Transaction<'_>) -> Result<(), AutomergeError> {
        let (Write::Delete(section, _) | Write::Put(section, _, _)) = self;
        let map = match tx.get(ROOT, *section)? {
            Some((_, map)) => map,
            None => tx.put_object(ROOT, *section, ObjType::Map)?,
        };
        match self {
            Write::Delete(_, key) => tx.delete(&map, key.as_str()),
            Write::Put(_, key, value) => tx.put(&map, *key, value.as_str()),
        }
    }
}

/// The message of a change that says it is `op` by `author`.
fn claim(author: &Author, op: &Operation) -> Checked<String> {
    let args = serde_json::to_value(op).map_err(|e| e.to_string())?;
    Ok(ChangeMessage::new(op.name(), author, args).to_text())
}

/// The keys of the map under `key` of `doc`'s root.
fn keys_of(doc: &Automerge, key: &str) -> Vec<String> {
    match doc.get(ROOT, key) {
        Ok(Some((_, map))) => doc.keys(&map).collect(),
        _ => Vec::new(),
    }
}

impl World {
    /// The adversary's index among the devices.
    fn mallory(&self) -> usize {
        self.adversary.as_ref().map_or(0, |a| a.device)
    }

    /// The adversary's user in its role, and its actor.
    fn own(&self) -> (Author, ActorId) {
        let device = &self.devices[self.mallory()];
        (
            Author::new(device.user.clone(), Role::Technician),
            device.store.actor_id().clone(),
        )
    }

    /// Another user than the adversary's: an honest technician, or the desk when there is none.
    fn someone_else(&self) -> Author {
        match self.mallory() {
            0 => Author::new(self.desk.id.clone(), Role::ServiceDesk),
            honest => Author::new(
                self.devices[self.pick(honest)].user.clone(),
                Role::Technician,
            ),
        }
    }

    /// An arrival at a random bay: what a technician honestly records.
    fn arrival(&self) -> Operation {
        kit::arrive(format!("bay {}", self.pick(9)))
    }

    /// The adversary's step: a forged request, or its last one again.
    pub(super) fn attack(&mut self) -> Checked {
        let last = self.adversary.as_ref().and_then(|a| a.last.clone());
        if let Some(sent) = last.filter(|_| self.chance(REPLAYS)) {
            let again = Sent {
                what: format!("{}, again", sent.what),
                ..sent
            };
            return self.deliver_forged(&again).map(drop);
        }
        let forgery = self.forge()?;
        self.send_forged(forgery)
    }

    /// A ticket to forge on, as the adversary builds on it: mostly one it holds, as the server
    /// last confirmed it; sometimes one it does not hold, as the server has it.
    fn target(&self) -> Checked<Option<(usize, Ticket)>> {
        let held = self.held(self.mallory())?;
        if !held.is_empty() && self.chance(0.8) {
            let n = held[self.pick(held.len())];
            let id = &self.tickets[n];
            let store = &self.devices[self.mallory()].store;
            let copy = store
                .read_ticket(id, Clone::clone)
                .map_err(failed("the adversary's copy"))?;
            let confirmed =
                copy.known_heads(&store.confirmed_heads(id).map_err(failed("confirmed"))?);
            if confirmed.is_empty() {
                return Ok(Some((n, copy)));
            }
            let at = copy
                .doc()
                .fork_at(&confirmed)
                .map_err(|e| format!("fork the adversary's copy: {e}"))?;
            return Ok(Some((n, Ticket::from_doc(id.clone(), at))));
        }
        let others: Vec<usize> = (0..self.tickets.len())
            .filter(|n| !held.contains(n))
            .collect();
        if others.is_empty() {
            return Ok(None);
        }
        let n = others[self.pick(others.len())];
        let engine = &self.server().state.engine;
        Ok(engine
            .read(&self.tickets[n], Clone::clone)
            .ok()
            .map(|t| (n, t)))
    }

    /// One forgery of a kind drawn at random, on a ticket drawn by [`World::target`].
    fn forge(&self) -> Checked<Forgery> {
        let Some((n, base)) = self.target()? else {
            return self.forged_registration(None);
        };
        let mut forgery = match self.pick(7) {
            0 => self.forged_author(&base),
            1 => self.not_as_recorded(&base),
            2 => self.out_of_authority(&base),
            3 => self.foreign_actor(&base),
            4 => self.malformed(&base),
            5 => self.built_on_forgery(&base),
            _ => return self.forged_registration(Some(&base)),
        }?;
        forgery.what = format!("ticket #{n}: {}", forgery.what);
        Ok(forgery)
    }

    /// A change claiming another user, or the adversary's own user in another role.
    fn forged_author(&self, base: &Ticket) -> Checked<Forgery> {
        let (own, actor) = self.own();
        let (author, op) = match self.pick(4) {
            0 => (self.someone_else(), self.arrival()),
            1 => (
                Author::new(self.desk.id.clone(), Role::ServiceDesk),
                Operation::HandOff {
                    person: None,
                    to: vec![Role::Technician],
                    note: "forged".into(),
                },
            ),
            2 => (
                Author::new(own.user, Role::QualityAssurance),
                Operation::RecordCause {
                    cause: "forged".into(),
                    cause_code: None,
                },
            ),
            _ => (
                Author::new("mgr.sim".parse().map_err(failed("user"))?, Role::Manager),
                kit::decide(Disposition::Replace, "the manager says so"),
            ),
        };
        let forged = forge::crafted(base, actor, &author, self.clock.now(), &op)
            .map_err(failed("forge an author"))?;
        let what = format!("{} claiming {} as {}", op.name(), author.user, author.role);
        Forgery::of(what, base.id(), forged.doc(), base.heads())
    }

    /// A change whose message names an honest arrival while it writes something else.
    fn not_as_recorded(&self, base: &Ticket) -> Checked<Forgery> {
        let (own, actor) = self.own();
        let decisions = keys_of(base.doc(), "decisions");
        let write = match self.pick(4) {
            0 if !decisions.is_empty() => {
                Write::Delete("decisions", decisions[self.pick(decisions.len())].clone())
            }
            // Values no honest change writes: automerge leaves out a put of the value there.
            0 | 1 => Write::Put("meta", "ledger_number", "KS-2026-999999".into()),
            2 => Write::Put("meta", "created_by", "mgr.sim".into()),
            _ => Write::Put("intake", "customer_name", "Forged Customer".into()),
        };
        let written = match &write {
            Write::Delete(section, key) => format!("deletes {section}.{key}"),
            Write::Put(section, key, _) => format!("writes {section}.{key}"),
        };
        // Now and then the message names no action at all.
        let (note, what) = match self.chance(0.2) {
            true => (
                "tidied up".to_owned(),
                format!("a change saying nothing that {written}"),
            ),
            false => (
                claim(&own, &self.arrival())?,
                format!("an arrival that {written}"),
            ),
        };
        self.raw(base, &actor, note, &write, what)
    }

    /// An action a technician may not perform, or not on this ticket yet, written raw.
    fn out_of_authority(&self, base: &Ticket) -> Checked<Forgery> {
        let (own, actor) = self.own();
        let (op, section, key) = match self.pick(3) {
            0 => (
                Operation::RecordCause {
                    cause: "a guess".into(),
                    cause_code: None,
                },
                "quality",
                "cause",
            ),
            1 => (
                Operation::SettleCost {
                    cost_id: "c1".parse::<EntryId>().map_err(failed("entry"))?,
                    reference: "PZ-1".into(),
                },
                "costs",
                "settlement",
            ),
            _ => (
                Operation::Close {
                    note: String::new(),
                },
                "closure",
                "closed_by",
            ),
        };
        let write = Write::Put(section, key, own.user.to_string());
        let what = format!("{} by a technician", op.name());
        self.raw(base, &actor, claim(&own, &op)?, &write, what)
    }

    /// A change under `actor` with `write`'s operations and the message `note`.
    fn raw(
        &self,
        base: &Ticket,
        actor: &ActorId,
        note: String,
        write: &Write,
        what: String,
    ) -> Checked<Forgery> {
        let doc = forge::raw(base.doc(), actor.clone(), note, self.clock.now(), |tx| {
            write.apply(tx)
        })
        .map_err(|e| format!("the adversary writes raw: {e}"))?;
        Forgery::of(what, base.id(), &doc, base.heads())
    }

    /// An honest arrival under an honest device's actor, the request sometimes claiming that
    /// actor when the adversary has seen it at work on the ticket.
    fn foreign_actor(&self, base: &Ticket) -> Checked<Forgery> {
        if self.mallory() == 0 {
            return self.forged_author(base);
        }
        let (own, _) = self.own();
        let seen = self.seen_at_work(base)?;
        let (victim, claims) = match !seen.is_empty() && self.chance(0.5) {
            true => (seen[self.pick(seen.len())], true),
            false => (self.pick(self.mallory()), false),
        };
        let actor = self.devices[victim].store.actor_id().clone();
        let forged = forge::crafted(base, actor.clone(), &own, self.clock.now(), &self.arrival())
            .map_err(failed("forge under another actor"))?;
        let what = format!("an arrival under device {victim}'s actor");
        let mut forgery = Forgery::of(what, base.id(), forged.doc(), base.heads())?;
        if claims {
            forgery.claim = Some(actor);
            forgery.what.push_str(", which it claims");
        }
        Ok(forgery)
    }

    /// The honest devices whose actor the adversary has seen at work, in `base` or in a ticket
    /// it holds: those it can claim (each is bound to its device already, since only that
    /// device's syncs brought its changes to the server).
    fn seen_at_work(&self, base: &Ticket) -> Checked<Vec<usize>> {
        let actors_of = |ticket: &Ticket| -> Vec<ActorId> {
            let changes = ticket.doc().get_changes_meta(&[]);
            changes.into_iter().map(|c| c.actor.into_owned()).collect()
        };
        let mut actors: BTreeSet<ActorId> = actors_of(base).into_iter().collect();
        let store = &self.devices[self.mallory()].store;
        for n in self.held(self.mallory())? {
            let held = store
                .read_ticket(&self.tickets[n], actors_of)
                .map_err(failed("the adversary's copy"))?;
            actors.extend(held);
        }
        Ok((0..self.mallory())
            .filter(|d| actors.contains(self.devices[*d].store.actor_id()))
            .collect())
    }

    /// An honest arrival of its own, cut short, garbled, replaced by bytes that are no sync
    /// message, or in a body cut short.
    fn malformed(&self, base: &Ticket) -> Checked<Forgery> {
        let (own, actor) = self.own();
        let honest = forge::crafted(base, actor, &own, self.clock.now(), &self.arrival())
            .map_err(failed("arrive"))?;
        let mut forgery = Forgery::of(String::new(), base.id(), honest.doc(), base.heads())?;
        let mut message = Message::decode(&forgery.doc.message).map_err(|e| e.to_string())?;
        let mut chunks: Vec<Vec<u8>> = message.changes.iter().map(|c| c.to_vec()).collect();
        forgery.what = match self.pick(4) {
            0 => {
                for chunk in &mut chunks {
                    chunk.truncate(chunk.len() / 2);
                }
                "an arrival cut short".into()
            }
            1 => {
                for chunk in &mut chunks {
                    let at = self.pick(chunk.len());
                    chunk[at] ^= 1 << self.pick(8);
                }
                "an arrival with a bit flipped".into()
            }
            2 => {
                chunks = Vec::new();
                forgery.doc.message = b"\x42not automerge".to_vec();
                "bytes that are no sync message".into()
            }
            _ => {
                forgery.cut = true;
                "an arrival in a body cut short".into()
            }
        };
        if !chunks.is_empty() {
            message.changes = chunks.into();
            forgery.doc.message = message.encode();
        }
        Ok(forgery)
    }

    /// An honest arrival built on a change claiming someone else: sent with it, or alone.
    fn built_on_forgery(&self, base: &Ticket) -> Checked<Forgery> {
        let (own, actor) = self.own();
        let now = self.clock.now();
        let claimed = self.someone_else();
        let forged = forge::crafted(base, actor.clone(), &claimed, now, &self.arrival())
            .map_err(failed("forge an author"))?;
        let built =
            forge::crafted(&forged, actor, &own, now, &self.arrival()).map_err(failed("arrive"))?;
        if self.chance(0.5) {
            let what = format!("an arrival built on one claiming {}", claimed.user);
            return Forgery::of(what, base.id(), built.doc(), base.heads());
        }
        let what = format!("an arrival built on one claiming {}, alone", claimed.user);
        let mut forgery = Forgery::of(what, base.id(), built.doc(), forged.heads())?;
        forgery.changes.extend(forged.heads());
        Ok(forgery)
    }

    /// A registration of a new ticket that writes a field only the server writes, or claims
    /// the desk; or a registration of the ticket `over`, which the server has.
    fn forged_registration(&self, over: Option<&Ticket>) -> Checked<Forgery> {
        let (own, actor) = self.own();
        let now = self.clock.now();
        let registration = complaint("Forged Customer");
        let on_server = over.filter(|t| self.server().state.engine.read(t.id(), |_| ()).is_ok());
        if let Some(ticket) = on_server.filter(|_| self.chance(0.5)) {
            let id = ticket.id();
            let again = Ticket::register(id.clone(), actor, &own, now, &registration)
                .map_err(failed("register"))?;
            let n = self.tickets.iter().position(|t| t == id).unwrap_or(0);
            let what = format!("ticket #{n}: a registration over it");
            return Forgery::of(what, id, again.doc(), Vec::new());
        }
        let id = self.ids.ticket();
        if self.chance(0.3) {
            let desk = Author::new(self.desk.id.clone(), Role::ServiceDesk);
            let forged = Ticket::register(id.clone(), actor, &desk, now, &registration)
                .map_err(failed("register"))?;
            let what = "a new ticket: a registration claiming the desk".to_owned();
            return Forgery::of(what, &id, forged.doc(), Vec::new());
        }
        let desk = self.desk.id.to_string();
        let fields = [
            ("ledger_number", format!("KS-2026-{:06}", self.pick(20) + 1)),
            ("created_by", desk),
            ("imported_from", "old-ledger.xlsx:7".to_owned()),
        ];
        let (key, value) = fields[self.pick(fields.len())].clone();
        let doc =
            forge::registration_writing(&id, actor, &own, now, &registration, &[(key, &value)])
                .map_err(failed("forge a registration"))?;
        let what = format!("a new ticket: a registration writing meta.{key}");
        Forgery::of(what, &id, &doc, Vec::new())
    }

    /// Sends `forgery`, sometimes with honest work of the adversary's own on another ticket,
    /// and checks the answer to both.
    fn send_forged(&mut self, forgery: Forgery) -> Checked {
        let a = self.mallory();
        let forged_ticket = forgery.doc.ticket_id.clone();
        let mut docs = vec![forgery.doc];
        let honest = match !forgery.cut && self.chance(HONEST_BESIDE) {
            true => self.honest_beside(&forged_ticket)?,
            false => None,
        };
        if let Some((_, doc, _)) = &honest {
            docs.push(doc.clone());
        }
        let store = &self.devices[a].store;
        let mut actors = vec![store.actor_id().clone()];
        actors.extend(forgery.claim);
        let cursor = store.cursor().map_err(failed("cursor"))?;
        let mut body = protocol::encode(&forge::request(cursor, docs, &actors));
        if forgery.cut {
            body.truncate(body.len() / 2);
        }
        if let Some(adversary) = self.adversary.as_mut() {
            for change in forgery.changes {
                adversary.forged.insert(change, forgery.what.clone());
            }
        }
        let sent = Sent {
            what: forgery.what,
            body,
            refused: (!forgery.cut).then_some(forged_ticket),
        };
        let response = self.deliver_forged(&sent)?;
        if let (Some((n, _, heads)), Some(response)) = (honest, response) {
            let id = &self.tickets[n];
            if let Some(error) = response.errors.iter().find(|e| &e.ticket_id == id) {
                return Err(format!(
                    "the adversary's honest work on ticket #{n}, sent beside its forgery ({}), \
                    was refused: {} ({})",
                    sent.what, error.code, error.message
                ));
            }
            let kept = self
                .server()
                .state
                .engine
                .read(id, |t| t.known_heads(&heads).len() == heads.len())
                .map_err(|e| e.to_string())?;
            if !kept {
                return Err(format!(
                    "the adversary's honest work on ticket #{n}, sent beside its forgery ({}), \
                    was not kept",
                    sent.what
                ));
            }
            self.note(format!("beside it, its honest work on ticket #{n} is kept"));
        }
        if let Some(adversary) = self.adversary.as_mut() {
            adversary.last = Some(sent);
        }
        Ok(())
    }

    /// Honest work of the adversary's own, recorded in its store, on a ticket other than
    /// `besides`: the ticket's number, the message carrying everything the server has not
    /// confirmed of it, and the heads of the adversary's copy.
    fn honest_beside(
        &mut self,
        besides: &TicketId,
    ) -> Checked<Option<(usize, DocMessage, Vec<ChangeHash>)>> {
        let a = self.mallory();
        let Some(n) = self.technician_works(a)? else {
            return Ok(None);
        };
        let id = &self.tickets[n];
        let device = &self.devices[a];
        if id == besides {
            return Ok(None);
        }
        let copy = device
            .store
            .read_ticket(id, Clone::clone)
            .map_err(failed("the adversary's copy"))?;
        let confirmed = copy.known_heads(
            &device
                .store
                .confirmed_heads(id)
                .map_err(failed("confirmed"))?,
        );
        Ok(forge::message_since(id, copy.doc(), confirmed).map(|doc| (n, doc, copy.heads())))
    }

    /// Posts a forged request as the adversary and checks the answer: a refusal for the forged
    /// document (or, for a body cut short, a 4xx), never a failure of the server.
    fn deliver_forged(&mut self, sent: &Sent) -> Checked<Option<SyncResponse>> {
        let token = &self.devices[self.mallory()].token;
        let answer = self.server().post_sync(token, sent.body.clone());
        self.outcome.forgeries += 1;
        let (code, response) = match (&sent.refused, answer) {
            (Some(id), Ok(bytes)) => {
                let response: SyncResponse =
                    protocol::decode(&bytes).map_err(failed("the answer to a forgery"))?;
                let Some(error) = response.errors.iter().find(|e| &e.ticket_id == id) else {
                    return Err(format!(
                        "the adversary's forgery ({}) came back without an error",
                        sent.what
                    ));
                };
                if !REFUSALS.contains(&error.code) {
                    return Err(format!(
                        "the adversary's forgery ({}) was answered {}: {}",
                        sent.what, error.code, error.message
                    ));
                }
                (error.code.to_string(), Some(response))
            }
            (None, Err(Error::Rejected { status, .. })) if (400..500).contains(&status) => {
                (format!("http {status}"), None)
            }
            (None, Ok(_)) => {
                return Err(format!(
                    "the adversary's forgery ({}) was answered 200",
                    sent.what
                ));
            }
            (_, Err(e)) => {
                return Err(format!(
                    "the adversary's forgery ({}) got no per-document refusal: {e}",
                    sent.what
                ));
            }
        };
        self.note(format!("the adversary forges ({}): {code}", sent.what));
        *self.outcome.refusals.entry(code).or_default() += 1;
        Ok(response)
    }

    /// No forged change is on the server's disk, and every change there under the adversary's
    /// actor or naming its user is one its store made.
    pub(super) fn check_forgeries(&self) -> Checked {
        let Some(adversary) = &self.adversary else {
            return Ok(());
        };
        let device = &self.devices[adversary.device];
        let honest: BTreeSet<ChangeHash> = device.made.iter().map(|(_, h)| *h).collect();
        let storage = &self.server().state.storage;
        for id in storage.ticket_ids().map_err(|e| e.to_string())? {
            let Some(ticket) = self.stored(&id)? else {
                continue;
            };
            for change in ticket.doc().get_changes_meta(&[]) {
                if let Some(what) = adversary.forged.get(&change.hash) {
                    return Err(format!(
                        "the adversary's forgery ({what}) is on the server: change {} of ticket \
                        {id}",
                        change.hash
                    ));
                }
                let names = ChangeNote::parse(change.message.as_deref())
                    .is_some_and(|note| note.user == device.user);
                if (*change.actor == *device.store.actor_id() || names)
                    && !honest.contains(&change.hash)
                {
                    return Err(format!(
                        "change {} of ticket {id} is the adversary's, but its store never made it",
                        change.hash
                    ));
                }
            }
        }
        Ok(())
    }
}
