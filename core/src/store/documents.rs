//! Ticket documents in SQLite: a snapshot plus the chunks of changes appended since, compacted
//! into a new snapshot now and then. The device store keeps its documents in the tables of
//! `documents.sql`; the office server keeps its own in tables of the same layout, which its first
//! migration creates.

use automerge::{ActorId, ChangeHash};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::error::{Error, Result};
use crate::id::TicketId;
use crate::ticket::Ticket;

/// How much space one document takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DocumentSize {
    /// Bytes of the snapshot.
    pub snapshot_bytes: u64,
    /// Bytes of the chunks since the snapshot.
    pub chunk_bytes: u64,
    /// Number of chunks since the snapshot.
    pub chunks: u64,
}

impl DocumentSize {
    /// Snapshot and chunks together.
    pub fn total(&self) -> u64 {
        self.snapshot_bytes + self.chunk_bytes
    }
}

/// Heads as stored: concatenated 32-byte hashes, sorted as automerge returns them.
pub fn encode_heads(heads: &[ChangeHash]) -> Vec<u8> {
    heads.iter().flat_map(|h| h.0).collect()
}

/// Reads stored heads.
pub fn decode_heads(bytes: &[u8]) -> Result<Vec<ChangeHash>> {
    if !bytes.len().is_multiple_of(32) {
        return Err(Error::Corrupt(
            "stored heads are not whole change hashes".into(),
        ));
    }
    bytes
        .chunks(32)
        .map(|c| ChangeHash::try_from(c).map_err(|e| Error::Corrupt(e.to_string())))
        .collect()
}

/// Stores a new document as one snapshot; refuses a ticket that exists already.
pub fn insert(tx: &Transaction<'_>, ticket: &Ticket) -> Result<()> {
    insert_bytes(tx, ticket.id(), &ticket.save(), &ticket.heads())
}

/// Stores a new document from its saved bytes.
pub fn insert_bytes(
    tx: &Transaction<'_>,
    id: &TicketId,
    snapshot: &[u8],
    heads: &[ChangeHash],
) -> Result<()> {
    let inserted = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO documents (ticket_id, snapshot, heads) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![id.as_str(), snapshot, encode_heads(heads)])?;
    if inserted == 0 {
        return Err(Error::DuplicateTicket(id.clone()));
    }
    Ok(())
}

/// Appends the changes `ticket` has beyond `before` as one chunk; once the document has
/// `compact_after` chunks it is rewritten as one snapshot instead.
pub fn append(
    tx: &Transaction<'_>,
    ticket: &Ticket,
    before: &[ChangeHash],
    compact_after: u32,
) -> Result<()> {
    if chunk_count(tx, ticket.id())? + 1 >= compact_after {
        return snapshot(tx, ticket);
    }
    append_chunk(
        tx,
        ticket.id(),
        &ticket.changes_since(before),
        &ticket.heads(),
    )
}

/// How many chunks the document of ticket `id` has since its snapshot.
pub fn chunk_count(conn: &Connection, id: &TicketId) -> Result<u32> {
    conn.prepare_cached("SELECT chunk_count FROM documents WHERE ticket_id = ?1")?
        .query_row([id.as_str()], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::UnknownTicket(id.clone()))
}

/// Appends one chunk of changes (automerge's incremental format) and records the new heads.
pub fn append_chunk(
    tx: &Transaction<'_>,
    id: &TicketId,
    chunk: &[u8],
    heads: &[ChangeHash],
) -> Result<()> {
    let updated = tx
        .prepare_cached(
            "UPDATE documents SET chunk_count = chunk_count + 1, chunk_bytes = chunk_bytes + ?2,
                 next_seq = next_seq + 1, heads = ?3 WHERE ticket_id = ?1 RETURNING next_seq - 1",
        )?
        .query_row(
            params![id.as_str(), chunk.len(), encode_heads(heads)],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
        .ok_or_else(|| Error::UnknownTicket(id.clone()))?;
    tx.prepare_cached("INSERT INTO chunks (ticket_id, seq, data) VALUES (?1, ?2, ?3)")?
        .execute(params![id.as_str(), updated, chunk])?;
    Ok(())
}

/// Rewrites the document as one snapshot.
pub fn snapshot(tx: &Transaction<'_>, ticket: &Ticket) -> Result<()> {
    replace_snapshot(tx, ticket.id(), &ticket.save(), &ticket.heads())
}

/// Replaces the document's snapshot and drops its chunks.
pub fn replace_snapshot(
    tx: &Transaction<'_>,
    id: &TicketId,
    snapshot: &[u8],
    heads: &[ChangeHash],
) -> Result<()> {
    tx.prepare_cached("DELETE FROM chunks WHERE ticket_id = ?1")?
        .execute([id.as_str()])?;
    tx.prepare_cached(
        "UPDATE documents SET snapshot = ?2, chunk_count = 0, chunk_bytes = 0, heads = ?3
         WHERE ticket_id = ?1",
    )?
    .execute(params![id.as_str(), snapshot, encode_heads(heads)])?;
    Ok(())
}

/// Reads the document of ticket `id` (its snapshot and every chunk since), writing as `actor`.
pub fn load(conn: &Connection, id: &TicketId, actor: &ActorId) -> Result<Ticket> {
    let snapshot: Vec<u8> = conn
        .prepare_cached("SELECT snapshot FROM documents WHERE ticket_id = ?1")?
        .query_row([id.as_str()], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::UnknownTicket(id.clone()))?;
    let mut ticket = Ticket::load(id.clone(), &snapshot, actor.clone())?;
    let mut stmt =
        conn.prepare_cached("SELECT data FROM chunks WHERE ticket_id = ?1 ORDER BY seq")?;
    let mut rows = stmt.query([id.as_str()])?;
    let mut chunks = Vec::new();
    while let Some(row) = rows.next()? {
        chunks.extend_from_slice(&row.get::<_, Vec<u8>>(0)?);
    }
    if !chunks.is_empty() {
        ticket.merge_changes(&chunks)?;
    }
    Ok(ticket)
}

/// The stored heads of ticket `id`, if it is stored.
pub fn heads(conn: &Connection, id: &TicketId) -> Result<Option<Vec<ChangeHash>>> {
    conn.prepare_cached("SELECT heads FROM documents WHERE ticket_id = ?1")?
        .query_row([id.as_str()], |r| r.get::<_, Vec<u8>>(0))
        .optional()?
        .map(|h| decode_heads(&h))
        .transpose()
}

/// How much space the document of ticket `id` takes.
pub fn size(conn: &Connection, id: &TicketId) -> Result<DocumentSize> {
    conn.query_row(
        "SELECT length(snapshot), chunk_bytes, chunk_count FROM documents WHERE ticket_id = ?1",
        [id.as_str()],
        |r| {
            Ok(DocumentSize {
                snapshot_bytes: r.get(0)?,
                chunk_bytes: r.get(1)?,
                chunks: r.get(2)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| Error::UnknownTicket(id.clone()))
}

/// Removes the document of ticket `id` and its chunks.
pub fn delete(tx: &Transaction<'_>, id: &TicketId) -> Result<()> {
    tx.execute("DELETE FROM documents WHERE ticket_id = ?1", [id.as_str()])?;
    Ok(())
}
