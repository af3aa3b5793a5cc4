//! Documents, the change feed, device copies and access in PostgreSQL. A document is a snapshot
//! plus the changes received since, each a row of `changes` with its bytes; compaction writes a
//! new snapshot and clears the bytes of the changes it folded, keeping their rows (when and from
//! whom each arrived).
//!
//! Text is ordered `COLLATE "C"`, byte by byte, as SQLite orders it, whatever the database's
//! collation.

use std::collections::BTreeMap;

use automerge::{ActorId, ChangeHash, sync};
use fieldledger_core::store::documents::{decode_heads, encode_heads};
use fieldledger_core::{DeviceId, Ticket, TicketId, Timestamp, UserId};
use postgres::{IsolationLevel, Row, Transaction};

use super::PostgresStorage;
use super::row::{Named, bigint, corrupt};
use crate::error::Error;
use crate::ledger::LedgerRow;
use crate::storage::{DeviceDoc, DeviceDocWrite, DocBytes, DocWrite, Documents, FeedPage, Result};

const SELECT_TICKET_IDS: &str = "SELECT ticket_id FROM documents ORDER BY ticket_id COLLATE \"C\"";

/// Locks the document rows of the tickets `$1`, in the order of their ids, so that servers
/// writing the same tickets take their locks in the same order (and never deadlock on them).
const LOCK_DOCUMENTS: &str = "SELECT ticket_id, heads FROM documents
    WHERE ticket_id = ANY($1) ORDER BY ticket_id FOR UPDATE";
/// Stores a new document, unless another server stored the ticket meanwhile.
const INSERT_DOCUMENT: &str = "INSERT INTO documents (ticket_id, snapshot, heads)
    VALUES ($1, $2, $3) ON CONFLICT (ticket_id) DO NOTHING";
/// Replaces a document's snapshot (`$2`, at the heads `$3`): it holds every change stored.
const REPLACE_SNAPSHOT: &str = "UPDATE documents
    SET snapshot = $2, heads = $3, chunk_count = 0, chunk_bytes = 0 WHERE ticket_id = $1";
/// Notes one more write of changes (`$3` bytes in all) since the snapshot, and the heads `$2`.
const APPEND_CHANGES: &str = "UPDATE documents SET heads = $2, chunk_count = chunk_count + 1,
    chunk_bytes = chunk_bytes + $3 WHERE ticket_id = $1";
/// Clears the bytes of every change of ticket `$1` stored so far: a new snapshot holds them.
const FOLD_CHANGES: &str = "UPDATE changes SET data = NULL
    WHERE ticket_id = $1 AND data IS NOT NULL";
/// A document: its snapshot, its writes since, and the changes since (their bytes in the order
/// they were received, one after the other). One statement, so that it reads one state of the
/// database, never a snapshot from before a compaction with the changes after it.
const SELECT_DOCUMENT: &str = "SELECT snapshot, chunk_count,
        (SELECT coalesce(string_agg(data, ''::bytea ORDER BY seq), ''::bytea) FROM changes
         WHERE ticket_id = $1 AND data IS NOT NULL) AS changes
    FROM documents WHERE ticket_id = $1";
const SELECT_HEADS: &str = "SELECT heads FROM documents WHERE ticket_id = $1";

/// Notes a write of a document in the feed, at the position after the last; the caller holds
/// the ordered-append lock.
const INSERT_FEED: &str = "INSERT INTO feed (seq, ticket_id, changes, received_at, device_id)
    SELECT coalesce(max(seq), 0) + 1, $1, $2, $3, $4 FROM feed";
const SELECT_FEED_HEAD: &str = "SELECT coalesce(max(seq), 0) AS head FROM feed";
/// Up to `$3` tickets written after the cursor `$1` by another device than `$2`, with their
/// last write.
const SELECT_FEED_ALL: &str = "SELECT ticket_id, max(seq) AS last FROM feed
    WHERE seq > $1 AND device_id IS DISTINCT FROM $2
    GROUP BY ticket_id ORDER BY last LIMIT $3";
/// Like [`SELECT_FEED_ALL`], of the tickets user `$4` may read.
const SELECT_FEED_READABLE: &str = "SELECT f.ticket_id, max(f.seq) AS last FROM feed f
    JOIN access a ON a.ticket_id = f.ticket_id AND a.user_id = $4
    WHERE f.seq > $1 AND f.device_id IS DISTINCT FROM $2
    GROUP BY f.ticket_id ORDER BY last LIMIT $3";
/// The tickets device `$2` holds, that its user `$3` may no longer read, written between the
/// cursors `$1` and `$4`.
const SELECT_FEED_DROPPED: &str = "SELECT d.ticket_id FROM device_docs d
    WHERE d.device_id = $2
      AND NOT EXISTS (SELECT 1 FROM access a WHERE a.ticket_id = d.ticket_id AND a.user_id = $3)
      AND EXISTS (SELECT 1 FROM feed f
                  WHERE f.ticket_id = d.ticket_id AND f.seq > $1 AND f.seq <= $4)
    ORDER BY d.ticket_id COLLATE \"C\"";

/// Notes when, and from whom, the server first received a change, with its bytes (`$6`) until
/// a snapshot holds it (NULL when one does already).
const INSERT_CHANGE: &str = "INSERT INTO changes
    (hash, ticket_id, received_at, user_id, device_id, data) VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (hash) DO NOTHING";
const SELECT_CHANGES_RECEIVED: &str = "SELECT hash, received_at FROM changes WHERE ticket_id = $1";
const SELECT_FIRST_SENDER: &str = "SELECT user_id FROM changes WHERE ticket_id = $1
    ORDER BY received_at, seq LIMIT 1";

const UPSERT_DEVICE_DOC: &str = "INSERT INTO device_docs
    (device_id, ticket_id, sync_state, sent_heads, sent_ack) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (device_id, ticket_id) DO UPDATE SET sync_state = excluded.sync_state,
        sent_heads = excluded.sent_heads, sent_ack = excluded.sent_ack";
const SELECT_DEVICE_DOC: &str = "SELECT sync_state, sent_heads, sent_ack FROM device_docs
    WHERE device_id = $1 AND ticket_id = $2";

const SELECT_ACCESS: &str = "SELECT 1 FROM access WHERE user_id = $1 AND ticket_id = $2";
const DELETE_ASSIGNED_ACCESS: &str = "DELETE FROM access
    WHERE ticket_id = $1 AND reason IN ('assigned', 'sales_rep')";
const INSERT_ASSIGNED_ACCESS: &str = "INSERT INTO access (user_id, ticket_id, reason)
    VALUES ($1, $2, 'assigned') ON CONFLICT DO NOTHING";
const INSERT_CREATOR_ACCESS: &str = "INSERT INTO access (user_id, ticket_id, reason)
    VALUES ($1, $2, 'created') ON CONFLICT DO NOTHING";
const INSERT_ADDRESSED_ACCESS: &str = "INSERT INTO access (user_id, ticket_id, reason)
    VALUES ($1, $2, 'addressed') ON CONFLICT DO NOTHING";
/// The ticket's sales representative reads it, if they are a user of the sales role.
const INSERT_SALES_REP_ACCESS: &str = "INSERT INTO access (user_id, ticket_id, reason)
    SELECT user_id, $2, 'sales_rep' FROM users WHERE user_id = $1 AND role = 'sales'
    ON CONFLICT DO NOTHING";
/// Cuts, at the heads `$2`, the access of everyone assigned to ticket `$1` (or its sales
/// representative); the cuts of those still assigned after the write are dropped again
/// ([`DELETE_RESTORED_CUTS`]).
const INSERT_ACCESS_CUTS: &str = "INSERT INTO access_cuts (user_id, ticket_id, heads)
    SELECT user_id, ticket_id, $2 FROM access WHERE ticket_id = $1
    AND reason IN ('assigned', 'sales_rep')
    ON CONFLICT DO NOTHING";
const DELETE_RESTORED_CUTS: &str = "DELETE FROM access_cuts WHERE ticket_id = $1
    AND user_id IN (SELECT user_id FROM access WHERE ticket_id = $1)";
const SELECT_ACCESS_CUT: &str = "SELECT heads FROM access_cuts
    WHERE user_id = $1 AND ticket_id = $2";

/// The stored heads of the documents a commit writes, as its own writes leave them.
pub(super) type Heads = BTreeMap<TicketId, Vec<ChangeHash>>;

/// Locks the document rows of `ids` (those stored) until the transaction ends, and returns
/// their heads: no other server writes these documents until then.
pub(super) fn lock(tx: &mut Transaction<'_>, ids: &[&str]) -> Result<Heads> {
    tx.query(LOCK_DOCUMENTS, &[&ids])?
        .iter()
        .map(|r| Ok((ticket_id_of(r)?, decode_heads(r.value("heads")?)?)))
        .collect()
}

/// Stores the document of `doc`, refusing it when another server wrote the ticket since the
/// write was staged, and notes its changes as received. `stored` holds the heads of the locked
/// documents ([`lock`]) and follows this write.
pub(super) fn save(tx: &mut Transaction<'_>, doc: &DocWrite, stored: &mut Heads) -> Result<()> {
    check_heads(doc, stored)?;
    let (id, heads) = (doc.ticket_id.as_str(), encode_heads(&doc.heads));
    match &doc.bytes {
        DocBytes::Snapshot(bytes) if doc.new => {
            if tx.execute(INSERT_DOCUMENT, &[&id, bytes, &heads])? == 0 {
                return Err(stale(&doc.ticket_id));
            }
            save_changes(tx, doc, &[])?;
        }
        DocBytes::Snapshot(bytes) => {
            tx.execute(REPLACE_SNAPSHOT, &[&id, bytes, &heads])?;
            fold(tx, &doc.ticket_id)?;
            save_changes(tx, doc, &[])?;
        }
        DocBytes::Changes(changes) => {
            let size: usize = changes.iter().map(Vec::len).sum();
            let size = bigint(size as u64);
            if tx.execute(APPEND_CHANGES, &[&id, &heads, &size])? == 0 {
                return Err(stale(&doc.ticket_id));
            }
            save_changes(tx, doc, changes)?;
        }
    }
    stored.insert(doc.ticket_id.clone(), doc.heads.clone());
    Ok(())
}

/// Clears the bytes of the changes of ticket `id` that the snapshot just written folded.
///
/// Compaction never clears a change it did not fold: the ticket's row has been locked since the
/// transaction began, and under that lock its stored heads were found to be those the snapshot
/// was made on ([`check_heads`]). Every stored change is an ancestor of the stored heads, so the
/// snapshot holds it; and no other server can store a change of the ticket before this
/// transaction ends, since storing one updates the locked row. This write's own changes are
/// stored after, without bytes.
fn fold(tx: &mut Transaction<'_>, id: &TicketId) -> Result<()> {
    tx.execute(FOLD_CHANGES, &[&id.as_str()])?;
    Ok(())
}

/// Notes the changes of `doc` as received, each with its bytes in `bytes` (in the order of
/// [`DocWrite::changes`]; none when a snapshot holds them).
fn save_changes(tx: &mut Transaction<'_>, doc: &DocWrite, bytes: &[Vec<u8>]) -> Result<()> {
    if !bytes.is_empty() && bytes.len() != doc.changes.len() {
        return Err(Error::Internal(format!(
            "a write of ticket {} has {} changes but the bytes of {}",
            doc.ticket_id,
            doc.changes.len(),
            bytes.len()
        )));
    }
    let device = doc.device.as_ref().map(DeviceId::as_str);
    // A change was received when the engine merged it, the time its ledger row (and the
    // hand-off receipt time in it) records too.
    let received = doc.ledger.updated_at.millis();
    for (i, hash) in doc.changes.iter().enumerate() {
        let data: Option<&[u8]> = bytes.get(i).map(Vec::as_slice);
        tx.execute(
            INSERT_CHANGE,
            &[
                &&hash.0[..],
                &doc.ticket_id.as_str(),
                &received,
                &doc.user.as_str(),
                &device,
                &data,
            ],
        )?;
    }
    Ok(())
}

/// Refuses to write `doc` over a document that another server wrote since this one read it:
/// the stored heads (`stored`, read under the row's lock) must be those the write was staged
/// on (none, for a new ticket).
fn check_heads(doc: &DocWrite, stored: &Heads) -> Result<()> {
    let stored = stored.get(&doc.ticket_id).map(Vec::as_slice);
    let staged_on = (!doc.new).then_some(doc.before.as_slice());
    if stored != staged_on {
        return Err(stale(&doc.ticket_id));
    }
    Ok(())
}

/// The error of a write of ticket `id` that another server wrote meanwhile.
fn stale(id: &TicketId) -> Error {
    Error::Stale(format!(
        "ticket {id} was written by another server meanwhile"
    ))
}

/// Notes the writes of documents `writes` (each its ticket, how many changes, and the device
/// whose request wrote it) in the feed at `at`, in order. The caller holds
/// [`super::ORDERED_APPEND_LOCK`].
pub(super) fn save_feed(
    tx: &mut Transaction<'_>,
    writes: &[&DocWrite],
    at: Timestamp,
) -> Result<()> {
    for doc in writes {
        let changes = i32::try_from(doc.changes.len()).unwrap_or(i32::MAX);
        let device = doc.device.as_ref().map(DeviceId::as_str);
        tx.execute(
            INSERT_FEED,
            &[&doc.ticket_id.as_str(), &changes, &at.millis(), &device],
        )?;
    }
    Ok(())
}

/// Stores what the server knows of a device's copy of a document.
pub(super) fn save_device_doc(tx: &mut Transaction<'_>, write: &DeviceDocWrite) -> Result<()> {
    let state = &write.state;
    let mut sync_state = sync::State::new();
    sync_state.shared_heads = state.shared.clone();
    let sent_heads = state.sent.as_ref().map(|(heads, _)| encode_heads(heads));
    let sent_ack = state.sent.as_ref().map(|(_, ack)| bigint(*ack));
    tx.execute(
        UPSERT_DEVICE_DOC,
        &[
            &write.device.as_str(),
            &write.ticket_id.as_str(),
            &sync_state.encode(),
            &sent_heads,
            &sent_ack,
        ],
    )?;
    Ok(())
}

/// Makes who may read a ticket follow its ledger row: its assignees, its creator, the people
/// its hand-offs named and its sales representative (a user of the sales role). When the
/// write that produced the row took users off the ticket, their access is cut at `before`, the
/// ticket's heads just before that write.
pub(super) fn follow_access(
    tx: &mut Transaction<'_>,
    row: &LedgerRow,
    before: Option<&[ChangeHash]>,
) -> Result<()> {
    let id = row.ticket_id.as_str();
    if let Some(before) = before {
        tx.execute(INSERT_ACCESS_CUTS, &[&id, &encode_heads(before)])?;
    }
    tx.execute(DELETE_ASSIGNED_ACCESS, &[&id])?;
    for user in &row.assignees {
        tx.execute(INSERT_ASSIGNED_ACCESS, &[&user.as_str(), &id])?;
    }
    if let Some(creator) = &row.created_by {
        tx.execute(INSERT_CREATOR_ACCESS, &[&creator.as_str(), &id])?;
    }
    for person in &row.addressed {
        tx.execute(INSERT_ADDRESSED_ACCESS, &[&person.as_str(), &id])?;
    }
    if let Some(rep) = &row.sales_rep {
        tx.execute(INSERT_SALES_REP_ACCESS, &[&rep.as_str(), &id])?;
    }
    tx.execute(DELETE_RESTORED_CUTS, &[&id])?;
    Ok(())
}

/// A device's copy from a row of [`SELECT_DEVICE_DOC`].
fn device_doc_of(row: &Row) -> Result<DeviceDoc> {
    let shared = sync::State::decode(row.value("sync_state")?)
        .map_err(|_| corrupt("sync_state"))?
        .shared_heads;
    let sent_heads: Option<&[u8]> = row.value("sent_heads")?;
    let sent_ack: Option<i64> = row.value("sent_ack")?;
    let sent = match (sent_heads, sent_ack) {
        (Some(heads), Some(ack)) => {
            let ack = u64::try_from(ack).map_err(|_| corrupt("sent_ack"))?;
            Some((decode_heads(heads)?, ack))
        }
        _ => None,
    };
    Ok(DeviceDoc { shared, sent })
}

/// A change and when it was received, from a row of [`SELECT_CHANGES_RECEIVED`].
fn received_of(row: &Row) -> Result<(ChangeHash, Timestamp)> {
    let hash = ChangeHash::try_from(row.value::<&[u8]>("hash")?).map_err(|_| corrupt("hash"))?;
    Ok((hash, row.timestamp("received_at")?))
}

/// A ticket id from a row's `ticket_id`.
fn ticket_id_of(row: &Row) -> Result<TicketId> {
    row.parsed("ticket_id")
}

/// The tickets of `device`'s feed after `cursor` that `user` may read (all, when `None`), each
/// with its last write, up to `limit` and one more (to tell whether more follow).
fn feed_tickets(
    c: &mut Transaction<'_>,
    device: &DeviceId,
    user: Option<&UserId>,
    cursor: u64,
    limit: usize,
) -> Result<Vec<(TicketId, u64)>> {
    let (cursor, most) = (bigint(cursor), bigint(limit as u64).saturating_add(1));
    let rows = match user {
        None => c.query(SELECT_FEED_ALL, &[&cursor, &device.as_str(), &most])?,
        Some(user) => c.query(
            SELECT_FEED_READABLE,
            &[&cursor, &device.as_str(), &most, &user.as_str()],
        )?,
    };
    rows.iter()
        .map(|r| Ok((ticket_id_of(r)?, r.unsigned("last")?)))
        .collect()
}

impl Documents for PostgresStorage {
    fn load_ticket(&self, id: &TicketId, actor: &ActorId) -> Result<Option<(Ticket, u32)>> {
        let Some(row) = self.read(|c| Ok(c.query_opt(SELECT_DOCUMENT, &[&id.as_str()])?))? else {
            return Ok(None);
        };
        let mut ticket = Ticket::load(id.clone(), row.value("snapshot")?, actor.clone())?;
        let changes: &[u8] = row.value("changes")?;
        if !changes.is_empty() {
            ticket.merge_changes(changes)?;
        }
        let writes =
            u32::try_from(row.value::<i32>("chunk_count")?).map_err(|_| corrupt("chunk_count"))?;
        Ok(Some((ticket, writes)))
    }

    fn ticket_ids(&self) -> Result<Vec<TicketId>> {
        self.read(|c| {
            c.query(SELECT_TICKET_IDS, &[])?
                .iter()
                .map(ticket_id_of)
                .collect()
        })
    }

    fn stored_heads(&self, id: &TicketId) -> Result<Option<Vec<ChangeHash>>> {
        self.read(|c| {
            c.query_opt(SELECT_HEADS, &[&id.as_str()])?
                .map(|r| Ok(decode_heads(r.value("heads")?)?))
                .transpose()
        })
    }

    fn received_at(&self, id: &TicketId) -> Result<BTreeMap<ChangeHash, Timestamp>> {
        self.read(|c| {
            c.query(SELECT_CHANGES_RECEIVED, &[&id.as_str()])?
                .iter()
                .map(received_of)
                .collect()
        })
    }

    fn first_sender(&self, id: &TicketId) -> Result<Option<UserId>> {
        self.read(|c| {
            c.query_opt(SELECT_FIRST_SENDER, &[&id.as_str()])?
                .map(|r| r.parsed("user_id"))
                .transpose()
        })
    }

    fn device_doc(&self, device: &DeviceId, id: &TicketId) -> Result<Option<DeviceDoc>> {
        self.read(|c| {
            c.query_opt(SELECT_DEVICE_DOC, &[&device.as_str(), &id.as_str()])?
                .map(|r| device_doc_of(&r))
                .transpose()
        })
    }

    fn has_access(&self, user: &UserId, id: &TicketId) -> Result<bool> {
        self.read(|c| {
            Ok(c.query_opt(SELECT_ACCESS, &[&user.as_str(), &id.as_str()])?
                .is_some())
        })
    }

    fn access_cut(&self, user: &UserId, id: &TicketId) -> Result<Option<Vec<ChangeHash>>> {
        self.read(|c| {
            c.query_opt(SELECT_ACCESS_CUT, &[&user.as_str(), &id.as_str()])?
                .map(|r| Ok(decode_heads(r.value("heads")?)?))
                .transpose()
        })
    }

    fn feed(
        &self,
        device: &DeviceId,
        user: &UserId,
        everything: bool,
        cursor: u64,
        limit: usize,
    ) -> Result<FeedPage> {
        self.read(|client| {
            // One view of the feed, so that the page and its cursor agree.
            let mut c = client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            let head = c.query_one(SELECT_FEED_HEAD, &[])?.unsigned("head")?;
            if head <= cursor {
                return Ok(FeedPage {
                    cursor: head.max(cursor),
                    ..FeedPage::default()
                });
            }
            let readable_by = (!everything).then_some(user);
            let mut tickets = feed_tickets(&mut c, device, readable_by, cursor, limit)?;
            let more = tickets.len() > limit;
            tickets.truncate(limit);
            let new_cursor = if more {
                tickets.last().map_or(cursor, |(_, seq)| *seq)
            } else {
                head
            };
            let dropped = match readable_by {
                None => Vec::new(),
                Some(user) => c
                    .query(
                        SELECT_FEED_DROPPED,
                        &[
                            &bigint(cursor),
                            &device.as_str(),
                            &user.as_str(),
                            &bigint(new_cursor),
                        ],
                    )?
                    .iter()
                    .map(ticket_id_of)
                    .collect::<Result<_>>()?,
            };
            c.commit()?;
            Ok(FeedPage {
                tickets,
                dropped,
                cursor: new_cursor,
                more,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use fieldledger_core::Role;

    use super::super::commit::tests::{Staged, batch, postgres, sqlite, user};
    use super::*;
    use crate::storage::{Accounts, Batch, Commits, Device, User};

    const INSERT_USER: &str = "INSERT INTO users (user_id, name, role, actor_id, created_at)
        VALUES ($1, $1, $2, $3, 0)";
    const INSERT_DEVICE: &str = "INSERT INTO devices
        (device_id, user_id, label, token_hash, enrolled_at) VALUES ($1, $2, 'phone', $3, 0)";

    /// Gives `user` (of `role`) a device on both storages.
    fn enrol(
        pg: &PostgresStorage,
        lite: &dyn Accounts,
        name: &str,
        role: Role,
    ) -> (UserId, DeviceId) {
        let (id, device) = (user(name), DeviceId::random());
        let (actor, token) = (ActorId::random(), rand::random::<[u8; 32]>());
        pg.write(|tx| {
            tx.execute(INSERT_USER, &[&name, &role.as_str(), &actor.to_bytes()])?;
            tx.execute(INSERT_DEVICE, &[&device.as_str(), &name, &&token[..]])?;
            Ok(())
        })
        .expect("a user on PostgreSQL");
        lite.add_user(&User {
            id: id.clone(),
            name: name.into(),
            role,
            actor: Some(actor),
            created_at: Timestamp(0),
        })
        .expect("a user on SQLite");
        let enrolled = Device {
            id: device.clone(),
            user: id.clone(),
            label: "phone".into(),
            enrolled_at: Timestamp(0),
            revoked_at: None,
        };
        lite.add_device(&enrolled, &token)
            .expect("a device on SQLite");
        (id, device)
    }

    #[test]
    fn the_feed_lists_what_sqlite_lists_with_access_and_dropped_tickets() {
        let (pg, (_dir, lite)) = (postgres(), sqlite());
        let (desk, desk_phone) = enrol(&pg, &lite, "desk.wang", Role::ServiceDesk);
        let (tech, tech_phone) = enrol(&pg, &lite, "tech.li", Role::Technician);
        let (mut a, a0) = Staged::register("Alpha", 1_000, Some(desk_phone.clone()));
        let (mut b, mut b0) = Staged::register("Beta", 1_100, None);
        let (_, mut c0) = Staged::register("Gamma", 1_200, None);
        b0.ledger.assignees = vec![tech.clone()];
        c0.ledger.assignees = vec![tech.clone()];
        let holds = |doc: &DocWrite| DeviceDocWrite {
            device: tech_phone.clone(),
            ticket_id: doc.ticket_id.clone(),
            state: DeviceDoc {
                shared: doc.heads.clone(),
                sent: Some((doc.heads.clone(), 7)),
            },
        };
        let held = Batch {
            device_docs: vec![holds(&b0), holds(&c0)],
            ..Batch::default()
        };
        let b_id = b0.ticket_id.clone();
        let b_heads = b0.heads.clone();
        // Beta is taken off the technician, and Alpha written again from the desk's phone.
        let b1 = b.hand_off(1_300, false);
        let a1 = a.hand_off(1_400, false);
        let commits = [
            vec![batch(vec![a0, b0, c0]), held],
            vec![batch(vec![b1])],
            vec![batch(vec![a1])],
        ];
        for (n, batches) in commits.iter().enumerate() {
            let at = Timestamp(2_000 + n as i64);
            pg.commit(batches, at).expect("a commit on PostgreSQL");
            lite.commit(batches, at).expect("a commit on SQLite");
        }
        let both = [&pg as &dyn Documents, &lite];
        let asks = [
            (&desk_phone, &desk, false, 0, 10),
            (&desk_phone, &desk, false, 0, 1),
            (&desk_phone, &desk, false, 2, 1),
            (&tech_phone, &tech, false, 0, 10),
            (&tech_phone, &tech, false, 1, 10),
            (&tech_phone, &tech, true, 0, 2),
            (&tech_phone, &tech, false, 5, 10),
            (&tech_phone, &tech, false, 9, 10),
        ];
        for (device, user, everything, cursor, limit) in asks {
            let [on_pg, on_lite] = both.map(|s| {
                s.feed(device, user, everything, cursor, limit)
                    .expect("a feed")
            });
            assert_eq!(on_pg, on_lite, "{user} after {cursor}");
        }
        let tech_feed = pg.feed(&tech_phone, &tech, false, 0, 10).expect("a feed");
        assert_eq!(tech_feed.dropped, vec![b_id.clone()]);
        assert_eq!(tech_feed.tickets.len(), 1, "Gamma alone");
        for s in both {
            assert!(!s.has_access(&tech, &b_id).expect("access"));
            assert!(s.has_access(&desk, &b_id).expect("access"));
            assert_eq!(
                s.access_cut(&tech, &b_id).expect("a cut"),
                Some(b_heads.clone())
            );
            let copy = s.device_doc(&tech_phone, &b_id).expect("a copy");
            assert_eq!(copy.and_then(|c| c.sent), Some((b_heads.clone(), 7)));
        }
        let [on_pg, on_lite] = both.map(|s| s.ticket_ids().expect("ids"));
        assert_eq!(on_pg, on_lite);
    }
}
