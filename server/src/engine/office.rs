//! Writes over REST: a registration at the desk, an operation recorded by an office user, and
//! tickets made whole elsewhere (an import). Each locks its tickets, makes the change in memory,
//! stages it ([`Engine::stage`]) and commits. Also the office's reads of one ticket
//! ([`TicketDetail`]).

use automerge::ChangeHash;
use fieldledger_core::ticket::Applied;
use fieldledger_core::ticket::intake::Registration;
use fieldledger_core::{
    Author, Date, Operation, Role, Section, Ticket, TicketId, Timestamp, UserId,
};

use super::merge::{Merge, Origin, plan_as_system};
use super::{Engine, Result, again};
use crate::documents::Cached;
use crate::error::{Code, Error};
use crate::ledger::parse_ledger_number;
use crate::storage::{Batch, User};
use crate::system_user::system_author;
use crate::ticket_detail::{HistoryLine, TicketDetail};

/// A ticket made whole outside the server (by an import, or a benchmark's generator), not yet
/// stored.
#[derive(Clone, Debug)]
pub struct NewTicket {
    /// The ticket.
    pub ticket: Ticket,
    /// The ledger number it had elsewhere, kept as its own; a new one is given when absent.
    pub ledger_number: Option<String>,
    /// What identifies the row of an imported ledger it was made of, across imports.
    pub import_key: Option<String>,
}

/// An office write of `user`, taken at `at`.
fn from_office(user: &User, at: Timestamp) -> Origin<'_> {
    Origin {
        user: &user.id,
        device: None,
        at,
    }
}

impl Engine {
    /// Stores `tickets`, new to the server, as received from `user`, in one commit (with the
    /// keys that mark imported rows as imported); returns each one's id and ledger number.
    pub fn store_new(
        &self,
        user: &User,
        tickets: Vec<NewTicket>,
    ) -> Result<Vec<(TicketId, Option<String>)>> {
        again(|| self.store_new_once(user, tickets.clone()))
    }

    /// One attempt at [`Engine::store_new`].
    fn store_new_once(
        &self,
        user: &User,
        tickets: Vec<NewTicket>,
    ) -> Result<Vec<(TicketId, Option<String>)>> {
        if tickets.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.clock.now();
        let slots = self
            .documents
            .slots(tickets.iter().map(|t| t.ticket.id().clone()));
        let mut docs = slots.lock();
        let mut batch = Batch::default();
        let mut stored = Vec::with_capacity(tickets.len());
        for NewTicket {
            mut ticket,
            ledger_number,
            import_key,
        } in tickets
        {
            let id = ticket.id().clone();
            if let Some(number) = &ledger_number {
                self.keep_number(&mut ticket, number, now)?;
            }
            docs.put(&id, Cached::new(ticket, 0));
            let origin = from_office(user, now);
            self.stage(&mut docs, &id, &Merge::NEW, &origin, &mut batch)?;
            let number = batch
                .docs
                .last()
                .and_then(|d| d.ledger.ledger_number.clone());
            if let Some(key) = import_key {
                batch.imports.push((key, id.clone()));
            }
            stored.push((id, number));
        }
        self.commit(&slots, docs, batch)?;
        Ok(stored)
    }

    /// Gives `ticket` the ledger `number` it had elsewhere, at `at`; numbers the server gives
    /// later continue after the highest one imported.
    fn keep_number(&self, ticket: &mut Ticket, number: &str, at: Timestamp) -> Result<()> {
        ticket.set_actor(self.system_actor.clone());
        ticket.assign_ledger_number(&system_author(), at, number)?;
        if let Some((year, serial)) = parse_ledger_number(number) {
            self.storage.note_ledger_serial(year, serial)?;
        }
        Ok(())
    }

    /// Registers a ticket at the desk as `user`.
    pub fn register(&self, user: &User, registration: &Registration) -> Result<TicketId> {
        again(|| self.register_once(user, registration))
    }

    /// Refuses a person an operation names (`what` says where) who is not a known user, or,
    /// when `role` is given, not a known user of that role: the ticket alone cannot tell who
    /// is one. The refusal names the person and the role, for screens to translate it.
    fn check_person(&self, person: Option<&UserId>, role: Option<Role>, what: &str) -> Result<()> {
        let Some(person) = person else {
            return Ok(());
        };
        let found = self.storage.user(person)?;
        let (code, why) = match (&found, role) {
            (Some(u), Some(role)) if u.role == role => return Ok(()),
            (Some(_), None) => return Ok(()),
            (None, None) => (Code::UnknownPerson, "no known user".to_owned()),
            (found, Some(role)) => {
                let code = match role {
                    Role::Technician => Code::NotATechnician,
                    _ => Code::NotSalesRep,
                };
                let why = match found {
                    Some(_) => format!("not a user of the {} role", role.as_str()),
                    None => "no known user".to_owned(),
                };
                (code, why)
            }
        };
        let error = Error::new(code, format!("{what} {person} is {why}"))
            .with("person", person.as_str())
            .with("known", found.is_some());
        Err(match role {
            Some(role) => error.with("role", role.as_str()),
            None => error,
        })
    }

    /// Refuses `op` when a person it names is not a known user of the role the operation
    /// needs there: a sales representative, the technicians of a travel order or of the
    /// technician paid an advance, the person a hand-off is addressed to, the assignee of a
    /// return visit.
    fn check_named_people(&self, op: &Operation) -> Result<()> {
        let technician = Some(Role::Technician);
        match op {
            Operation::AmendIntake(a) => self.check_person(
                a.sales_rep.as_ref(),
                Some(Role::Sales),
                "the sales representative",
            ),
            Operation::SubmitCost(cost) => self.check_person(
                cost.borne_by.as_ref(),
                Some(Role::Sales),
                "the cost's bearer",
            ),
            Operation::RecordAdvance(advance) => self.check_person(
                Some(&advance.technician),
                technician,
                "the advance's technician",
            ),
            Operation::IssueTravelOrder(order) => order
                .assignees
                .iter()
                .try_for_each(|a| self.check_person(Some(a), technician, "the order's assignee")),
            Operation::ReassignOrder { assignees, .. } => assignees
                .iter()
                .try_for_each(|a| self.check_person(Some(a), technician, "the order's assignee")),
            Operation::HandOff { person, .. } => {
                self.check_person(person.as_ref(), None, "the hand-off's addressee")
            }
            Operation::PlanReturnVisit { assignee, .. } => {
                self.check_person(assignee.as_ref(), None, "the return visit's assignee")
            }
            _ => Ok(()),
        }
    }

    /// One attempt at [`Engine::register`].
    fn register_once(&self, user: &User, registration: &Registration) -> Result<TicketId> {
        self.check_person(
            registration.sales_rep.as_ref(),
            Some(Role::Sales),
            "the sales representative",
        )?;
        let now = self.clock.now();
        let id = self.ids.ticket();
        let actor = self.actor_of(user);
        let ticket = Ticket::register(
            id.clone(),
            actor,
            &Author::new(user.id.clone(), user.role),
            now,
            registration,
        )?;
        let slots = self.documents.slots([id.clone()]);
        let mut docs = slots.lock();
        docs.put(&id, Cached::new(ticket, 0));
        let mut batch = Batch::default();
        let origin = from_office(user, now);
        self.stage(&mut docs, &id, &Merge::NEW, &origin, &mut batch)?;
        self.commit(&slots, docs, batch)?;
        Ok(id)
    }

    /// Records `op` on ticket `id` as the office user `user`, under the user's own actor.
    pub fn record(&self, user: &User, id: &TicketId, op: &Operation) -> Result<Applied> {
        again(|| self.record_once(user, id, op))
    }

    /// Refuses a cause code that the office's cause code list lacks.
    fn check_cause_code(&self, op: &Operation) -> Result<()> {
        let Operation::RecordCause {
            cause_code: Some(code),
            ..
        } = op
        else {
            return Ok(());
        };
        match self.storage.cause(code)? {
            Some(_) => Ok(()),
            None => Err(Error::not_found(format!(
                "the cause code {code:?} is not in the cause code list"
            ))),
        }
    }

    /// One attempt at [`Engine::record`].
    fn record_once(&self, user: &User, id: &TicketId, op: &Operation) -> Result<Applied> {
        self.check_named_people(op)?;
        self.check_cause_code(op)?;
        let now = self.clock.now();
        let slots = self.documents.slots([id.clone()]);
        let mut docs = slots.lock();
        let cached = self.existing(&mut docs, id)?;
        let before = cached.ticket.heads();
        cached.ticket.set_actor(self.actor_of(user));
        let applied = cached
            .ticket
            .apply(&Author::new(user.id.clone(), user.role), now, op);
        cached.ticket.set_actor(self.system_actor.clone());
        let applied = applied?;
        let mut batch = Batch::default();
        if applied.change.is_some() {
            let merge = Merge {
                before: &before,
                new: false,
                written: None,
            };
            let origin = from_office(user, now);
            self.stage(&mut docs, id, &merge, &origin, &mut batch)?;
        }
        self.commit(&slots, docs, batch)?;
        Ok(applied)
    }

    /// Plans a return visit on `day` on ticket `id` as the server's own user (a periodic visit
    /// of its customer), assigned as the visits the server plans are
    /// ([`Engine::visit_owner`]).
    pub fn plan_as_system(&self, id: &TicketId, day: Date) -> Result<()> {
        again(|| {
            let now = self.clock.now();
            let slots = self.documents.slots([id.clone()]);
            let mut docs = slots.lock();
            let cached = self.existing(&mut docs, id)?;
            let before = cached.ticket.heads();
            let view = cached.ticket.view_sections(&[Section::Intake])?;
            let assignee = self.visit_owner(&view)?;
            plan_as_system(cached, &self.system_actor, &[day], assignee.as_ref(), now)?;
            let merge = Merge {
                before: &before,
                new: false,
                written: None,
            };
            let system = system_author().user;
            let origin = Origin {
                user: &system,
                device: None,
                at: now,
            };
            let mut batch = Batch::default();
            self.stage(&mut docs, id, &merge, &origin, &mut batch)?;
            self.commit(&slots, docs, batch)
        })
    }

    /// Runs `f` on ticket `id`.
    pub fn read<T>(&self, id: &TicketId, f: impl FnOnce(&Ticket) -> T) -> Result<T> {
        let slots = self.documents.slots([id.clone()]);
        let mut docs = slots.lock();
        Ok(f(&self.existing(&mut docs, id)?.ticket))
    }

    /// A ticket as the office sees it: the view, the conflicts and the history with receipt times.
    pub fn ticket_detail(&self, id: &TicketId) -> Result<TicketDetail> {
        let (view, conflicts, history, heads) = self.read(id, |t| -> Result<_> {
            Ok((t.view()?, t.field_conflicts()?, t.history(), t.heads()))
        })??;
        let received = self.storage.received_at(id)?;
        let history = history
            .into_iter()
            .map(|entry| {
                let received_at = entry
                    .hash
                    .parse::<ChangeHash>()
                    .ok()
                    .and_then(|h| received.get(&h).copied());
                HistoryLine { entry, received_at }
            })
            .collect();
        Ok(TicketDetail {
            ticket_id: id.clone(),
            heads: heads.iter().map(ToString::to_string).collect(),
            decision_conflict: view.decisions.conflict(),
            view,
            field_conflicts: conflicts,
            history,
        })
    }
}
