//! A deterministic simulation of technicians, the office and the real server's sync logic: a
//! seed drives every choice (who acts, what the network loses, repeats or reorders, who goes
//! offline, which device or server restarts, which ticket is reassigned). After the network
//! heals and every device syncs until nothing moves, [`run`] checks what fieldledger promises:
//! replicas agree, nothing a device wrote is lost (an honest device's work is never refused, so
//! every change it made is on the server), receipts are true of the server's disk, and no device
//! keeps a ticket it may not read.
//!
//! One more technician's device is hostile (see [`adversary`]): among its honest work it sends
//! forged, malformed and out-of-authority changes through the sync endpoint. Each must be
//! refused for its document, and none may be on the server at the end.
//!
//! Every id the devices and the server make (tickets, entries, devices, actors) is drawn from
//! the seed as well, so a seed replays exactly: the same changes, byte for byte, and the same
//! heads everywhere at the end ([`Outcome::state`]).

mod adversary;
pub mod network;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::Arc;

use automerge::ChangeHash;
use fieldledger_core::sync::exchange;
use fieldledger_core::ticket::decision::Disposition;
use fieldledger_core::{
    EntryId, Error, IdSource, Operation, Role, Store, TicketId, Timestamp, UserId,
};
use fieldledger_server::storage::User;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use self::adversary::Adversary;
use self::network::{Delayed, Faults, Link, Server};
use crate::kit::{self, Enrolled};
use crate::{ManualClock, complaint, store_with_ids};

/// How big a run is.
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    /// Technicians, one device each.
    pub technicians: usize,
    /// Random events before the network heals.
    pub steps: usize,
    /// Whether one more technician's device is the adversary. Without it, a seed plays as it
    /// did before the adversary existed, event for event.
    pub adversary: bool,
}

impl Default for Scale {
    fn default() -> Self {
        Scale {
            technicians: 3,
            steps: 80,
            adversary: true,
        }
    }
}

/// What a run did, for the test's output.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Tickets at the end.
    pub tickets: usize,
    /// Changes made on devices.
    pub device_changes: usize,
    /// Server restarts.
    pub server_restarts: usize,
    /// Syncs cut short by the network.
    pub failed_syncs: usize,
    /// Requests of forgeries the adversary sent.
    pub forgeries: usize,
    /// How the server answered them, by refusal code (`http 400` for a body refused whole).
    pub refusals: BTreeMap<String, usize>,
    /// A digest of every replica's heads (and every device's confirmed heads) at rest: a run
    /// of the same seed ends in the same state.
    pub state: u64,
}

/// The first broken promise, with the run's last events.
#[derive(Debug)]
pub struct Failure {
    /// What does not hold.
    pub broken: String,
    /// The events before it, latest last.
    pub trace: Vec<String>,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{}", self.broken)?;
        for line in &self.trace {
            writeln!(f, "  {line}")?;
        }
        Ok(())
    }
}

/// A technician's phone.
struct Device {
    user: UserId,
    token: String,
    dir: PathBuf,
    store: Store,
    online: bool,
    /// Every change this device made, by ticket.
    made: Vec<(TicketId, ChangeHash)>,
    /// The visit this device started on each ticket.
    visits: BTreeMap<TicketId, EntryId>,
}

struct World {
    rng: RefCell<StdRng>,
    /// Where the server and every device draw new ids from.
    ids: IdSource,
    dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
    /// The office server; `None` only while it restarts.
    server: Option<Server>,
    desk: User,
    devices: Vec<Device>,
    /// Every ticket, in the order it was made: choices index this list, never the random ids.
    tickets: Vec<TicketId>,
    /// The travel order of each ticket the desk dispatched.
    orders: BTreeMap<TicketId, EntryId>,
    /// The hostile device and what it sent, when the run has one.
    adversary: Option<Adversary>,
    delayed: RefCell<Vec<Delayed>>,
    trace: Vec<String>,
    outcome: Outcome,
}

type Checked<T = ()> = std::result::Result<T, String>;

fn failed(what: impl std::fmt::Display) -> impl FnOnce(Error) -> String {
    move |e| format!("{what}: {e}")
}

/// Runs one simulation from `seed`.
pub fn run(seed: u64, scale: Scale) -> std::result::Result<Outcome, Failure> {
    let mut world = match World::new(seed, scale) {
        Ok(world) => world,
        Err(broken) => {
            return Err(Failure {
                broken,
                trace: Vec::new(),
            });
        }
    };
    let result = world
        .play(scale.steps)
        .and_then(|()| world.heal_and_check());
    match result {
        Ok(()) => Ok(world.outcome),
        Err(broken) => Err(Failure {
            broken,
            trace: world.trace.split_off(world.trace.len().saturating_sub(40)),
        }),
    }
}

impl World {
    fn new(seed: u64, scale: Scale) -> Checked<World> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let clock = ManualClock::at(Timestamp(1_790_000_000_000));
        let ids = IdSource::seeded(seed);
        let server = Server::open(&dir.path().join("server"), clock.clone(), ids.clone())
            .map_err(failed("open the server"))?;
        let desk = kit::add_user(&server.state, "desk.sim", Role::ServiceDesk)
            .map_err(|e| format!("add the desk: {e}"))?;
        let phone = |user: &str, n: usize| -> Checked<Device> {
            let Enrolled { user, token } =
                kit::user_with_device(&server.state, user, Role::Technician)
                    .map_err(|e| format!("add {user} with a phone: {e}"))?;
            let dir = dir.path().join(format!("phone-{n}"));
            let store = open_device(&dir, &user, &ids)?;
            Ok(Device {
                user,
                token,
                dir,
                store,
                online: true,
                made: Vec::new(),
                visits: BTreeMap::new(),
            })
        };
        let mut devices = (0..scale.technicians)
            .map(|n| phone(&format!("tech.{n}"), n))
            .collect::<Checked<Vec<_>>>()?;
        let adversary = match scale.adversary {
            true => {
                devices.push(phone("tech.mallory", devices.len())?);
                Some(Adversary::new(devices.len() - 1))
            }
            false => None,
        };
        Ok(World {
            rng: RefCell::new(StdRng::seed_from_u64(seed)),
            ids,
            dir,
            clock,
            server: Some(server),
            desk,
            devices,
            tickets: Vec::new(),
            orders: BTreeMap::new(),
            adversary,
            delayed: RefCell::new(Vec::new()),
            trace: Vec::new(),
            outcome: Outcome::default(),
        })
    }

    fn server(&self) -> &Server {
        self.server
            .as_ref()
            .expect("the server is up between restarts")
    }

    fn pick(&self, n: usize) -> usize {
        self.rng.borrow_mut().random_range(0..n)
    }

    fn chance(&self, p: f64) -> bool {
        self.rng.borrow_mut().random_bool(p)
    }

    fn note(&mut self, line: String) {
        self.trace.push(line);
    }

    fn play(&mut self, steps: usize) -> Checked {
        for step in 0..steps {
            let ms = self.rng.borrow_mut().random_range(1_000..120_000);
            self.clock.advance(ms);
            let device = self.pick(self.devices.len());
            match self.pick(100) {
                0..=9 => self.technician_registers(device)?,
                10..=39 => {
                    self.technician_works(device)?;
                }
                40..=64 => drop(self.sync(device, Faults::hostile())?),
                65..=71 => self.desk_registers()?,
                72..=77 => self.desk_reassigns()?,
                78..=81 => self.desk_hands_off()?,
                82..=87 => {
                    let online = !self.devices[device].online;
                    self.devices[device].online = online;
                    self.note(format!("step {step}: device {device} online: {online}"));
                }
                88..=91 => self.restart_device(device)?,
                92..=94 => self.restart_server()?,
                _ => self.deliver_delayed()?,
            }
            if self.adversary.is_some() && self.chance(adversary::ATTACKS) {
                self.attack()?;
            }
        }
        Ok(())
    }

    fn technician_registers(&mut self, d: usize) -> Checked {
        let device = &self.devices[d];
        let id = device
            .store
            .register(&complaint("Simulated Substation"))
            .map_err(failed("register on a device"))?;
        let heads = device.store.heads(&id).map_err(failed("heads"))?;
        self.devices[d]
            .made
            .extend(heads.into_iter().map(|h| (id.clone(), h)));
        self.note(format!(
            "device {d} registers ticket #{}",
            self.tickets.len()
        ));
        self.tickets.push(id);
        Ok(())
    }

    /// The tickets device `d` holds, in the order they were made.
    fn held(&self, d: usize) -> Checked<Vec<usize>> {
        let store = &self.devices[d].store;
        let mut held = Vec::new();
        for (n, id) in self.tickets.iter().enumerate() {
            match store.heads(id) {
                Ok(_) => held.push(n),
                Err(Error::UnknownTicket(_)) => {}
                Err(e) => return Err(format!("heads on device {d}: {e}")),
            }
        }
        Ok(held)
    }

    /// Device `d` records an action on a ticket it holds; returns that ticket's number.
    fn technician_works(&mut self, d: usize) -> Checked<Option<usize>> {
        let held = self.held(d)?;
        if held.is_empty() {
            return Ok(None);
        }
        let n = held[self.pick(held.len())];
        let id = self.tickets[n].clone();
        let visit = self.devices[d].visits.get(&id).cloned();
        let op = match visit {
            None => kit::arrive(format!("bay {}", self.pick(9))),
            Some(visit) if self.chance(0.7) => {
                kit::log_step(&visit, format!("Replaced contact {}", self.pick(1000)))
            }
            Some(_) => kit::decide(
                [
                    Disposition::RepairOnSite,
                    Disposition::Replace,
                    Disposition::ReturnToFactory,
                    Disposition::NoFaultFound,
                ][self.pick(4)],
                "measured on site",
            ),
        };
        let device = &mut self.devices[d];
        let applied = device
            .store
            .record(&id, &op)
            .map_err(failed(format!("device {d} records on ticket #{n}")))?;
        if let (Operation::Arrive { .. }, Some(entry)) = (&op, &applied.entry) {
            device.visits.insert(id.clone(), entry.clone());
        }
        if let Some(change) = applied.change {
            device.made.push((id, change));
            self.outcome.device_changes += 1;
        }
        self.note(format!("device {d} works on ticket #{n}"));
        Ok(Some(n))
    }

    fn sync(&mut self, d: usize, faults: Faults) -> Checked<bool> {
        let device = &self.devices[d];
        if !device.online {
            return Ok(false);
        }
        let link = Link {
            server: self.server(),
            device: (d, &device.token),
            faults,
            rng: &self.rng,
            delayed: &self.delayed,
        };
        match exchange(&device.store, &link) {
            Ok(report) => {
                self.note(format!(
                    "device {d} syncs: {} round(s), {} received, {} dropped",
                    report.rounds, report.tickets_received, report.tickets_dropped,
                ));
                // Every device's store holds only honest work: a refusal of it is work lost.
                match report.errors.first() {
                    Some(e) => Err(format!(
                        "device {d}'s honest work on ticket {} was refused: {} ({})",
                        e.ticket_id, e.code, e.message
                    )),
                    None => Ok(true),
                }
            }
            Err(Error::Offline(why)) => {
                self.outcome.failed_syncs += 1;
                self.note(format!("device {d} sync cut: {why}"));
                Ok(false)
            }
            Err(e) => Err(format!("the server did not answer device {d}'s sync: {e}")),
        }
    }

    fn desk_registers(&mut self) -> Checked {
        let engine = &self.server().state.engine;
        let id = engine
            .register(&self.desk, &complaint("Desk Customer"))
            .map_err(|e| format!("desk registers: {e}"))?;
        let assignee = self.pick(self.devices.len());
        let order = Operation::IssueTravelOrder(
            serde_json::from_value(serde_json::json!({
                "number": format!("CC-{}", self.tickets.len()),
                "kind": "on_site_service",
                "issuing_department": "technical_service",
                "assignees": [self.devices[assignee].user],
            }))
            .map_err(|e| e.to_string())?,
        );
        let applied = engine
            .record(&self.desk, &id, &order)
            .map_err(|e| format!("desk dispatches: {e}"))?;
        if let Some(entry) = applied.entry {
            self.orders.insert(id.clone(), entry);
        }
        self.note(format!(
            "desk registers ticket #{} for device {assignee}",
            self.tickets.len()
        ));
        self.tickets.push(id);
        Ok(())
    }

    fn desk_reassigns(&mut self) -> Checked {
        let dispatched: Vec<usize> = (0..self.tickets.len())
            .filter(|n| self.orders.contains_key(&self.tickets[*n]))
            .collect();
        if dispatched.is_empty() {
            return Ok(());
        }
        let n = dispatched[self.pick(dispatched.len())];
        let assignee = self.pick(self.devices.len());
        let id = self.tickets[n].clone();
        let op = Operation::ReassignOrder {
            order_id: self.orders[&id].clone(),
            assignees: vec![self.devices[assignee].user.clone()],
        };
        self.server()
            .state
            .engine
            .record(&self.desk, &id, &op)
            .map_err(|e| format!("desk reassigns: {e}"))?;
        self.note(format!("desk reassigns ticket #{n} to device {assignee}"));
        Ok(())
    }

    fn desk_hands_off(&mut self) -> Checked {
        if self.tickets.is_empty() {
            return Ok(());
        }
        let n = self.pick(self.tickets.len());
        let op = Operation::HandOff {
            person: None,
            to: vec![Role::Technician],
            note: format!("see note {}", self.pick(100)),
        };
        match self
            .server()
            .state
            .engine
            .record(&self.desk, &self.tickets[n], &op)
        {
            Ok(_) => {
                self.note(format!("desk hands off ticket #{n}"));
                Ok(())
            }
            // A ticket registered on a phone that has not reached the office yet.
            Err(e) if e.code() == fieldledger_server::error::Code::NotFound => Ok(()),
            Err(e) => Err(format!("desk hands off ticket #{n}: {e}")),
        }
    }

    fn restart_device(&mut self, d: usize) -> Checked {
        let device = &mut self.devices[d];
        // Nothing is in flight: the old store is as a killed app leaves it.
        device.store = open_device(&device.dir, &device.user, &self.ids)?;
        self.note(format!("device {d} restarts"));
        Ok(())
    }

    fn restart_server(&mut self) -> Checked {
        // The old server is gone before the new one opens, with only what it wrote to disk.
        self.server = None;
        self.server = Some(
            Server::open(
                &self.dir.path().join("server"),
                self.clock.clone(),
                self.ids.clone(),
            )
            .map_err(failed("reopen the server"))?,
        );
        self.outcome.server_restarts += 1;
        self.note("server restarts".into());
        self.check_receipts()
    }

    fn deliver_delayed(&mut self) -> Checked {
        let waiting = self.delayed.borrow().len();
        if waiting == 0 {
            return Ok(());
        }
        let (d, body) = self.delayed.borrow_mut().remove(self.pick(waiting));
        let outcome = self.server().post_sync(&self.devices[d].token, body);
        self.note(format!(
            "a held-back request of device {d} arrives: {}",
            if outcome.is_ok() { "ok" } else { "refused" }
        ));
        match outcome {
            Ok(_) => Ok(()),
            Err(e) => Err(format!("a repeated request of device {d} was refused: {e}")),
        }
    }

    /// The heads of ticket `id` on the server's disk, or `None` when it does not have it.
    fn stored(&self, id: &TicketId) -> Checked<Option<fieldledger_core::Ticket>> {
        let actor = self
            .server()
            .state
            .storage
            .system_actor()
            .map_err(|e| e.to_string())?;
        Ok(self
            .server()
            .state
            .storage
            .load_ticket(id, &actor)
            .map_err(|e| e.to_string())?
            .map(|(ticket, _)| ticket))
    }

    /// Every receipt a device holds names changes the server's disk has.
    fn check_receipts(&self) -> Checked {
        for (d, device) in self.devices.iter().enumerate() {
            for (n, id) in self.tickets.iter().enumerate() {
                let confirmed = device
                    .store
                    .confirmed_heads(id)
                    .map_err(failed("confirmed heads"))?;
                if confirmed.is_empty() {
                    continue;
                }
                let Some(ticket) = self.stored(id)? else {
                    return Err(format!(
                        "device {d} holds a receipt for ticket #{n}, which the server does not have"
                    ));
                };
                if ticket.known_heads(&confirmed).len() != confirmed.len() {
                    return Err(format!(
                        "device {d} holds a receipt for ticket #{n} naming changes the server lacks"
                    ));
                }
            }
        }
        Ok(())
    }

    /// What every replica holds: compared between passes to see when syncing stops moving.
    fn fingerprint(&self) -> Checked<Vec<String>> {
        let mut lines = Vec::new();
        for id in &self.tickets {
            if let Some(ticket) = self.stored(id)? {
                lines.push(format!("server {id} {:?}", ticket.heads()));
            }
            for (d, device) in self.devices.iter().enumerate() {
                if let Ok(heads) = device.store.heads(id) {
                    let confirmed = device
                        .store
                        .confirmed_heads(id)
                        .map_err(failed("confirmed heads"))?;
                    lines.push(format!("{d} {id} {heads:?} {confirmed:?}"));
                }
            }
        }
        Ok(lines)
    }

    fn heal_and_check(&mut self) -> Checked {
        self.note("the network heals".into());
        for device in &mut self.devices {
            device.online = true;
        }
        // Held-back requests arrive late, then every device syncs until nothing moves.
        while !self.delayed.borrow().is_empty() {
            self.deliver_delayed()?;
        }
        let mut last = Vec::new();
        let mut quiet = false;
        for _ in 0..12 {
            for d in 0..self.devices.len() {
                if !self.sync(d, Faults::default())? {
                    return Err(format!("device {d} cannot sync on a healed network"));
                }
            }
            let now = self.fingerprint()?;
            if now == last {
                quiet = true;
                let mut digest = std::hash::DefaultHasher::new();
                now.hash(&mut digest);
                self.outcome.state = digest.finish();
                break;
            }
            last = now;
        }
        if !quiet {
            return Err("syncing does not come to rest".into());
        }
        // What follows is judged on what the server holds on disk.
        self.restart_server()?;
        self.outcome.tickets = self.tickets.len();
        let storage = self.server().state.storage.clone();
        for (n, id) in self.tickets.iter().enumerate() {
            let stored = self.stored(id)?;
            for (d, device) in self.devices.iter().enumerate() {
                let readable = storage
                    .has_access(&device.user, id)
                    .map_err(|e| e.to_string())?;
                let held = match device.store.heads(id) {
                    Ok(heads) => Some(heads),
                    Err(Error::UnknownTicket(_)) => None,
                    Err(e) => return Err(format!("device {d} heads: {e}")),
                };
                match (&held, &stored) {
                    (Some(_), _) if !readable => {
                        return Err(format!(
                            "device {d} holds ticket #{n}, which its user may not read"
                        ));
                    }
                    (None, Some(_)) if readable => {
                        return Err(format!(
                            "device {d} may read ticket #{n} but never received it"
                        ));
                    }
                    (Some(heads), Some(ticket)) if *heads != ticket.heads() => {
                        return Err(format!(
                            "device {d} and the server disagree on ticket #{n}: {heads:?} against \
                            {:?}",
                            ticket.heads()
                        ));
                    }
                    _ => {}
                }
            }
        }
        for (d, device) in self.devices.iter().enumerate() {
            for (id, change) in &device.made {
                let n = self
                    .tickets
                    .iter()
                    .position(|t| t == id)
                    .unwrap_or(usize::MAX);
                let on_server = self
                    .stored(id)?
                    .is_some_and(|t| t.known_heads(&[*change]).len() == 1);
                if !on_server {
                    return Err(format!(
                        "change {change} that device {d} made on ticket #{n} is lost: not on the \
                        server"
                    ));
                }
            }
        }
        self.check_forgeries()
    }
}

fn open_device(dir: &std::path::Path, user: &UserId, ids: &IdSource) -> Checked<Store> {
    store_with_ids(
        dir,
        user.as_str(),
        Role::Technician,
        1_790_000_000_000,
        ids.clone(),
    )
    .map_err(failed("open a device store"))
}
