//! A ticket: one automerge document per complaint or service request, with its sections, the
//! operations that write them and the typed views that read them.

pub mod closure;
pub mod codec;
mod conflicts;
pub mod cost;
pub mod decision;
pub mod delivery;
pub mod dispatch;
pub mod followup;
pub mod fulfilment;
mod history;
pub mod intake;
pub mod letter;
pub mod meta;
pub mod operation;
pub mod quality;
pub mod returns;
pub mod signoff;
mod validate;
pub mod view;
pub mod visit;

use automerge::transaction::{CommitOptions, Transaction};
use automerge::{ActorId, Automerge, ChangeHash, ObjType, ROOT, ReadDoc};
use strum::VariantArray;

pub use conflicts::FieldConflict;
pub use history::{ChangeMessage, ChangeNote, HistoryEntry};
pub use operation::Operation;
pub use view::TicketView;

use self::codec::{put_record, read_json, update_text};
use self::decision::DecisionConflict;
use self::intake::Registration;
use self::meta::{Meta, SCHEMA_VERSION};
use self::operation::WriteContext;
use crate::author::Author;
use crate::error::{Error, Result};
use crate::id::{EntryId, TicketId};
use crate::policy;
use crate::rule::Rule;
use crate::section::Section;
use crate::time::Timestamp;

/// Runs `write` as exactly one change of `doc`: its message names `action`, its input `args`
/// and `author`, its time is the device time `at`. On an error the transaction is rolled back
/// and nothing is written. Returns what `write` returned and the change's hash (`None` when it
/// wrote nothing).
fn one_change<T>(
    doc: &mut Automerge,
    (action, args): (&str, serde_json::Value),
    author: &Author,
    at: Timestamp,
    write: impl FnOnce(&mut Transaction<'_>) -> Result<T>,
) -> Result<(T, Option<ChangeHash>)> {
    let message = ChangeMessage::new(action, author, args).to_text();
    let success = doc
        .transact_with(
            |_| {
                CommitOptions::default()
                    .with_message(message)
                    .with_time(at.millis())
            },
            write,
        )
        .map_err(|failure| failure.error)?;
    Ok((success.result, success.hash))
}

/// An action's input as a change message carries it.
fn args_of(input: &impl serde::Serialize) -> Result<serde_json::Value> {
    serde_json::to_value(input).map_err(|e| Error::invalid("action", e.to_string()))
}

/// The result of a recorded operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    /// The change that holds it; `None` when the operation found everything already as asked
    /// (for example a correction to the value a field already has).
    pub change: Option<ChangeHash>,
    /// The entry it created (a visit, a decision, a cost), if it created one.
    pub entry: Option<EntryId>,
}

/// One ticket's document.
#[derive(Clone, Debug)]
pub struct Ticket {
    id: TicketId,
    doc: Automerge,
}

impl Ticket {
    /// Registers a new ticket: one change that writes `meta`, the registration, and the empty
    /// collections every later entry goes into (so that entries added concurrently on different
    /// devices land in the same objects).
    pub fn register(
        id: TicketId,
        actor: ActorId,
        author: &Author,
        at: Timestamp,
        registration: &Registration,
    ) -> Result<Ticket> {
        Self::create(id, actor, author, at, registration, None)
    }

    /// Creates a ticket from a row of an existing ledger kept elsewhere (`imported_from` names
    /// the file and line): registered as [`Ticket::register`] does, at the time the row gives,
    /// and marked as imported in `meta`.
    pub fn import(
        id: TicketId,
        actor: ActorId,
        author: &Author,
        registered_at: Timestamp,
        registration: &Registration,
        imported_from: &str,
    ) -> Result<Ticket> {
        let source = validate::required("import source", imported_from, validate::SHORT)?;
        Self::create(id, actor, author, registered_at, registration, Some(source))
    }

    fn create(
        id: TicketId,
        actor: ActorId,
        author: &Author,
        at: Timestamp,
        registration: &Registration,
        imported_from: Option<String>,
    ) -> Result<Ticket> {
        if !policy::may_register(author.role) {
            return Err(Error::Forbidden {
                role: author.role,
                section: Section::Intake,
            });
        }
        let action = match &imported_from {
            // An import is the office server's own write: no device sends it.
            Some(_) => ("import", serde_json::Value::Null),
            None => ("register", args_of(registration)?),
        };
        let registration = registration.validated()?;
        let mut doc = Automerge::new().with_actor(actor);
        let meta = Meta {
            schema: SCHEMA_VERSION,
            ticket_id: Some(id.clone()),
            ledger_number: None,
            created_at: Some(at),
            created_by: Some(author.user.clone()),
            imported_from,
        };
        one_change(&mut doc, action, author, at, |tx| {
            put_record(tx, &ROOT, Section::Meta.key(), &meta)?;
            let mut intake = codec::fields(
                serde_json::to_value(&registration)
                    .map_err(|e| Error::invalid("registration", e.to_string()))?,
            );
            intake.remove("content");
            intake.remove("requests");
            intake.insert("registered_at".into(), at.millis().into());
            intake.insert("registered_by".into(), author.user.as_str().into());
            if registration.complaint && policy::confirms_complaints(author.role) {
                intake.insert("confirmed_at".into(), at.millis().into());
                intake.insert("confirmed_by".into(), author.user.as_str().into());
            }
            if registration.major {
                intake.insert("major_at".into(), at.millis().into());
            }
            let intake_obj = put_record(tx, &ROOT, Section::Intake.key(), &intake)?;
            update_text(tx, &intake_obj, "content", &registration.content)?;
            update_text(tx, &intake_obj, "requests", &registration.requests)?;
            let empty = serde_json::json!({});
            put_record(
                tx,
                &ROOT,
                Section::Dispatch.key(),
                &serde_json::json!({"handoffs": {}, "orders": {}, "acknowledgements": {}}),
            )?;
            for section in [
                Section::Visits,
                Section::Decisions,
                Section::Returns,
                Section::Costs,
                Section::Followups,
                Section::Signoff,
                Section::Closure,
                Section::Delivery,
                Section::Fulfilment,
            ] {
                put_record(tx, &ROOT, section.key(), &empty)?;
            }
            let quality = put_record(
                tx,
                &ROOT,
                Section::Quality.key(),
                &serde_json::json!({"actions": {}}),
            )?;
            update_text(tx, &quality, "cause", "")?;
            let letter = put_record(tx, &ROOT, Section::Letter.key(), &empty)?;
            update_text(tx, &letter, "body", "")
        })?;
        Ok(Ticket { id, doc })
    }

    /// A ticket from a saved document (snapshot or concatenated chunks), writing as `actor`.
    pub fn load(id: TicketId, bytes: &[u8], actor: ActorId) -> Result<Ticket> {
        let doc = Automerge::load(bytes)
            .map_err(|e| Error::Corrupt(format!("ticket {id} does not load: {e}")))?
            .with_actor(actor);
        Ok(Ticket { id, doc })
    }

    /// A ticket from an automerge document.
    pub fn from_doc(id: TicketId, doc: Automerge) -> Ticket {
        Ticket { id, doc }
    }

    /// The document, given up.
    pub fn into_doc(self) -> Automerge {
        self.doc
    }

    /// The ticket's id.
    pub fn id(&self) -> &TicketId {
        &self.id
    }

    /// The underlying document.
    pub fn doc(&self) -> &Automerge {
        &self.doc
    }

    /// Makes later changes of this ticket under `actor`: the server writes each office user's
    /// edits under that user's own actor.
    pub fn set_actor(&mut self, actor: ActorId) {
        self.doc.set_actor(actor);
    }

    /// Writes the ledger number the office server assigned into `meta`, as one change by the
    /// server (`author`). Only the server calls this: no action a user performs writes `meta`
    /// after registration, so a device's change that did would not be the action it names and
    /// would be refused (see [`crate::admission`]).
    pub fn assign_ledger_number(
        &mut self,
        author: &Author,
        at: Timestamp,
        number: &str,
    ) -> Result<ChangeHash> {
        let action = ("assign_ledger_number", serde_json::Value::Null);
        let ((), hash) = one_change(&mut self.doc, action, author, at, |tx| {
            let meta = codec::child(tx, &ROOT, Section::Meta.key(), ObjType::Map)?
                .ok_or_else(|| Error::invalid("ticket", "has no meta section"))?;
            codec::put_field(tx, &meta, "ledger_number", &number)
        })?;
        hash.ok_or_else(|| Error::broke("ledger number", Rule::Unchanged, "is already this number"))
    }

    /// The document, for the sync protocol to apply messages to.
    pub(crate) fn doc_mut(&mut self) -> &mut Automerge {
        &mut self.doc
    }

    /// The heads among `heads` that this document has.
    pub fn known_heads(&self, heads: &[ChangeHash]) -> Vec<ChangeHash> {
        heads
            .iter()
            .copied()
            .filter(|h| self.doc.get_change_meta_by_hash(h).is_some())
            .collect()
    }

    /// How many changes this document has that a peer with `heads` lacks.
    pub fn changes_beyond(&self, heads: &[ChangeHash]) -> usize {
        self.doc.get_changes_meta(&self.known_heads(heads)).len()
    }

    /// The current heads of the document.
    pub fn heads(&self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// Records `op` by `author` at device time `at` as one change, after checking the policy and
    /// the input. On any error the document is unchanged.
    pub fn apply(&mut self, author: &Author, at: Timestamp, op: &Operation) -> Result<Applied> {
        let permission = policy::check_action(author.role, op.name())?;
        let ctx = WriteContext::new(
            author,
            permission,
            at,
            self.doc.get_actor(),
            self.doc.get_heads(),
        );
        let action = (op.name(), args_of(op)?);
        let (entry, change) =
            one_change(&mut self.doc, action, author, at, |tx| op.write(tx, &ctx))?;
        Ok(Applied { change, entry })
    }

    /// The whole ticket as it is now.
    pub fn view(&self) -> Result<TicketView> {
        self.read(None)
    }

    /// The ticket as it was at `heads`, for example the state a customer signed.
    pub fn view_at(&self, heads: &[ChangeHash]) -> Result<TicketView> {
        if let Some(missing) = heads
            .iter()
            .find(|h| self.doc.get_change_by_hash(h).is_none())
        {
            return Err(Error::invalid(
                "heads",
                format!("change {missing} is not in this ticket"),
            ));
        }
        self.read(Some(heads))
    }

    /// The ticket exactly as the customer saw it when giving the sign-off `signoff`.
    pub fn view_signed(&self, signoff: &EntryId) -> Result<TicketView> {
        let signed = self
            .view()?
            .signoffs
            .into_iter()
            .find(|s| &s.id == signoff)
            .ok_or_else(|| Error::UnknownEntry {
                kind: "sign-off",
                id: signoff.to_string(),
            })?;
        let heads = signed
            .heads
            .iter()
            .map(|h| {
                h.parse().map_err(|_| {
                    Error::Corrupt(format!("sign-off head {h:?} is not a change hash"))
                })
            })
            .collect::<Result<Vec<ChangeHash>>>()?;
        self.view_at(&heads)
    }

    fn read(&self, heads: Option<&[ChangeHash]>) -> Result<TicketView> {
        let root = read_json(&self.doc, &ROOT, ObjType::Map, heads)?;
        Ok(TicketView::from_json(root))
    }

    /// A view with only `sections` read (the others empty): cheaper than [`Ticket::view`] when
    /// a caller needs a few small sections of a ticket with a long work log.
    pub fn view_sections(&self, sections: &[Section]) -> Result<TicketView> {
        let mut root = serde_json::Map::new();
        for &section in sections {
            if let Some(obj) = codec::child(&self.doc, &ROOT, section.key(), ObjType::Map)? {
                root.insert(
                    section.key().to_owned(),
                    read_json(&self.doc, &obj, ObjType::Map, None)?,
                );
            }
        }
        Ok(TicketView::from_json(serde_json::Value::Object(root)))
    }

    /// Every section, but with each visit read without its work log and photos: what lists and
    /// the ledger need, at a cost that does not grow with the work log.
    pub fn view_without_logs(&self) -> Result<TicketView> {
        self.sections_without_logs(Section::VARIANTS)
            .map(|root| TicketView::from_json(serde_json::Value::Object(root)))
    }

    /// Reads `sections` again into `view` (a view without logs of an earlier state of this
    /// ticket), leaving the other sections as they are: after a change that wrote only those
    /// sections, the result equals [`Ticket::view_without_logs`] at a fraction of its cost.
    pub fn refresh_view(&self, view: &mut TicketView, sections: &[Section]) -> Result<()> {
        let root = self.sections_without_logs(sections)?;
        let mut fresh = TicketView::from_json(serde_json::Value::Object(root));
        for &section in sections {
            view.take_section(&mut fresh, section);
        }
        Ok(())
    }

    /// The JSON of `sections`, each visit without its work log and photos.
    fn sections_without_logs(
        &self,
        sections: &[Section],
    ) -> Result<serde_json::Map<String, serde_json::Value>> {
        let doc = &self.doc;
        let mut root = serde_json::Map::new();
        for &section in sections {
            let Some(obj) = codec::child(doc, &ROOT, section.key(), ObjType::Map)? else {
                continue;
            };
            let value = if section == Section::Visits {
                let mut visits = serde_json::Map::new();
                for visit in doc.map_range(&obj, ..) {
                    let automerge::ValueRef::Object(ObjType::Map) = visit.value else {
                        continue;
                    };
                    let visit_obj = visit.id();
                    let mut fields = serde_json::Map::new();
                    for field in doc.map_range(&visit_obj, ..) {
                        if field.key == "log" || field.key == "photos" {
                            continue;
                        }
                        let value = match field.value {
                            automerge::ValueRef::Object(t) => read_json(doc, &field.id(), t, None)?,
                            automerge::ValueRef::Scalar(s) => codec::scalar_ref_to_json(&s),
                        };
                        fields.insert(field.key.to_string(), value);
                    }
                    visits.insert(visit.key.to_string(), serde_json::Value::Object(fields));
                }
                serde_json::Value::Object(visits)
            } else {
                read_json(doc, &obj, ObjType::Map, None)?
            };
            root.insert(section.key().to_owned(), value);
        }
        Ok(root)
    }

    /// Whether a visit has started and not ended, read without loading the work logs.
    pub fn on_site(&self) -> Result<bool> {
        let Some(visits) = codec::child(&self.doc, &ROOT, Section::Visits.key(), ObjType::Map)?
        else {
            return Ok(false);
        };
        for item in self.doc.map_range(&visits, ..) {
            if matches!(item.value, automerge::ValueRef::Object(ObjType::Map))
                && self.doc.get(item.id(), "departed_at")?.is_none()
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The current decision conflict, if concurrent dispositions disagree.
    pub fn decision_conflict(&self) -> Result<Option<DecisionConflict>> {
        Ok(self.view()?.decisions.conflict())
    }

    /// Every field that holds concurrent values.
    pub fn field_conflicts(&self) -> Result<Vec<FieldConflict>> {
        conflicts::field_conflicts(&self.doc)
    }

    /// Every change, in causal order, with author, device time and the sections it touched.
    pub fn history(&self) -> Vec<HistoryEntry> {
        history::history(&self.doc)
    }

    /// The changes a peer that has `heads` lacks, in automerge's incremental format.
    pub fn changes_since(&self, heads: &[ChangeHash]) -> Vec<u8> {
        self.doc.save_after(&self.known_heads(heads))
    }

    /// Applies changes from elsewhere (incremental format); returns how many new changes came
    /// in. Changes whose dependencies are missing wait until those arrive.
    pub fn merge_changes(&mut self, bytes: &[u8]) -> Result<usize> {
        self.doc
            .load_incremental(bytes)
            .map_err(|e| Error::Corrupt(format!("changes for ticket {} do not load: {e}", self.id)))
    }

    /// The full document, compacted.
    pub fn save(&self) -> Vec<u8> {
        self.doc.save()
    }
}

#[cfg(test)]
mod sales_tests;
#[cfg(test)]
pub(crate) mod tests;
