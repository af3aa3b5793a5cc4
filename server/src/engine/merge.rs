//! Staging one ticket's change, once a device's changes were admitted or an office write was
//! applied in memory: the server gives a new ticket its ledger number, plans the return visits
//! of a confirmed complaint just resolved or closed (and the next one after an unsatisfied
//! visit), projects the ticket ([`project`]) with the events of the server's own rules (low
//! satisfaction, the criteria of a major complaint), and adds the document write, its ledger
//! row, return visits, cost lines and events to the batch the committer stores.

use std::collections::BTreeSet;

use automerge::ChangeHash;
use fieldledger_core::ticket::followup::ContactMethod;
use fieldledger_core::{
    Date, DeviceId, Operation, Section, TicketId, TicketView, Timestamp, UserId,
};

use super::{Engine, Result};
use crate::documents::{Cached, Locked};
use crate::error::Error;
use crate::events::detail::{LowSatisfaction, MajorCriteriaMet};
use crate::events::{EventDetail, NewEvent};
use crate::ledger::{LedgerQuery, Received, first_handoff};
use crate::major::MajorRule;
use crate::projection::{Projection, project};
use crate::return_visits;
use crate::storage::{Batch, DocBytes, DocWrite};
use crate::system_user::system_author;

/// A document rewritten as one snapshot after this many chunks.
const COMPACT_AFTER: u32 = 64;

/// Who sends a write, and when the server took it.
pub(super) struct Origin<'a> {
    /// The user who sends it.
    pub(super) user: &'a UserId,
    /// The device it comes from; `None` for an office write.
    pub(super) device: Option<&'a DeviceId>,
    /// When the server took it.
    pub(super) at: Timestamp,
}

/// How a ticket changed in memory, for [`Engine::stage`].
#[derive(Clone, Copy)]
pub(super) struct Merge<'a> {
    /// Its heads before.
    pub(super) before: &'a [ChangeHash],
    /// Whether the server did not have it.
    pub(super) new: bool,
    /// The sections the change wrote, when known: only those are read again.
    pub(super) written: Option<&'a BTreeSet<Section>>,
}

impl Merge<'static> {
    /// A ticket new to the server, made whole in memory.
    pub(super) const NEW: Self = Merge {
        before: &[],
        new: true,
        written: None,
    };
}

impl Engine {
    /// Records that ticket `id` changed as `merge` says: gives it a ledger number the first
    /// time, plans its return visits once it is resolved, and adds the document write, its
    /// projection and its events to `batch`.
    pub(super) fn stage(
        &self,
        docs: &mut Locked<'_>,
        id: &TicketId,
        merge: &Merge<'_>,
        origin: &Origin<'_>,
        batch: &mut Batch,
    ) -> Result<()> {
        let cached = docs
            .get_mut(id)
            .ok_or_else(|| Error::not_found("ticket not loaded"))?;
        let numbered = self.number(cached, id, origin.at)?;
        let (was, view) = views(cached, merge, numbered)?;
        let view = self.plan_return_visits(cached, was.as_ref(), view, origin.at)?;
        let received = self.received(cached, id, merge.new, &view, origin)?;
        let Projection {
            row,
            return_visits,
            costs,
            events,
        } = project(id, was.as_ref(), &view, &received);
        batch.events.extend(events);
        batch
            .events
            .extend(self.rule_events(id, was.as_ref(), &view, origin.at)?);
        // Only what moved is written again: most writes (a work-log step, a photo) leave the
        // row as it was but for its time, and the return visits and costs as they were.
        let ledger_changed = cached
            .ledger
            .as_ref()
            .is_none_or(|last| row.differs_from(last));
        let return_visits = was
            .as_ref()
            .is_none_or(|w| w.followups != view.followups || w.meta != view.meta)
            .then_some(return_visits);
        let costs = was
            .as_ref()
            .is_none_or(|w| w.costs != view.costs)
            .then_some(costs);
        let (bytes, changes) = document_bytes(cached, merge);
        self.metrics.changes_merged(changes.len() as u64);
        cached.pending += 1;
        cached.origin = Some((received.received_at, received.created_by));
        cached.ledger = Some(row.clone());
        cached.view = Some(view);
        batch.docs.push(DocWrite {
            ticket_id: id.clone(),
            new: merge.new,
            bytes,
            heads: cached.ticket.heads(),
            changes,
            user: origin.user.clone(),
            device: origin.device.cloned(),
            before: merge.before.to_vec(),
            ledger: row,
            ledger_changed,
            return_visits,
            costs,
        });
        Ok(())
    }

    /// Gives ticket `id` (loaded in `cached`) the next ledger number of the year of `at`, unless
    /// it has one or its document does not register this very ticket; whether it did.
    fn number(&self, cached: &mut Cached, id: &TicketId, at: Timestamp) -> Result<bool> {
        let meta = cached.ticket.view_sections(&[Section::Meta])?.meta;
        if meta.ledger_number.is_some() || meta.ticket_id.as_ref() != Some(id) {
            return Ok(false);
        }
        let year = year_of(at);
        let next = self.storage.take_ledger_serial(year)?;
        let number = format!("KS-{year}-{next:06}");
        cached.ticket.set_actor(self.system_actor.clone());
        cached
            .ticket
            .assign_ledger_number(&system_author(), at, &number)?;
        Ok(true)
    }

    /// Plans the return visits of the ticket in `cached`, whose view was `was` and is `view`:
    /// its first ones when it is due them ([`return_visits::first_visits_due`]), and the next
    /// one after each unsatisfied visit the change recorded; returns its view after.
    fn plan_return_visits(
        &self,
        cached: &mut Cached,
        was: Option<&TicketView>,
        view: TicketView,
        at: Timestamp,
    ) -> Result<TicketView> {
        let rule = &self.workflow.return_visits;
        let today = self.workflow.calendar.day_of(at);
        let mut days = Vec::new();
        if return_visits::first_visits_due(was, &view) {
            let major = view.intake.registration.major;
            days.extend(self.workflow.return_visit_days(today, major));
        }
        let next = self
            .workflow
            .calendar
            .add_working_days(today, rule.reopened_after_working_days);
        let unsatisfied = return_visits::new_outcomes(was, &view).filter(|(_, o)| !o.resolved);
        days.extend(unsatisfied.map(|_| next));
        if days.is_empty() {
            return Ok(view);
        }
        let assignee = self.visit_owner(&view)?;
        plan_as_system(cached, &self.system_actor, &days, assignee.as_ref(), at)?;
        Ok(cached.ticket.view_without_logs()?)
    }

    /// Who the return visits the server plans on ticket `view` go to (see
    /// [`return_visits::owner`]).
    pub(crate) fn visit_owner(&self, view: &TicketView) -> Result<Option<UserId>> {
        let default_owner = self.workflow.return_visits.owner.as_ref();
        return_visits::owner(view, default_owner, |user| {
            Ok(self.storage.user(user)?.map(|u| u.role))
        })
    }

    /// The events the server adds to those of a change from `was` to `view` (ticket `id`, at
    /// `at`) by its own rules: low satisfaction, and the criteria of a major complaint met.
    fn rule_events(
        &self,
        id: &TicketId,
        was: Option<&TicketView>,
        view: &TicketView,
        at: Timestamp,
    ) -> Result<Vec<NewEvent>> {
        let threshold = self.workflow.return_visits.low_satisfaction;
        let mut details: Vec<EventDetail> = return_visits::new_outcomes(was, view)
            .filter(|(_, o)| o.satisfaction <= threshold)
            .map(|(f, o)| {
                EventDetail::LowSatisfaction(LowSatisfaction {
                    by: o.done_by.clone(),
                    entry: f.id.clone(),
                    recorded_at: o.done_at,
                    resolved: o.resolved,
                    satisfaction: o.satisfaction,
                    threshold,
                })
            })
            .collect();
        if let Some(met) = self.major_criteria(id, was, view, at)? {
            details.push(EventDetail::MajorCriteriaMet(met));
        }
        Ok(details
            .into_iter()
            .map(|detail| NewEvent {
                ticket_id: id.clone(),
                at,
                detail,
                deadline: None,
            })
            .collect())
    }

    /// The criteria of a major complaint that ticket `id` meets since the change from `was` to
    /// `view`, if any: all it meets when it just became a confirmed complaint not judged major,
    /// else those a change of its content, customer or job number just made it meet.
    fn major_criteria(
        &self,
        id: &TicketId,
        was: Option<&TicketView>,
        view: &TicketView,
        at: Timestamp,
    ) -> Result<Option<MajorCriteriaMet>> {
        let rule = &self.workflow.major;
        let history = was.is_none() && view.meta.imported_from.is_some();
        if history || !MajorRule::applies(view) {
            return Ok(None);
        }
        let before = was.filter(|w| MajorRule::applies(w));
        let mut reasons = rule.own_reasons(view);
        if let Some(w) = before {
            for known in rule.own_reasons(w) {
                reasons.remove(&known);
            }
        }
        let job = view.intake.registration.job_number.trim();
        let job_changed = before.is_none_or(|w| w.intake.registration.job_number.trim() != job);
        if let Some(since) = rule
            .repeat_since(at)
            .filter(|_| job_changed && !job.is_empty())
        {
            let query = LedgerQuery {
                job_number: Some(job.to_owned()),
                registered_from: Some(since),
                ..LedgerQuery::default()
            };
            let earlier = self.storage.whole_ledger(&query)?;
            reasons.extend(MajorRule::repeats(id, job, &earlier));
        }
        Ok((!reasons.is_empty()).then(|| MajorCriteriaMet {
            customer: view.intake.registration.customer_name.clone(),
            reasons: reasons.into_iter().collect(),
        }))
    }

    /// What the server saw of ticket `id` (loaded in `cached`, reading as `view` after this
    /// change from `origin`): when it first received the ticket and from whom, when it first
    /// received a hand-off of it, and now.
    fn received(
        &self,
        cached: &Cached,
        id: &TicketId,
        new: bool,
        view: &TicketView,
        origin: &Origin<'_>,
    ) -> Result<Received> {
        // Who registered a ticket is what the server saw, not what the document claims: it
        // decides who may read the ticket.
        let stored = match (&cached.ledger, new) {
            (None, false) => self.storage.ledger_row(id)?,
            _ => None,
        };
        let last = cached.ledger.as_ref().or(stored.as_ref());
        let (received_at, created_by) = match (&cached.origin, last) {
            (Some(known), _) => known.clone(),
            (None, Some(row)) => (row.received_at, row.created_by.clone()),
            (None, None) => (origin.at, Some(origin.user.clone())),
        };
        // The first hand-off was received by the merge that first showed one.
        let handed_off_received_at = last
            .and_then(|row| row.handed_off_received_at)
            .or_else(|| first_handoff(view).map(|_| origin.at));
        // The confirmation standing now was received by the merge that first showed it: the
        // same device time as the stored row's keeps the stored receipt.
        let confirmed_received_at = view.intake.confirmed_complaint_at().map(|at| {
            last.filter(|row| row.confirmed_at == Some(at))
                .and_then(|row| row.confirmed_received_at)
                .unwrap_or(origin.at)
        });
        Ok(Received {
            received_at,
            created_by,
            handed_off_received_at,
            confirmed_received_at,
            updated_at: origin.at,
        })
    }
}

/// The view of the ticket in `cached` before the change (`None` when it is new to the server)
/// and after it. When the view before is still in memory and the sections the change wrote are
/// known, only those (and the meta section, when the ticket was just `numbered`) are read again.
fn views(
    cached: &mut Cached,
    merge: &Merge<'_>,
    numbered: bool,
) -> Result<(Option<TicketView>, TicketView)> {
    let ticket = &cached.ticket;
    Ok(match (cached.view.take(), merge.written) {
        (Some(was), Some(written)) => {
            let mut sections: Vec<Section> = written.iter().copied().collect();
            if numbered {
                sections.push(Section::Meta);
            }
            let mut view = was.clone();
            ticket.refresh_view(&mut view, &sections)?;
            (Some(was), view)
        }
        (Some(was), None) => (Some(was), ticket.view_without_logs()?),
        (None, _) if merge.new => (None, ticket.view_without_logs()?),
        (None, _) => (
            Some(ticket.view_at(merge.before)?),
            ticket.view_without_logs()?,
        ),
    })
}

/// Plans return visits on `days` in the ticket of `cached` as the server's own user, under
/// its `actor`, assigned to `assignee` (the server's user when `None`).
pub(super) fn plan_as_system(
    cached: &mut Cached,
    actor: &automerge::ActorId,
    days: &[Date],
    assignee: Option<&UserId>,
    at: Timestamp,
) -> Result<()> {
    cached.ticket.set_actor(actor.clone());
    for day in days {
        let plan = Operation::PlanReturnVisit {
            planned_for: *day,
            method: ContactMethod::Phone,
            assignee: assignee.cloned(),
        };
        cached.ticket.apply(&system_author(), at, &plan)?;
    }
    Ok(())
}

/// How the change to the ticket in `cached` since `merge.before` is stored, and the hashes of
/// its changes: the whole document when it is new or has gathered enough chunks since its last
/// snapshot, else the change alone as one more chunk.
fn document_bytes(cached: &mut Cached, merge: &Merge<'_>) -> (DocBytes, Vec<ChangeHash>) {
    if merge.new || cached.chunks + 1 >= COMPACT_AFTER {
        cached.chunks = 0;
        let doc = cached.ticket.doc();
        let changes = doc
            .get_changes_meta(merge.before)
            .iter()
            .map(|c| c.hash)
            .collect();
        (DocBytes::Snapshot(cached.ticket.save()), changes)
    } else {
        cached.chunks += 1;
        let changes = cached.ticket.doc().get_changes(merge.before);
        let hashes = changes.iter().map(|c| c.hash()).collect();
        let bytes = changes.iter().map(|c| c.raw_bytes().to_vec()).collect();
        (DocBytes::Changes(bytes), hashes)
    }
}

/// The year, in UTC, of `at`.
fn year_of(at: Timestamp) -> i32 {
    i32::from(
        jiff::tz::Offset::UTC
            .to_datetime(crate::calendar::instant(at))
            .year(),
    )
}

#[cfg(test)]
mod tests {
    use super::year_of;
    use fieldledger_core::Timestamp;

    #[test]
    fn years_of_timestamps() {
        assert_eq!(year_of(Timestamp(0)), 1970);
        assert_eq!(year_of(Timestamp(1_767_225_599_000)), 2025);
        assert_eq!(year_of(Timestamp(1_767_225_600_000)), 2026);
        assert_eq!(year_of(Timestamp(951_782_400_000)), 2000);
    }
}
