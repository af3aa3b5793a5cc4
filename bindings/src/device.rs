//! The app-facing object: a technician's device store, opened in a folder of the app.
//!
//! Every method is a few lines over [`fieldledger_core::Store`]. Methods that talk to the
//! server (`enrol`, `sync`) are async and run off the caller's thread; the others work on the
//! local store and return quickly.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use fieldledger_core::enrolment::EnrolmentLink;
use fieldledger_core::status::Status;
use fieldledger_core::store::TicketSummary;
use fieldledger_core::store::sync_state::Enrolment;
use fieldledger_core::ticket::HistoryEntry;
use fieldledger_core::ticket::cost::{Bearer, CostKind, NewCost};
use fieldledger_core::ticket::decision::{DecisionConflict, Disposition};
use fieldledger_core::ticket::intake::{IntakeAmendment, Registration};
use fieldledger_core::ticket::signoff::NewSignOff;
use fieldledger_core::transport::HttpTransport;
use fieldledger_core::{Author, EntryId, Operation, Store, TicketId, TicketView};

use crate::error::{FieldLedgerError, Result};
use crate::sync::{SyncStatus, off_thread};
use crate::types::FieldConflict;
use crate::visit::OnSiteVisit;

/// A technician's device store: the jobs on this phone, the on-site actions, and sync with the
/// office. Open one per folder; close it with `close_store` when the app no longer needs it.
#[derive(Debug, uniffi::Object)]
pub struct DeviceStore {
    store: Mutex<Option<Arc<Store>>>,
    /// Set once the store is closed, so that a sync still running stops at its next round.
    closed: Arc<AtomicBool>,
}

impl DeviceStore {
    /// The open store, or [`FieldLedgerError::Closed`].
    pub(crate) fn store(&self) -> Result<Arc<Store>> {
        self.store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or(FieldLedgerError::Closed)
    }

    /// The flag a running sync watches to stop when the store is closed.
    pub(crate) fn closed_flag(&self) -> Arc<AtomicBool> {
        self.closed.clone()
    }

    /// Records `op` on `ticket`; returns the entry it created, if any.
    pub(crate) fn record(&self, ticket: &TicketId, op: Operation) -> Result<Option<EntryId>> {
        Ok(self.store()?.record(ticket, &op)?.entry)
    }

    /// Records an operation that always creates an entry, and returns the entry's id.
    pub(crate) fn create(&self, ticket: &TicketId, op: Operation) -> Result<EntryId> {
        let name = op.name();
        self.record(ticket, op)?
            .ok_or_else(|| FieldLedgerError::Invalid {
                reason: format!("{name} created no entry"),
            })
    }
}

#[uniffi::export]
impl DeviceStore {
    /// Opens the device store in the folder `dir`, creating it on first use.
    #[uniffi::constructor]
    pub fn open(dir: String) -> Result<Arc<Self>> {
        Ok(Arc::new(Self {
            store: Mutex::new(Some(Arc::new(Store::open(&dir)?))),
            closed: Arc::new(AtomicBool::new(false)),
        }))
    }

    /// Closes the store: writes everything to the database file and releases it. Every later
    /// call fails with `Closed`. A sync still running is cancelled at its next round and lets
    /// go of the store when it stops. Closing twice is harmless.
    pub fn close_store(&self) -> Result<()> {
        self.closed.store(true, Ordering::SeqCst);
        let taken = self
            .store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match taken.map(Arc::try_unwrap) {
            Some(Ok(store)) => Ok(store.close()?),
            // A running sync still holds the store; it is dropped (and SQLite closed) when
            // that sync returns.
            Some(Err(_)) | None => Ok(()),
        }
    }

    /// This device's id, as the office's device list shows it once it has synced.
    pub fn device_id(&self) -> Result<String> {
        Ok(self.store()?.device_id().to_string())
    }

    /// Who works on this device (set by `enrol`), or null before enrolment.
    pub fn user(&self) -> Result<Option<Author>> {
        Ok(self.store()?.user()?)
    }

    /// Enrols this device with the office server at `server_url` with a device token (as
    /// printed by `fieldledger-server device enrol`): asks the server whose token it is, then
    /// records the server, the token and that user on this device. Runs off the caller's thread.
    pub async fn enrol(&self, server_url: String, token: String) -> Result<Author> {
        let store = self.store()?;
        off_thread(move || {
            let enrolment = Enrolment {
                server_url: server_url.trim().to_owned(),
                token: token.trim().to_owned(),
            };
            let author = HttpTransport::new(&enrolment).whoami()?;
            store.enrol(&enrolment.server_url, &enrolment.token)?;
            store.set_user(&author)?;
            Ok(author)
        })
        .await?
    }

    /// Enrols this device from an enrolment link, `<server>/enrol#token=<token>`, as the office
    /// dashboard shows it (and its QR code holds): reads the link as every fieldledger client
    /// does, then enrols as `enrol` does. A link that is not one fails with `Invalid`, saying
    /// why, before anything is sent. Runs off the caller's thread.
    pub async fn enrol_link(&self, link: String) -> Result<Author> {
        let link = EnrolmentLink::parse(&link)?;
        self.enrol(link.server_url, link.token).await
    }

    /// How far this device is in step with the office: last sync, changes the office has not
    /// received yet, photos waiting to upload.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        Ok(self.store()?.sync_status()?.into())
    }

    /// The jobs on this device, most recently changed first.
    pub fn jobs(&self) -> Result<Vec<TicketSummary>> {
        Ok(self.store()?.list()?)
    }

    /// Everything the ticket records, section by section.
    pub fn ticket(&self, ticket: TicketId) -> Result<TicketView> {
        Ok(self.store()?.view(&ticket)?)
    }

    /// Where the ticket stands in the service flow.
    pub fn ticket_status(&self, ticket: TicketId) -> Result<Status> {
        Ok(Status::of(&self.store()?.view(&ticket)?))
    }

    /// The disposition in force, when the entries in force agree on one.
    pub fn disposition(&self, ticket: TicketId) -> Result<Option<Disposition>> {
        Ok(self.store()?.view(&ticket)?.decisions.disposition())
    }

    /// The decision conflict: disposition entries in force that disagree, or null.
    pub fn decision_conflict(&self, ticket: TicketId) -> Result<Option<DecisionConflict>> {
        Ok(self
            .store()?
            .read_ticket(&ticket, |t| t.decision_conflict())??)
    }

    /// Fields that concurrent corrections left with more than one value.
    pub fn field_conflicts(&self, ticket: TicketId) -> Result<Vec<FieldConflict>> {
        let conflicts = self.store()?.field_conflicts(&ticket)?;
        Ok(conflicts.into_iter().map(FieldConflict::from).collect())
    }

    /// Every change of the ticket with its author, device time and the sections it wrote.
    pub fn history(&self, ticket: TicketId) -> Result<Vec<HistoryEntry>> {
        Ok(self.store()?.history(&ticket)?)
    }

    /// Registers a new ticket found on site (as the device's user); returns its id.
    pub fn register(&self, registration: Registration) -> Result<TicketId> {
        Ok(self.store()?.register(&registration)?)
    }

    /// Corrects registration fields (model, job number, contact) seen to be wrong on site.
    pub fn amend_intake(&self, ticket: TicketId, amendment: IntakeAmendment) -> Result<()> {
        self.record(&ticket, Operation::AmendIntake(amendment))
            .map(drop)
    }

    /// Arrives on site, for the travel task order `order_id` if given: starts a visit, whose
    /// object records the work done there.
    pub fn arrive(
        self: Arc<Self>,
        ticket: TicketId,
        order_id: Option<EntryId>,
        site: String,
    ) -> Result<Arc<OnSiteVisit>> {
        let visit = self.create(&ticket, Operation::Arrive { order_id, site })?;
        Ok(OnSiteVisit::new(self, ticket, visit))
    }

    /// The visit `visit_id` of the ticket, to go on recording in it (for example after the app
    /// restarted); `Invalid` when the ticket has no such visit.
    pub fn visit(self: Arc<Self>, ticket: TicketId, visit_id: EntryId) -> Result<Arc<OnSiteVisit>> {
        let known = self
            .store()?
            .view(&ticket)?
            .visits
            .iter()
            .any(|v| v.id == visit_id);
        if !known {
            return Err(FieldLedgerError::Invalid {
                reason: format!("the ticket has no visit with id {visit_id}"),
            });
        }
        Ok(OnSiteVisit::new(self, ticket, visit_id))
    }

    /// Records the remedy judged (a disposition entry that supersedes the entries in force);
    /// returns its id.
    pub fn decide(
        &self,
        ticket: TicketId,
        disposition: Disposition,
        rationale: String,
    ) -> Result<EntryId> {
        self.create(
            &ticket,
            Operation::Decide {
                disposition,
                rationale,
            },
        )
    }

    /// Asks for the unit to be returned to the factory; returns the return's id.
    pub fn request_return(
        &self,
        ticket: TicketId,
        unit: String,
        reason: String,
    ) -> Result<EntryId> {
        self.create(&ticket, Operation::RequestReturn { unit, reason })
    }

    /// Records that the replacement or repaired unit was installed on site, the last step of
    /// the ticket's fulfilment track. Returns the entry's id.
    pub fn record_installation(&self, ticket: TicketId, note: String) -> Result<EntryId> {
        self.create(&ticket, Operation::RecordInstallation { note })
    }

    /// Claims the technician's own expense on the ticket (travel, lodging, parts bought on the
    /// way), borne by the company: a cost that the technical service department audits and
    /// finance settles and clears against any travel advance. `amount_minor` is in fen for
    /// CNY. Returns the cost's id.
    pub fn claim_expense(
        &self,
        ticket: TicketId,
        kind: CostKind,
        amount_minor: i64,
        currency: String,
        description: String,
    ) -> Result<EntryId> {
        self.create(
            &ticket,
            Operation::SubmitCost(NewCost {
                kind,
                amount_minor,
                currency,
                bearer: Bearer::Company,
                borne_by: None,
                description,
            }),
        )
    }

    /// Records the customer's sign-off of the ticket as it stands now, concluding the visit
    /// `visit_id` if given, with the image of the handwritten signature at `signature_png` if
    /// captured. Returns the sign-off's id.
    pub fn sign_off(
        &self,
        ticket: TicketId,
        signer_name: String,
        signer_title: String,
        statement: String,
        visit_id: Option<EntryId>,
        signature_png: Option<String>,
    ) -> Result<EntryId> {
        let store = self.store()?;
        let signature = signature_png
            .map(|path| store.add_blob(Path::new(&path), "image/png"))
            .transpose()?;
        self.create(
            &ticket,
            Operation::SignOff(NewSignOff {
                signer_name,
                signer_title,
                statement,
                visit_id,
                signature,
            }),
        )
    }
}
