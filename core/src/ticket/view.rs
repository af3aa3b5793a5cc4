//! The typed view of a whole ticket, read from its document at any heads.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::closure::Closure;
use super::codec::{fields, from_json};
use super::cost::{self, Advance, Cost};
use super::decision::Decisions;
use super::delivery::Delivery;
use super::dispatch::Dispatch;
use super::followup::{self, ReturnVisit, ServiceConfirmation};
use super::fulfilment::FulfilmentEntry;
use super::intake::Intake;
use super::letter::Letter;
use super::meta::Meta;
use super::quality::Quality;
use super::returns::ReturnedUnit;
use super::signoff::SignOff;
use super::visit::Visit;
use crate::blob::BlobRef;
use crate::section::Section;

/// Everything a ticket records, section by section.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TicketView {
    /// Schema version, id, ledger number.
    pub meta: Meta,
    /// The registration.
    pub intake: Intake,
    /// Hand-offs and travel task orders.
    pub dispatch: Dispatch,
    /// Stays on site, by arrival.
    pub visits: Vec<Visit>,
    /// Disposition entries.
    pub decisions: Decisions,
    /// Returned units, by request time.
    pub returns: Vec<ReturnedUnit>,
    /// Cause, responsibility and actions.
    pub quality: Quality,
    /// The technical analysis letter.
    pub letter: Letter,
    /// Costs, by submission time.
    pub costs: Vec<Cost>,
    /// Travel advances paid to technicians, with their clearing, by payment time (kept in the
    /// costs section).
    #[serde(default)]
    pub advances: Vec<Advance>,
    /// Return visits, by planned day.
    pub followups: Vec<ReturnVisit>,
    /// The sales representative's confirmations of whether the service requirements were met,
    /// by time; the last one stands. Kept in the `followups` section.
    #[serde(default)]
    pub service_confirmations: Vec<ServiceConfirmation>,
    /// Sign-offs, by signing time.
    pub signoffs: Vec<SignOff>,
    /// Close entries, by closing time.
    #[serde(default)]
    pub closures: Vec<Closure>,
    /// Shipment and drawings.
    #[serde(default)]
    pub delivery: Delivery,
    /// The fulfilment track of a replacement or return, by recording time.
    #[serde(default)]
    pub fulfilment: Vec<FulfilmentEntry>,
    /// Parts of the document this version could not read (written by a newer version or
    /// damaged); they stay in the document untouched.
    pub unreadable: Vec<String>,
}

impl TicketView {
    /// The sales representative's confirmation that stands (the latest), if any.
    pub fn service_confirmation(&self) -> Option<&ServiceConfirmation> {
        self.service_confirmations.last()
    }

    /// Every stored file the ticket refers to: the photos of its visits and the signatures of
    /// its sign-offs.
    pub fn blobs(&self) -> impl Iterator<Item = &BlobRef> {
        self.visits
            .iter()
            .flat_map(|v| v.photos.iter().map(|p| &p.blob))
            .chain(self.signoffs.iter().filter_map(|s| s.signature.as_ref()))
    }

    /// Reads the view from the JSON form of a whole document.
    pub(crate) fn from_json(root: Value) -> TicketView {
        let mut root = fields(root);
        let mut unreadable = Vec::new();
        let mut take = |key: &str| root.remove(key).unwrap_or(Value::Null);
        let (meta, intake, dispatch, visits, decisions) = (
            take("meta"),
            take("intake"),
            take("dispatch"),
            take("visits"),
            take("decisions"),
        );
        let (returns, quality, letter, costs, followups, signoff) = (
            take("returns"),
            take("quality"),
            take("letter"),
            take("costs"),
            take("followups"),
            take("signoff"),
        );
        let closure = take("closure");
        let delivery = take("delivery");
        let fulfilment = take("fulfilment");
        let u = &mut unreadable;
        let mut quality = fields(quality);
        let actions = quality.remove("actions").unwrap_or(Value::Null);
        let guidance = quality.remove("guidance").unwrap_or(Value::Null);
        let (costs, advances) = cost::split(costs);
        let mut followups = fields(followups);
        let confirmations = followups
            .remove(followup::CONFIRMATIONS)
            .unwrap_or(Value::Null);
        let mut view = TicketView {
            meta: record(meta, "meta", u),
            intake: record(intake, "intake", u),
            dispatch: dispatch_of(dispatch, u),
            visits: entries(visits, "visit", u),
            decisions: Decisions {
                entries: entries(decisions, "decision", u),
            },
            returns: entries(returns, "returned unit", u),
            quality: Quality {
                actions: entries(actions, "corrective action", u),
                guidance: entries(guidance, "guidance", u),
                ..record(Value::Object(quality), "quality", u)
            },
            letter: record(letter, "letter", u),
            costs: entries(costs, "cost", u),
            advances: entries(advances, "advance", u),
            followups: entries(Value::Object(followups), "return visit", u),
            service_confirmations: entries(confirmations, "service confirmation", u),
            signoffs: entries(signoff, "sign-off", u),
            closures: entries(closure, "close entry", u),
            delivery: record(delivery, "delivery", u),
            fulfilment: entries(fulfilment, "fulfilment entry", u),
            unreadable: Vec::new(),
        };
        view.sort();
        view.unreadable = unreadable;
        view
    }

    /// Moves `section` from `other` into this view.
    pub(crate) fn take_section(&mut self, other: &mut TicketView, section: Section) {
        use std::mem::take;
        match section {
            Section::Meta => self.meta = take(&mut other.meta),
            Section::Intake => self.intake = take(&mut other.intake),
            Section::Dispatch => self.dispatch = take(&mut other.dispatch),
            Section::Visits => self.visits = take(&mut other.visits),
            Section::Decisions => self.decisions = take(&mut other.decisions),
            Section::Returns => self.returns = take(&mut other.returns),
            Section::Quality => self.quality = take(&mut other.quality),
            Section::Letter => self.letter = take(&mut other.letter),
            Section::Costs => {
                self.costs = take(&mut other.costs);
                self.advances = take(&mut other.advances);
            }
            Section::Followups => {
                self.followups = take(&mut other.followups);
                self.service_confirmations = take(&mut other.service_confirmations);
            }
            Section::Signoff => self.signoffs = take(&mut other.signoffs),
            Section::Closure => self.closures = take(&mut other.closures),
            Section::Delivery => self.delivery = take(&mut other.delivery),
            Section::Fulfilment => self.fulfilment = take(&mut other.fulfilment),
        }
    }

    fn sort(&mut self) {
        self.dispatch
            .handoffs
            .sort_by(|a, b| (a.handed_off_at, &a.id).cmp(&(b.handed_off_at, &b.id)));
        self.dispatch
            .orders
            .sort_by(|a, b| (a.issued_at, &a.id).cmp(&(b.issued_at, &b.id)));
        self.dispatch
            .acknowledgements
            .sort_by(|a, b| (a.acknowledged_at, &a.id).cmp(&(b.acknowledged_at, &b.id)));
        self.visits
            .sort_by(|a, b| (a.arrived_at, &a.id).cmp(&(b.arrived_at, &b.id)));
        self.decisions
            .entries
            .sort_by(|a, b| (a.recorded_at, &a.id).cmp(&(b.recorded_at, &b.id)));
        self.returns
            .sort_by(|a, b| (a.requested_at, &a.id).cmp(&(b.requested_at, &b.id)));
        self.quality
            .actions
            .sort_by(|a, b| (a.raised_at, &a.id).cmp(&(b.raised_at, &b.id)));
        self.quality
            .guidance
            .sort_by(|a, b| (a.issued_at, &a.id).cmp(&(b.issued_at, &b.id)));
        self.costs
            .sort_by(|a, b| (a.submitted_at, &a.id).cmp(&(b.submitted_at, &b.id)));
        self.advances
            .sort_by(|a, b| (a.paid_at, &a.id).cmp(&(b.paid_at, &b.id)));
        self.followups
            .sort_by(|a, b| (a.planned_for, &a.id).cmp(&(b.planned_for, &b.id)));
        self.service_confirmations
            .sort_by(|a, b| (a.confirmed_at, &a.id).cmp(&(b.confirmed_at, &b.id)));
        self.signoffs
            .sort_by(|a, b| (a.signed_at, &a.id).cmp(&(b.signed_at, &b.id)));
        self.closures
            .sort_by(|a, b| (a.closed_at, &a.id).cmp(&(b.closed_at, &b.id)));
        self.fulfilment
            .sort_by(|a, b| (a.recorded_at, &a.id).cmp(&(b.recorded_at, &b.id)));
    }
}

/// Reads the dispatch section: its hand-offs, orders and acknowledgements.
pub(crate) fn dispatch_of(value: Value, unreadable: &mut Vec<String>) -> Dispatch {
    let mut dispatch = fields(value);
    let mut take = |key: &str| dispatch.remove(key).unwrap_or_default();
    let (handoffs, orders, acknowledgements) =
        (take("handoffs"), take("orders"), take("acknowledgements"));
    Dispatch {
        handoffs: entries(handoffs, "hand-off", unreadable),
        orders: entries(orders, "travel task order", unreadable),
        acknowledgements: entries(acknowledgements, "acknowledgement", unreadable),
    }
}

/// Reads a single-record section; a damaged one reads as empty and is reported.
fn record<T: DeserializeOwned + Default>(
    value: Value,
    what: &str,
    unreadable: &mut Vec<String>,
) -> T {
    if value.is_null() {
        return T::default();
    }
    from_json(value, what).unwrap_or_else(|e| {
        unreadable.push(e);
        T::default()
    })
}

/// Reads a map of entries keyed by id; each unreadable entry is left out and reported.
pub(crate) fn entries<T: DeserializeOwned>(
    value: Value,
    what: &str,
    unreadable: &mut Vec<String>,
) -> Vec<T> {
    fields(value)
        .into_iter()
        .filter_map(|(key, entry)| {
            from_json(entry, what)
                .map_err(|e| unreadable.push(format!("{e} (entry {key})")))
                .ok()
        })
        .collect()
}
