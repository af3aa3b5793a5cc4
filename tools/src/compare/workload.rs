//! The shared workload, made with the real fieldledger code from a seed: the office registers
//! complaints and sends two technicians to each (each device holds its share of the tickets);
//! every device takes its tickets from the office, then goes offline and records a visit on each
//! (arrival, then work-log steps with measurements and notes). The changes each device made are
//! kept as automerge bytes, with the heads every ticket must reach once both devices' work has
//! met, for the peer's clients to load exactly the same.
//!
//! Files for the peer (`write_files`), each a sequence of frames (little-endian `u32` length,
//! then the bytes): `docs.bin` holds each ticket's 16-byte id and the document the office holds
//! before the run; `client-N.bin` holds, for each ticket of client N, its id, the client's
//! offline changes and the expected heads (32 bytes each).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use automerge::{ActorId, ChangeHash};
use fieldledger_core::store::sync_state::Enrolment;
use fieldledger_core::sync::exchange;
use fieldledger_core::ticket::dispatch::{Department, NewTravelOrder, OrderKind};
use fieldledger_core::ticket::visit::{Measurement, Work};
use fieldledger_core::transport::HttpTransport;
use fieldledger_core::{Author, EntryId, Operation, Role, Ticket, TicketId, Timestamp, UserId};
use fieldledger_server::engine::NewTicket;

use super::Size;
use crate::technicians;
use fieldledger_tests::kit::{self, Enrolled};
use fieldledger_tests::memory_device::MemoryDevice;
use fieldledger_tests::process::{ServerProcess, free_port};
use fieldledger_tests::seeded::Seeded;
use fieldledger_tests::{Failure, complaint, quiet_settings};

/// 2026-09-21 12:53 UTC: the first ticket's registration.
const REGISTERED: i64 = 1_790_000_000_000;

/// One client's part of a ticket.
#[derive(Debug)]
pub struct Share {
    /// The ticket.
    pub ticket: TicketId,
    /// The changes the client made offline (automerge's incremental format).
    pub changes: Vec<u8>,
    /// The ticket's heads once both clients' changes have met, sorted.
    pub expected: Vec<ChangeHash>,
}

/// A technician's device, holding its tickets and its offline work.
#[derive(Debug)]
pub struct Client {
    /// Who uses it, with the device's token.
    pub technician: Enrolled,
    /// The device.
    pub device: MemoryDevice,
    /// Its tickets.
    pub shares: Vec<Share>,
}

impl Client {
    /// Whether the device holds the expected heads of every one of its tickets.
    pub fn converged(&self) -> Result<bool, Failure> {
        for share in &self.shares {
            if sorted(self.device.heads(&share.ticket)?) != share.expected {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// A prepared workload: the office's data directory and the devices, offline with their work.
#[derive(Debug)]
pub struct Workload {
    /// Its size.
    pub size: Size,
    /// fieldledger's data directory, holding the tickets as assigned.
    pub data: PathBuf,
    /// Each ticket as the office holds it before the run.
    pub documents: BTreeMap<TicketId, Vec<u8>>,
    /// The devices.
    pub clients: Vec<Client>,
}

impl Workload {
    /// Makes the workload of `size` from `seed` in `dir`: the office's tickets, stored by a
    /// fieldledger server in `dir/fieldledger`, and each device's offline work.
    pub fn prepare(size: Size, seed: u64, dir: &Path) -> Result<Workload, Failure> {
        if size.clients < 2 || !size.docs_per_client.is_multiple_of(2) || size.changes_per_doc < 1 {
            return Err(format!("size {} cannot be shared in pairs", size.name).into());
        }
        let data = dir.join("fieldledger");
        let technicians = office(&data, size, seed)?;
        let server = ServerProcess::start(&data, free_port()?)?;
        let offline: Vec<Result<Offline, Failure>> = std::thread::scope(|s| {
            let handles: Vec<_> = technicians
                .into_iter()
                .enumerate()
                .map(|(n, technician)| {
                    let url = &server.url;
                    let rng = Seeded::new(seed ^ (n as u64 + 1).wrapping_mul(0x9E37_79B9));
                    s.spawn(move || go_offline(technician, url, size, rng))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err("a device panicked".into())))
                .collect()
        });
        drop(server);
        let mut clients = Vec::with_capacity(size.clients);
        let mut documents = BTreeMap::new();
        for result in offline {
            let (client, bases) = result?;
            documents.extend(bases);
            clients.push(client);
        }
        expect_heads(&mut clients, &documents)?;
        Ok(Workload {
            size,
            data,
            documents,
            clients,
        })
    }

    /// Writes the files the peer's server and clients read into `dir`.
    pub fn write_files(&self, dir: &Path) -> Result<(), Failure> {
        std::fs::create_dir_all(dir)?;
        let mut docs = std::io::BufWriter::new(std::fs::File::create(dir.join("docs.bin"))?);
        for (id, bytes) in &self.documents {
            frame(&mut docs, &document_id(id)?)?;
            frame(&mut docs, bytes)?;
        }
        docs.flush()?;
        for (n, client) in self.clients.iter().enumerate() {
            let file = std::fs::File::create(dir.join(format!("client-{n}.bin")))?;
            let mut out = std::io::BufWriter::new(file);
            for share in &client.shares {
                frame(&mut out, &document_id(&share.ticket)?)?;
                frame(&mut out, &share.changes)?;
                let heads: Vec<u8> = share.expected.iter().flat_map(|h| h.0).collect();
                frame(&mut out, &heads)?;
            }
            out.flush()?;
        }
        Ok(())
    }
}

fn frame(out: &mut impl Write, bytes: &[u8]) -> Result<(), Failure> {
    let length = u32::try_from(bytes.len())?;
    out.write_all(&length.to_le_bytes())?;
    out.write_all(bytes)?;
    Ok(())
}

/// The 16 bytes of a workload ticket's id (32 hex digits), which the peer uses as the
/// automerge-repo document id.
fn document_id(id: &TicketId) -> Result<[u8; 16], Failure> {
    Ok(u128::from_str_radix(id.as_str(), 16)?.to_be_bytes())
}

fn sorted(mut heads: Vec<ChangeHash>) -> Vec<ChangeHash> {
    heads.sort();
    heads
}

/// The two clients that ticket `n` is assigned to. Ticket `n` goes to client `n mod clients`
/// and to another one further on by an offset that changes every round of `clients` tickets, so
/// that every client holds the same number of tickets and shares them with many others.
fn holders(n: usize, clients: usize) -> (usize, usize) {
    let first = n % clients;
    let round = n / clients;
    (first, (first + 1 + round % (clients - 1)) % clients)
}

/// Makes the office in `data`: the desk, one technician per client, and the tickets, each
/// registered and sent to its two technicians on a travel task order.
fn office(data: &Path, size: Size, seed: u64) -> Result<Vec<Enrolled>, Failure> {
    let state = fieldledger_tests::backend::open_state(data, quiet_settings())?;
    let technicians = technicians::enrol(&state, "tech.c", size.clients)?;
    let desk = kit::add_user(&state, "desk.wang", Role::ServiceDesk)?;
    let author = Author::new(desk.id.clone(), Role::ServiceDesk);
    let mut rng = Seeded::new(seed);
    let total = size.tickets();
    let mut n = 0;
    while n < total {
        let batch = (n..(n + 500).min(total))
            .map(|n| {
                let (a, b) = holders(n, size.clients);
                let assignees = vec![technicians[a].user.clone(), technicians[b].user.clone()];
                Ok(NewTicket {
                    ticket: assigned(n, &author, assignees, &mut rng)?,
                    ledger_number: None,
                    import_key: None,
                })
            })
            .collect::<Result<Vec<_>, Failure>>()?;
        n += batch.len();
        state.engine.store_new(&desk, batch)?;
    }
    Ok(technicians)
}

/// Ticket `n`: a complaint registered at the desk and sent to `assignees`.
pub(super) fn assigned(
    n: usize,
    desk: &Author,
    assignees: Vec<UserId>,
    rng: &mut Seeded,
) -> Result<Ticket, Failure> {
    let id: TicketId = format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64()).parse()?;
    let at = REGISTERED + n as i64 * 60_000;
    let mut registration = complaint(&format!("Customer {}", rng.below(5_000)));
    registration.job_number = format!("J{n:07}");
    let mut ticket = Ticket::register(id, ActorId::random(), desk, Timestamp(at), &registration)?;
    let order = NewTravelOrder {
        number: format!("CC-2026-{n:05}"),
        kind: OrderKind::OnSiteService,
        issuing_department: Department::TechnicalService,
        assignees,
    };
    ticket.apply(
        desk,
        Timestamp(at + 600_000),
        &Operation::IssueTravelOrder(order),
    )?;
    Ok(ticket)
}

/// A device with its offline work, and each of its tickets as it was before that work.
type Offline = (Client, Vec<(TicketId, Vec<u8>)>);

/// One device: takes its tickets from the office at `url`, then records its offline work.
/// Returns the device and each ticket as it was before that work.
fn go_offline(
    technician: Enrolled,
    url: &str,
    size: Size,
    mut rng: Seeded,
) -> Result<Offline, Failure> {
    let device = MemoryDevice::new(Author::new(technician.user.clone(), Role::Technician));
    let transport = HttpTransport::new(&Enrolment {
        server_url: url.to_owned(),
        token: technician.token.clone(),
    });
    exchange(&device, &transport)?;
    let tickets = device.tickets();
    if tickets.len() != size.docs_per_client {
        return Err(format!(
            "{} received {} tickets, not {}",
            technician.user,
            tickets.len(),
            size.docs_per_client
        )
        .into());
    }
    let mut shares = Vec::with_capacity(tickets.len());
    let mut bases = Vec::with_capacity(tickets.len());
    for ticket in tickets {
        let heads = device.heads(&ticket)?;
        bases.push((ticket.clone(), device.save(&ticket)?));
        visit(&device, &ticket, size.changes_per_doc, &mut rng)?;
        shares.push(Share {
            changes: device.changes_since(&ticket, &heads)?,
            ticket,
            expected: Vec::new(),
        });
    }
    let client = Client {
        technician,
        device,
        shares,
    };
    Ok((client, bases))
}

/// A site visit of `changes` changes on `ticket`: arrival, then work-log steps.
fn visit(
    device: &MemoryDevice,
    ticket: &TicketId,
    changes: usize,
    rng: &mut Seeded,
) -> Result<(), Failure> {
    let visit = arrive(device, ticket, rng)?;
    for step in 1..changes {
        log_step(device, ticket, &visit, step, rng)?;
    }
    Ok(())
}

/// The technician arrives on site for `ticket`; returns the visit.
pub(super) fn arrive(
    device: &MemoryDevice,
    ticket: &TicketId,
    rng: &mut Seeded,
) -> Result<EntryId, Failure> {
    let arrive = kit::arrive(format!(
        "Substation {}, switchgear bay {}",
        rng.below(90),
        1 + rng.below(12)
    ));
    Ok(device
        .record(ticket, &arrive)?
        .entry
        .ok_or("arriving started no visit")?)
}

/// Step `step` of `visit` in the work log of `ticket`: a commissioning step with its
/// measurements or a repair note.
pub(super) fn log_step(
    device: &MemoryDevice,
    ticket: &TicketId,
    visit: &EntryId,
    step: usize,
    rng: &mut Seeded,
) -> Result<(), Failure> {
    let work = if rng.chance(50) {
        Work::Step {
            description: format!(
                "Step {step}: cleaned the main contacts and measured again after {} operations",
                1 + rng.below(20)
            ),
            measurements: vec![
                Measurement {
                    quantity: "insulation resistance A-PE".into(),
                    value: 1_000.0 + rng.below(9_000) as f64,
                    unit: "MΩ".into(),
                },
                Measurement {
                    quantity: "contact resistance phase B".into(),
                    value: 20.0 + rng.below(30) as f64,
                    unit: "µΩ".into(),
                },
            ],
        }
    } else {
        Work::Repair {
            description: format!(
                "Step {step}: replaced the auxiliary switch of the closing coil; trip tested {} \
                times",
                1 + rng.below(5)
            ),
        }
    };
    let op = Operation::LogWork {
        visit_id: visit.clone(),
        work,
    };
    device.record(ticket, &op)?;
    Ok(())
}

/// Fills in every share's expected heads: the ticket as the office held it, with the changes of
/// both its clients.
fn expect_heads(
    clients: &mut [Client],
    documents: &BTreeMap<TicketId, Vec<u8>>,
) -> Result<(), Failure> {
    let mut merged: BTreeMap<TicketId, Ticket> = BTreeMap::new();
    for share in clients.iter().flat_map(|c| &c.shares) {
        if !merged.contains_key(&share.ticket) {
            let base = documents
                .get(&share.ticket)
                .ok_or("a ticket without its document")?;
            let ticket = Ticket::load(share.ticket.clone(), base, ActorId::random())?;
            merged.insert(share.ticket.clone(), ticket);
        }
        if let Some(ticket) = merged.get_mut(&share.ticket) {
            ticket.merge_changes(&share.changes)?;
        }
    }
    for share in clients.iter_mut().flat_map(|c| &mut c.shares) {
        let ticket = merged
            .get(&share.ticket)
            .ok_or("a ticket without its document")?;
        share.expected = sorted(ticket.heads());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::holders;

    #[test]
    fn every_client_holds_the_same_number_of_tickets_each_shared_with_another() {
        let (clients, per_client) = (10, 50);
        let mut held = vec![0; clients];
        for n in 0..clients * per_client / 2 {
            let (a, b) = holders(n, clients);
            assert_ne!(a, b);
            held[a] += 1;
            held[b] += 1;
        }
        assert!(held.iter().all(|&h| h == per_client), "{held:?}");
    }
}
