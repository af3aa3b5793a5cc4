//! A device's sync request. The documents it sends are taken one by one: their changes are
//! admitted (`fieldledger_core::admission`), merged into the ticket and staged
//! ([`Engine::stage`]). The response carries what the device lacks of those tickets and of the
//! tickets the feed hands out, the receipts of the server's heads, and the tickets the device's
//! user may no longer read.

use std::collections::{BTreeMap, BTreeSet};

use automerge::sync::{self, SyncDoc};
use automerge::{ActorId, Automerge, Change, ChangeHash, ReadDoc};
use fieldledger_core::admission::{Admission, Refusal, Sender, admit};
use fieldledger_core::change_bytes::{Budget, Caps};
use fieldledger_core::error::{Error as CoreError, contained};
use fieldledger_core::policy;
use fieldledger_core::protocol::{
    DocCode, DocError, DocMessage, PROTOCOL_VERSION, Receipt, SyncRequest, SyncResponse,
};
use fieldledger_core::store::sync_state::primed_state;
use fieldledger_core::{Author, Section, Ticket, TicketId, Timestamp};

use super::merge::{Merge, Origin};
use super::{Engine, Result, again};
use crate::auth::Caller;
use crate::documents::{Cached, Locked};
use crate::error::{Code, Error};
use crate::storage::{Batch, DeviceDoc, DeviceDocWrite, SecurityEvent};

/// One sync request in progress: who asks, with which actors, and the feed positions.
struct Exchange<'a> {
    caller: &'a Caller,
    actors: &'a [ActorId],
    /// Whether the caller reads every ticket, not only those assigned to them.
    everything: bool,
    /// The response the device says it processed last.
    acked: u64,
    /// This response's id.
    response_id: u64,
    now: Timestamp,
    /// The inflated bytes the documents of this request may still spend.
    inflation: Budget,
}

impl Engine {
    /// Handles one sync request of an enrolled device.
    pub fn sync(&self, caller: &Caller, request: SyncRequest) -> Result<SyncResponse> {
        again(|| self.sync_once(caller, request.clone()))
    }

    /// One attempt at [`Engine::sync`].
    fn sync_once(&self, caller: &Caller, request: SyncRequest) -> Result<SyncResponse> {
        self.check(&request)?;
        let now = self.clock.now();
        let mut batch = Batch::default();
        let actors = self.bind_actors(caller, &request.actors, &mut batch)?;
        let everything = !policy::reads_assigned_only(caller.user.role);
        let page = self.storage.feed(
            &caller.device.id,
            &caller.user.id,
            everything,
            request.cursor,
            self.limits.feed_page,
        )?;
        let mut response = SyncResponse {
            version: PROTOCOL_VERSION,
            cursor: page.cursor,
            more: page.more,
            id: self.ids.number(),
            ..SyncResponse::default()
        };
        // Every ticket this request may touch, locked together until its writes are queued.
        let touched = request
            .docs
            .iter()
            .map(|d| d.ticket_id.clone())
            .chain(page.tickets.iter().map(|(id, _)| id.clone()));
        let slots = self.documents.slots(touched);
        let mut docs = slots.lock();
        let exchange = Exchange {
            caller,
            actors: &actors,
            everything,
            acked: request.ack,
            response_id: response.id,
            now,
            inflation: Budget::new(Caps {
                change: self.limits.inflated_change_bytes,
                message: self.limits.inflated_message_bytes,
                request: self.limits.inflated_request_bytes,
                ops: self.limits.change_ops,
                message_ops: self.limits.message_ops,
            }),
        };
        let sent = self.receive_all(
            &mut docs,
            &exchange,
            request.docs,
            &page.dropped,
            &mut batch,
            &mut response,
        )?;
        self.send_feed(
            &mut docs,
            &exchange,
            &page.tickets,
            &sent,
            &mut batch,
            &mut response,
        )?;
        // The device's copy stays on record: if this response is lost, the same feed rows list
        // the ticket as dropped again.
        response.dropped.extend(page.dropped);
        self.security_log
            .keep(&caller.device.id, now, &mut batch.security_events);
        self.commit(&slots, docs, batch)?;
        Ok(response)
    }

    /// Refuses a request in another protocol version, or with more documents than one may carry.
    fn check(&self, request: &SyncRequest) -> Result<()> {
        if request.version != PROTOCOL_VERSION {
            return Err(Error::new(
                Code::UnsupportedVersion,
                format!(
                    "this server speaks sync protocol version {PROTOCOL_VERSION}, not {}",
                    request.version
                ),
            ));
        }
        if request.docs.len() > self.limits.docs_per_request {
            return Err(Error::new(
                Code::TooManyDocuments,
                format!(
                    "a request may carry at most {} documents",
                    self.limits.docs_per_request
                ),
            ));
        }
        Ok(())
    }

    /// Binds the actors the device presents (`claimed`) to it; returns every actor bound to
    /// it. An actor that belongs to someone else is refused, as a security event.
    fn bind_actors(
        &self,
        caller: &Caller,
        claimed: &[serde_bytes::ByteBuf],
        batch: &mut Batch,
    ) -> Result<Vec<ActorId>> {
        let claimed: Vec<ActorId> = claimed
            .iter()
            .filter(|a| !a.is_empty() && a.len() <= 32)
            .map(|a| ActorId::from(a.to_vec()))
            .collect();
        let binding = self.storage.bind_actors(&caller.device.id, &claimed)?;
        for actor in binding.refused {
            batch.security_events.push(self.security_event(
                caller,
                None,
                "forged_actor",
                format!("device presented actor {actor}, which belongs to someone else"),
            ));
        }
        Ok(binding.bound)
    }

    /// Takes each document the device `sent`, once: a refused one is answered with its error,
    /// and the others are unaffected. A ticket the device's user may not read (any more) and
    /// that the feed did not list as `dropped` already is listed as dropped, for the device to
    /// let go of it. Returns the tickets sent.
    fn receive_all(
        &self,
        docs: &mut Locked<'_>,
        exchange: &Exchange<'_>,
        sent: Vec<DocMessage>,
        dropped: &[TicketId],
        batch: &mut Batch,
        response: &mut SyncResponse,
    ) -> Result<BTreeSet<TicketId>> {
        let caller = exchange.caller;
        let dropped: BTreeSet<&TicketId> = dropped.iter().collect();
        let mut seen = BTreeSet::new();
        for doc in sent {
            if !seen.insert(doc.ticket_id.clone()) {
                continue;
            }
            let id = doc.ticket_id.clone();
            if let Err(error) = self.receive(docs, exchange, doc, batch, response) {
                response.errors.push(*error);
                self.metrics.refusal();
            }
            if !exchange.everything
                && !dropped.contains(&id)
                && !self.storage.has_access(&caller.user.id, &id)?
                && !created_here(docs, &id, caller)
            {
                response.dropped.push(id);
            }
        }
        Ok(seen)
    }

    /// Sends what the device lacks of each ticket of the feed's `page` that it did not send
    /// itself (`sent`). A response stays small enough for a phone to take in one piece: past
    /// the budget, the rest of the page waits for the next round.
    fn send_feed(
        &self,
        docs: &mut Locked<'_>,
        exchange: &Exchange<'_>,
        page: &[(TicketId, u64)],
        sent: &BTreeSet<TicketId>,
        batch: &mut Batch,
        response: &mut SyncResponse,
    ) -> Result<()> {
        let mut remaining = page.len();
        for (id, seq) in page {
            remaining -= 1;
            if !sent.contains(id) {
                self.send(docs, exchange, id, batch, response)?;
            }
            let size: usize = response.docs.iter().map(|d| d.message.len()).sum();
            if size > self.limits.response_bytes && remaining > 0 {
                response.cursor = *seq;
                response.more = true;
                break;
            }
        }
        Ok(())
    }

    /// A security event about the caller's device, now.
    fn security_event(
        &self,
        caller: &Caller,
        ticket: Option<&TicketId>,
        kind: &str,
        detail: String,
    ) -> SecurityEvent {
        SecurityEvent {
            at: self.clock.now(),
            kind: kind.to_owned(),
            device: Some(caller.device.id.clone()),
            user: Some(caller.user.id.clone()),
            ticket: ticket.cloned(),
            detail,
        }
    }

    /// What the server knows `device` holds of ticket `id`, acknowledging what was last sent
    /// once the device presents the id of the response that carried it (`acked`).
    fn device_doc(&self, caller: &Caller, id: &TicketId, acked: u64) -> Result<DeviceDoc> {
        let mut dd = self
            .storage
            .device_doc(&caller.device.id, id)?
            .unwrap_or_default();
        if let Some((heads, sent_in)) = dd.sent.take() {
            if acked == sent_in {
                dd.shared = heads;
            } else {
                dd.sent = Some((heads, sent_in));
            }
        }
        Ok(dd)
    }

    /// Takes one document the device sent: admits its changes, merges what was admitted into
    /// the ticket, stages the change and answers with what the device lacks. Returns the first
    /// refusal, if any; what was admitted is kept even then.
    fn receive(
        &self,
        docs: &mut Locked<'_>,
        exchange: &Exchange<'_>,
        doc: DocMessage,
        batch: &mut Batch,
        response: &mut SyncResponse,
    ) -> Result<(), Box<DocError>> {
        let id = doc.ticket_id.clone();
        let message = self.decode(&doc)?;
        let exists = self.load(docs, &id).map_err(internal(&id))?;
        let cut = if exists {
            self.cut(exchange, &id, batch)?
        } else {
            None
        };
        let mut dd = self
            .device_doc(exchange.caller, &id, exchange.acked)
            .map_err(internal(&id))?;
        let before = docs.get(&id).map(|c| c.ticket.heads()).unwrap_or_default();
        let admission = self.admission(docs, exchange, &id, &message, cut.as_deref())?;
        self.log_refusals(exchange.caller, &id, &admission.refused, batch);
        let first_error = admission.refused.first().map(|r| refusal(&id, r));
        let grown = admission.admitted_bytes;
        if exists && grown > self.limits.ticket_growth_bytes {
            return Err(refused(
                &id,
                DocCode::TooLarge,
                format!(
                    "one sync may add at most {} bytes of changes to a ticket; \
                     this one adds {grown}",
                    self.limits.ticket_growth_bytes
                ),
            ));
        }
        let Admission {
            doc: mut merged,
            admitted,
            written,
            ..
        } = admission;
        let mut state = hear(&id, &mut merged, &dd, message)?;
        // Past a cut the device is answered from the ticket as it stood then, and what it sent
        // is added to the whole ticket.
        let at_cut = match cut {
            Some(_) => Some(past_the_cut(docs, &id, &mut merged, &admitted)?),
            None => None,
        };
        self.keep(docs, &id, exists, merged, &before, first_error.as_deref())?;
        if docs.get(&id).is_some_and(|c| c.ticket.heads() != before) {
            let caller = exchange.caller;
            let origin = Origin {
                user: &caller.user.id,
                device: Some(&caller.device.id),
                at: exchange.now,
            };
            let merge = Merge {
                before: &before,
                new: !exists,
                written: Some(&written),
            };
            self.stage(docs, &id, &merge, &origin, batch)
                .map_err(internal(&id))?;
        }
        let cached = docs.get(&id).ok_or_else(|| not_loaded(&id))?;
        let seen = at_cut.as_ref().unwrap_or(&cached.ticket);
        let reply = seen.doc().generate_sync_message(&mut state);
        dd.shared = state.shared_heads.clone();
        let reply = reply.filter(|m| !m.changes.is_empty() || !m.need.is_empty());
        answer(exchange, seen, reply, dd, batch, response);
        first_error.map_or(Ok(()), Err)
    }

    /// The sync message of `doc`, which must fit the limit and decode.
    fn decode(&self, doc: &DocMessage) -> Result<sync::Message, Box<DocError>> {
        let id = &doc.ticket_id;
        if doc.message.len() > self.limits.message_bytes {
            return Err(refused(
                id,
                DocCode::TooLarge,
                format!(
                    "a document message may have at most {} bytes",
                    self.limits.message_bytes
                ),
            ));
        }
        sync::Message::decode(&doc.message).map_err(|e| {
            refused(
                id,
                DocCode::BadMessage,
                format!("the sync message does not decode: {e}"),
            )
        })
    }

    /// Where the device's user lost ticket `id`, which the server has, if they did: the device
    /// then works on the ticket as it stood at that moment (the heads returned), hears nothing
    /// written since, and may send only work that builds on no more than that. A device that
    /// never held the ticket, or whose user may not read it at all, is refused it.
    fn cut(
        &self,
        exchange: &Exchange<'_>,
        id: &TicketId,
        batch: &mut Batch,
    ) -> Result<Option<Vec<ChangeHash>>, Box<DocError>> {
        let caller = exchange.caller;
        if exchange.everything
            || self
                .storage
                .has_access(&caller.user.id, id)
                .map_err(internal(id))?
        {
            return Ok(None);
        }
        let held = self
            .storage
            .device_doc(&caller.device.id, id)
            .map_err(internal(id))?
            .is_some();
        let cut = if held {
            self.storage
                .access_cut(&caller.user.id, id)
                .map_err(internal(id))?
        } else {
            None
        };
        if cut.is_none() {
            batch.security_events.push(self.security_event(
                caller,
                Some(id),
                "forbidden",
                "device sent a ticket it may not read".into(),
            ));
            return Err(refused(
                id,
                DocCode::Forbidden,
                format!("ticket {id} is not assigned to this device's user"),
            ));
        }
        Ok(cut)
    }

    /// Admits the changes of `message` to ticket `id` as the server has it (as it stood at
    /// `cut`, when there is one): decodes them within the request's inflation budget, and
    /// refuses what the sender may not write and what builds on work written after the cut.
    fn admission(
        &self,
        docs: &Locked<'_>,
        exchange: &Exchange<'_>,
        id: &TicketId,
        message: &sync::Message,
        cut: Option<&[ChangeHash]>,
    ) -> Result<Admission, Box<DocError>> {
        // What decodes or applies what the device made runs contained: a panic inside automerge
        // refuses this document alone, and leaves the cache and its lock untouched.
        let changes = contained("sync message", || {
            Ok(exchange.inflation.decode(message.changes.iter()))
        })
        .map_err(unreadable(id))?
        .map_err(|e| refused(id, e.code(), e.to_string()))?;
        let blank;
        let base = match docs.get(id) {
            Some(cached) => cached.ticket.doc(),
            None => {
                blank = Automerge::new().with_actor(self.system_actor.clone());
                &blank
            }
        };
        let frozen;
        let (base, past_cut) = match cut {
            Some(heads) => {
                frozen = base
                    .fork_at(heads)
                    .map_err(|e| refused(id, DocCode::Internal, e.to_string()))?;
                // A change that builds on anything after the cut is refused as such.
                let past_cut: BTreeSet<ChangeHash> = changes
                    .iter()
                    .filter(|c| {
                        c.deps().iter().any(|d| {
                            base.get_change_meta_by_hash(d).is_some()
                                && frozen.get_change_meta_by_hash(d).is_none()
                        })
                    })
                    .map(Change::hash)
                    .collect();
                (&frozen, past_cut)
            }
            None => (base, BTreeSet::new()),
        };
        let caller = exchange.caller;
        let author = Author::new(caller.user.id.clone(), caller.user.role);
        let sender = Sender {
            actors: exchange.actors,
            author: &author,
        };
        let mut admission = contained("sync message", || Ok(admit(base, id, changes, sender)))
            .map_err(unreadable(id))?;
        for refusal in &mut admission.refused {
            if past_cut.contains(&refusal.change) {
                refusal.code = DocCode::Reassigned;
                refusal.message = format!(
                    "change {} builds on what was written after the ticket was reassigned away \
                     from this device's user",
                    refusal.change
                );
            }
        }
        Ok(admission)
    }

    /// Records the `refused` changes of ticket `id` as security events: one per reason, however
    /// many changes a device sends, so that a flood of refused changes does not bury everything
    /// else in the administrator's view.
    fn log_refusals(&self, caller: &Caller, id: &TicketId, refused: &[Refusal], batch: &mut Batch) {
        let mut reasons: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
        for refusal in refused {
            reasons
                .entry(refusal.code.as_str())
                .or_insert((0, &refusal.message))
                .0 += 1;
        }
        for (code, (count, first)) in reasons {
            let detail = match count {
                1 => first.to_owned(),
                _ => format!("{count} changes refused as {code}; the first: {first}"),
            };
            batch
                .security_events
                .push(self.security_event(caller, Some(id), code, detail));
        }
    }

    /// Keeps `merged` as ticket `id` in `docs`. A ticket the server had (`exists`) is replaced
    /// when its heads moved from `before`. A new one is kept only when it fits and its document
    /// registers this very ticket; else it is refused, for the first refused change
    /// (`first_error`) when there was one.
    fn keep(
        &self,
        docs: &mut Locked<'_>,
        id: &TicketId,
        exists: bool,
        merged: Automerge,
        before: &[ChangeHash],
        first_error: Option<&DocError>,
    ) -> Result<(), Box<DocError>> {
        if exists {
            if merged.get_heads() != before {
                let cached = docs.get_mut(id).ok_or_else(|| not_loaded(id))?;
                cached.ticket = Ticket::from_doc(id.clone(), merged);
            }
            return Ok(());
        }
        if merged.save().len() > self.limits.document_bytes {
            return Err(refused(
                id,
                DocCode::TooLarge,
                format!(
                    "a document may have at most {} bytes",
                    self.limits.document_bytes
                ),
            ));
        }
        let ticket = Ticket::from_doc(id.clone(), merged);
        let named = ticket
            .view_sections(&[Section::Meta])
            .map_err(|e| internal(id)(e.into()))?
            .meta
            .ticket_id;
        if named.as_ref() != Some(id) {
            return Err(first_error.map_or_else(
                || {
                    refused(
                        id,
                        DocCode::NotATicket,
                        format!("the changes do not register ticket {id}"),
                    )
                },
                |error| Box::new(error.clone()),
            ));
        }
        docs.put(id, Cached::new(ticket, 0));
        Ok(())
    }

    /// Adds to the response what the device lacks of ticket `id`, which it did not send in this
    /// request, when it lacks any changes.
    fn send(
        &self,
        docs: &mut Locked<'_>,
        exchange: &Exchange<'_>,
        id: &TicketId,
        batch: &mut Batch,
        response: &mut SyncResponse,
    ) -> Result<()> {
        if !self.load(docs, id)? {
            return Ok(());
        }
        let dd = self.device_doc(exchange.caller, id, exchange.acked)?;
        let cached = docs
            .get(id)
            .ok_or_else(|| Error::not_found("ticket not loaded"))?;
        let mut shared = cached.ticket.known_heads(&dd.shared);
        shared.sort();
        if shared == cached.ticket.heads() {
            return Ok(());
        }
        let mut state = primed_state(shared, Vec::new());
        let Some(message) = cached.ticket.doc().generate_sync_message(&mut state) else {
            return Ok(());
        };
        if message.changes.is_empty() {
            return Ok(());
        }
        answer(exchange, &cached.ticket, Some(message), dd, batch, response);
        Ok(())
    }
}

/// Hears `message` on `merged` (ticket `id` with the admitted changes, which the message
/// carried and which are therefore set apart) from the state last shared with the device
/// (`dd`); returns the state after, which knows what the device has and needs.
fn hear(
    id: &TicketId,
    merged: &mut Automerge,
    dd: &DeviceDoc,
    mut message: sync::Message,
) -> Result<sync::State, Box<DocError>> {
    let mut state = primed_state(dd.shared.clone(), Vec::new());
    message.changes = Vec::<Vec<u8>>::new().into();
    contained("sync message", || {
        Ok(merged.receive_sync_message(&mut state, message)?)
    })
    .map_err(unreadable(id))?;
    Ok(state)
}

/// Adds the `admitted` changes, which `merged` (ticket `id` as it stood at the cut) holds, to
/// the whole ticket in `docs`. `merged` becomes the whole ticket with them, and the ticket at
/// the cut with them is returned, for the device to be answered from it.
fn past_the_cut(
    docs: &Locked<'_>,
    id: &TicketId,
    merged: &mut Automerge,
    admitted: &[ChangeHash],
) -> Result<Ticket, Box<DocError>> {
    let mut whole = docs
        .get(id)
        .ok_or_else(|| not_loaded(id))?
        .ticket
        .doc()
        .clone();
    let changes = admitted
        .iter()
        .filter_map(|hash| merged.get_change_by_hash(hash));
    whole
        .apply_changes(changes)
        .map_err(|e| refused(id, DocCode::Internal, e.to_string()))?;
    Ok(Ticket::from_doc(
        id.clone(),
        std::mem::replace(merged, whole),
    ))
}

/// Whether the ticket in the cache was registered by the caller (its access row may not be
/// committed yet).
fn created_here(docs: &Locked<'_>, id: &TicketId, caller: &Caller) -> bool {
    docs.get(id)
        .and_then(|c| c.ticket.view_sections(&[Section::Meta]).ok())
        .is_some_and(|v| v.meta.created_by.as_ref() == Some(&caller.user.id))
}

/// The refusal of ticket `id`'s whole document, with `code` and `message`.
fn refused(id: &TicketId, code: DocCode, message: String) -> Box<DocError> {
    Box::new(DocError {
        ticket_id: id.clone(),
        code,
        message,
        change: None,
        section: None,
        action: None,
    })
}

/// The refusal of ticket `id`'s document for one refused change.
fn refusal(id: &TicketId, refusal: &Refusal) -> Box<DocError> {
    Box::new(DocError {
        ticket_id: id.clone(),
        code: refusal.code,
        message: refusal.message.clone(),
        change: Some(refusal.change.to_string()),
        section: refusal.section.map(|s| s.key().to_owned()),
        action: refusal.action.clone(),
    })
}

/// Refuses ticket `id`'s document for an error of the server's own.
fn internal(id: &TicketId) -> impl Fn(Error) -> Box<DocError> + '_ {
    move |e| refused(id, DocCode::Internal, e.public_message())
}

/// Refuses ticket `id`'s document for what the device sent that does not read.
fn unreadable(id: &TicketId) -> impl Fn(CoreError) -> Box<DocError> + '_ {
    move |e| refused(id, DocCode::BadMessage, e.to_string())
}

/// Refuses ticket `id`'s document because the ticket is not in the cache, where it must be.
fn not_loaded(id: &TicketId) -> Box<DocError> {
    refused(id, DocCode::Internal, "ticket not loaded".into())
}

/// Adds to the response what the device gets for a ticket: the message, if any (remembering
/// the heads it carries until the device acknowledges this response), the receipt of the
/// server's heads, and the device's new state.
fn answer(
    exchange: &Exchange<'_>,
    ticket: &Ticket,
    message: Option<sync::Message>,
    mut dd: DeviceDoc,
    batch: &mut Batch,
    response: &mut SyncResponse,
) {
    let id = ticket.id();
    if let Some(message) = message {
        if !message.changes.is_empty() {
            dd.sent = Some((ticket.heads(), exchange.response_id));
        }
        response.docs.push(DocMessage {
            ticket_id: id.clone(),
            message: message.encode(),
        });
    }
    response.receipts.push(Receipt {
        ticket_id: id.clone(),
        heads: ticket.heads(),
    });
    batch.device_docs.push(DeviceDocWrite {
        device: exchange.caller.device.id.clone(),
        ticket_id: id.clone(),
        state: dd,
    });
}
