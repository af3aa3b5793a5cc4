//! Documents, the change feed, device copies and access in SQLite. The documents themselves are
//! kept as the device store keeps them, by [`fieldledger_core::store::documents`].

use std::collections::BTreeMap;

use automerge::{ActorId, ChangeHash, sync};
use fieldledger_core::store::documents;
use fieldledger_core::{DeviceId, Ticket, TicketId, Timestamp, UserId};
use rusqlite::{Connection, Transaction, params};

use super::SqliteStorage;
use super::row::{NamedRow, all, corrupt, first, one, some};
use crate::error::Error;
use crate::ledger::LedgerRow;
use crate::storage::{DeviceDoc, DeviceDocWrite, DocBytes, DocWrite, Documents, FeedPage, Result};

const SELECT_TICKET_IDS: &str = "SELECT ticket_id FROM documents ORDER BY ticket_id";

/// Notes a write of a document in the feed, with the device whose request wrote it.
const INSERT_FEED: &str = "INSERT INTO feed (ticket_id, changes, received_at, device_id)
    VALUES (?1, ?2, ?3, ?4)";
const SELECT_FEED_HEAD: &str = "SELECT coalesce(max(seq), 0) AS head FROM feed";
/// Every ticket written after the cursor `?1` by another device than `?2`, with its last write.
/// NOT INDEXED: walk the rows after the cursor by their key, so that the cost follows what
/// changed, not the length of the feed.
const SELECT_FEED_ALL: &str = "SELECT ticket_id, max(seq) AS last FROM feed NOT INDEXED
    WHERE seq > ?1 AND device_id IS NOT ?2
    GROUP BY ticket_id ORDER BY last";
/// Like [`SELECT_FEED_ALL`], of the tickets user `?3` may read.
const SELECT_FEED_READABLE: &str = "SELECT f.ticket_id, max(f.seq) AS last FROM feed f
    JOIN access a ON a.ticket_id = f.ticket_id AND a.user_id = ?3
    WHERE f.seq > ?1 AND f.device_id IS NOT ?2 GROUP BY f.ticket_id ORDER BY last";
/// The tickets device `?2` holds, that its user `?3` may no longer read, written between the
/// cursors `?1` and `?4`.
const SELECT_FEED_DROPPED: &str = "SELECT d.ticket_id FROM device_docs d
    WHERE d.device_id = ?2
      AND NOT EXISTS (SELECT 1 FROM access a WHERE a.ticket_id = d.ticket_id AND a.user_id = ?3)
      AND EXISTS (SELECT 1 FROM feed f
                  WHERE f.ticket_id = d.ticket_id AND f.seq > ?1 AND f.seq <= ?4)";

/// Notes when, and from whom, the server first received a change.
const INSERT_CHANGE: &str = "INSERT OR IGNORE INTO changes
    (hash, ticket_id, received_at, user_id, device_id) VALUES (?1, ?2, ?3, ?4, ?5)";
const SELECT_CHANGES_RECEIVED: &str = "SELECT hash, received_at FROM changes WHERE ticket_id = ?1";
const SELECT_FIRST_SENDER: &str = "SELECT user_id FROM changes WHERE ticket_id = ?1
    ORDER BY received_at LIMIT 1";

const UPSERT_DEVICE_DOC: &str = "INSERT INTO device_docs
    (device_id, ticket_id, sync_state, sent_heads, sent_ack) VALUES (?1, ?2, ?3, ?4, ?5)
    ON CONFLICT (device_id, ticket_id) DO UPDATE SET sync_state = excluded.sync_state,
        sent_heads = excluded.sent_heads, sent_ack = excluded.sent_ack";
const SELECT_DEVICE_DOC: &str = "SELECT sync_state, sent_heads, sent_ack FROM device_docs
    WHERE device_id = ?1 AND ticket_id = ?2";

const SELECT_ACCESS: &str = "SELECT 1 FROM access WHERE user_id = ?1 AND ticket_id = ?2";
const DELETE_ASSIGNED_ACCESS: &str = "DELETE FROM access
    WHERE ticket_id = ?1 AND reason IN ('assigned', 'sales_rep')";
const INSERT_ASSIGNED_ACCESS: &str = "INSERT OR IGNORE INTO access (user_id, ticket_id, reason)
    VALUES (?1, ?2, 'assigned')";
const INSERT_CREATOR_ACCESS: &str = "INSERT OR IGNORE INTO access (user_id, ticket_id, reason)
    VALUES (?1, ?2, 'created')";
const INSERT_ADDRESSED_ACCESS: &str = "INSERT OR IGNORE INTO access (user_id, ticket_id, reason)
    VALUES (?1, ?2, 'addressed')";
/// The ticket's sales representative reads it, if they are a user of the sales role.
const INSERT_SALES_REP_ACCESS: &str = "INSERT OR IGNORE INTO access (user_id, ticket_id, reason)
    SELECT user_id, ?2, 'sales_rep' FROM users WHERE user_id = ?1 AND role = 'sales'";
/// Cuts, at the heads `?2`, the access of everyone assigned to ticket `?1` (or its sales
/// representative); the cuts of those still assigned after the write are dropped again
/// ([`DELETE_RESTORED_CUTS`]).
const INSERT_ACCESS_CUTS: &str = "INSERT OR IGNORE INTO access_cuts (user_id, ticket_id, heads)
    SELECT user_id, ticket_id, ?2 FROM access WHERE ticket_id = ?1
    AND reason IN ('assigned', 'sales_rep')";
const DELETE_RESTORED_CUTS: &str = "DELETE FROM access_cuts WHERE ticket_id = ?1
    AND user_id IN (SELECT user_id FROM access WHERE ticket_id = ?1)";
const SELECT_ACCESS_CUT: &str = "SELECT heads FROM access_cuts
    WHERE user_id = ?1 AND ticket_id = ?2";

/// Stores the document of `doc`, refusing it when another server wrote the ticket since the
/// write was staged, and notes the write in the feed and its changes as received at `at`.
pub(super) fn save(tx: &Transaction<'_>, doc: &DocWrite, at: Timestamp) -> Result<()> {
    check_heads(tx, doc)?;
    let (id, heads) = (&doc.ticket_id, &doc.heads);
    match (&doc.bytes, doc.new) {
        (DocBytes::Snapshot(bytes), true) => documents::insert_bytes(tx, id, bytes, heads)?,
        (DocBytes::Snapshot(bytes), false) => documents::replace_snapshot(tx, id, bytes, heads)?,
        (DocBytes::Changes(changes), _) => {
            documents::append_chunk(tx, id, &changes.concat(), heads)?
        }
    }
    let device = doc.device.as_ref().map(DeviceId::as_str);
    tx.prepare_cached(INSERT_FEED)?.execute(params![
        id.as_str(),
        doc.changes.len(),
        at.millis(),
        device
    ])?;
    // A change was received when the engine merged it, the time its ledger row (and the
    // hand-off receipt time in it) records too.
    let received = doc.ledger.updated_at.millis();
    for hash in &doc.changes {
        tx.prepare_cached(INSERT_CHANGE)?.execute(params![
            &hash.0[..],
            id.as_str(),
            received,
            doc.user.as_str(),
            device
        ])?;
    }
    Ok(())
}

/// Refuses to write `doc` over a document that another server wrote since this one read it:
/// the stored heads must be those the write was staged on (none, for a new ticket).
fn check_heads(tx: &Transaction<'_>, doc: &DocWrite) -> Result<()> {
    let stored = documents::heads(tx, &doc.ticket_id)?;
    let staged_on = (!doc.new).then_some(doc.before.as_slice());
    if stored.as_deref() != staged_on {
        return Err(Error::Stale(format!(
            "ticket {} was written by another server meanwhile",
            doc.ticket_id
        )));
    }
    Ok(())
}

/// Stores what the server knows of a device's copy of a document.
pub(super) fn save_device_doc(tx: &Transaction<'_>, write: &DeviceDocWrite) -> Result<()> {
    let state = &write.state;
    let mut sync_state = sync::State::new();
    sync_state.shared_heads = state.shared.clone();
    tx.prepare_cached(UPSERT_DEVICE_DOC)?.execute(params![
        write.device.as_str(),
        write.ticket_id.as_str(),
        sync_state.encode(),
        state
            .sent
            .as_ref()
            .map(|(heads, _)| documents::encode_heads(heads)),
        state.sent.as_ref().map(|(_, ack)| *ack),
    ])?;
    Ok(())
}

/// Makes who may read a ticket follow its ledger row: its assignees, its creator, the people
/// its hand-offs named and its sales representative (a user of the sales role). When the
/// write that produced the row took users off the ticket, their access is cut at `before`, the
/// ticket's heads just before that write.
pub(super) fn follow_access(
    tx: &Transaction<'_>,
    row: &LedgerRow,
    before: Option<&[ChangeHash]>,
) -> Result<()> {
    let id = row.ticket_id.as_str();
    if let Some(before) = before {
        tx.prepare_cached(INSERT_ACCESS_CUTS)?
            .execute(params![id, documents::encode_heads(before)])?;
    }
    tx.prepare_cached(DELETE_ASSIGNED_ACCESS)?.execute([id])?;
    for user in &row.assignees {
        tx.prepare_cached(INSERT_ASSIGNED_ACCESS)?
            .execute(params![user.as_str(), id])?;
    }
    if let Some(creator) = &row.created_by {
        tx.prepare_cached(INSERT_CREATOR_ACCESS)?
            .execute(params![creator.as_str(), id])?;
    }
    for person in &row.addressed {
        tx.prepare_cached(INSERT_ADDRESSED_ACCESS)?
            .execute(params![person.as_str(), id])?;
    }
    if let Some(rep) = &row.sales_rep {
        tx.prepare_cached(INSERT_SALES_REP_ACCESS)?
            .execute(params![rep.as_str(), id])?;
    }
    tx.prepare_cached(DELETE_RESTORED_CUTS)?.execute([id])?;
    Ok(())
}

/// A device's copy from a row of [`SELECT_DEVICE_DOC`].
fn device_doc_of(row: &NamedRow<'_>) -> Result<DeviceDoc> {
    let state: Vec<u8> = row.get("sync_state")?;
    let shared = sync::State::decode(&state)
        .map_err(|_| corrupt("sync_state"))?
        .shared_heads;
    let sent_heads: Option<Vec<u8>> = row.get("sent_heads")?;
    let sent_ack: Option<u64> = row.get("sent_ack")?;
    let sent = match (sent_heads, sent_ack) {
        (Some(heads), Some(ack)) => Some((documents::decode_heads(&heads)?, ack)),
        _ => None,
    };
    Ok(DeviceDoc { shared, sent })
}

/// A change and when it was received, from a row of [`SELECT_CHANGES_RECEIVED`].
fn received_of(row: &NamedRow<'_>) -> Result<(ChangeHash, Timestamp)> {
    let hash: Vec<u8> = row.get("hash")?;
    let hash = ChangeHash::try_from(&hash[..]).map_err(|_| corrupt("change hash"))?;
    Ok((hash, row.timestamp("received_at")?))
}

/// A ticket id from a row's `ticket_id`.
fn ticket_id_of(row: &NamedRow<'_>) -> Result<TicketId> {
    row.parsed("ticket_id")
}

/// The tickets of `device`'s feed after `cursor` that `user` may read (all, when `None`), each
/// with its last write, up to `limit` and one more (to tell whether more follow). The grouped
/// rows are all computed before the first is returned, so the page is cut here rather than by
/// a LIMIT.
fn feed_tickets(
    c: &Connection,
    device: &DeviceId,
    user: Option<&UserId>,
    cursor: u64,
    limit: usize,
) -> Result<Vec<(TicketId, u64)>> {
    let read = |r: &NamedRow<'_>| Ok((ticket_id_of(r)?, r.get("last")?));
    let most = limit + 1;
    match user {
        None => some(
            c,
            SELECT_FEED_ALL,
            params![cursor, device.as_str()],
            most,
            read,
        ),
        Some(user) => {
            let args = params![cursor, device.as_str(), user.as_str()];
            some(c, SELECT_FEED_READABLE, args, most, read)
        }
    }
}

impl Documents for SqliteStorage {
    fn load_ticket(&self, id: &TicketId, actor: &ActorId) -> Result<Option<(Ticket, u32)>> {
        self.read(|c| match documents::load(c, id, actor) {
            Ok(ticket) => Ok(Some((ticket, documents::chunk_count(c, id)?))),
            Err(fieldledger_core::Error::UnknownTicket(_)) => Ok(None),
            Err(e) => Err(e.into()),
        })
    }

    fn ticket_ids(&self) -> Result<Vec<TicketId>> {
        self.read(|c| all(c, SELECT_TICKET_IDS, [], ticket_id_of))
    }

    fn stored_heads(&self, id: &TicketId) -> Result<Option<Vec<ChangeHash>>> {
        self.read(|c| Ok(documents::heads(c, id)?))
    }

    fn received_at(&self, id: &TicketId) -> Result<BTreeMap<ChangeHash, Timestamp>> {
        self.read(|c| {
            let received = all(c, SELECT_CHANGES_RECEIVED, [id.as_str()], received_of)?;
            Ok(received.into_iter().collect())
        })
    }

    fn first_sender(&self, id: &TicketId) -> Result<Option<UserId>> {
        self.read(|c| {
            first(c, SELECT_FIRST_SENDER, [id.as_str()], |r| {
                r.parsed("user_id")
            })
        })
    }

    fn device_doc(&self, device: &DeviceId, id: &TicketId) -> Result<Option<DeviceDoc>> {
        self.read(|c| {
            first(
                c,
                SELECT_DEVICE_DOC,
                [device.as_str(), id.as_str()],
                device_doc_of,
            )
        })
    }

    fn has_access(&self, user: &UserId, id: &TicketId) -> Result<bool> {
        self.read(|c| {
            Ok(c.prepare_cached(SELECT_ACCESS)?
                .exists([user.as_str(), id.as_str()])?)
        })
    }

    fn access_cut(&self, user: &UserId, id: &TicketId) -> Result<Option<Vec<ChangeHash>>> {
        self.read(|c| {
            first(c, SELECT_ACCESS_CUT, [user.as_str(), id.as_str()], |r| {
                Ok(documents::decode_heads(&r.get::<Vec<u8>>("heads")?)?)
            })
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
        self.read(|c| {
            let head: u64 = one(c, SELECT_FEED_HEAD, [], |r| r.get("head"))?;
            if head <= cursor {
                return Ok(FeedPage {
                    cursor: head.max(cursor),
                    ..FeedPage::default()
                });
            }
            let readable_by = (!everything).then_some(user);
            let mut tickets = feed_tickets(c, device, readable_by, cursor, limit)?;
            let more = tickets.len() > limit;
            tickets.truncate(limit);
            let new_cursor = if more {
                tickets.last().map_or(cursor, |(_, seq)| *seq)
            } else {
                head
            };
            let dropped = match readable_by {
                None => Vec::new(),
                Some(user) => all(
                    c,
                    SELECT_FEED_DROPPED,
                    params![cursor, device.as_str(), user.as_str(), new_cursor],
                    ticket_id_of,
                )?,
            };
            Ok(FeedPage {
                tickets,
                dropped,
                cursor: new_cursor,
                more,
            })
        })
    }
}
