//! The device store: one SQLite file per device, with the blob folder beside it.
//!
//! WAL with `synchronous=NORMAL`, one writer connection and one reader, foreign keys on, temp
//! tables in memory. Each document is kept as a snapshot plus the chunks of changes made since,
//! compacted into a new snapshot now and then. Every user action is one SQLite transaction that
//! appends its change and updates the ticket's summary, so after a crash the store holds all of
//! an action or none.

mod blobs;
mod cache;
pub mod documents;
pub mod schema;
pub mod summary;
pub mod sync_state;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use automerge::{ActorId, ChangeHash};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, params};

use self::blobs::BlobFolder;
use self::cache::TicketCache;
pub use self::documents::DocumentSize;
pub use self::summary::TicketSummary;
use crate::author::Author;
use crate::blob::BlobRef;
use crate::error::{Error, Result};
use crate::id::{DeviceId, IdSource, TicketId};
use crate::role::Role;
use crate::section::Section;
use crate::ticket::intake::Registration;
use crate::ticket::{Applied, FieldConflict, HistoryEntry, Operation, Ticket, TicketView};
use crate::time::{Clock, SystemClock, Timestamp};

/// The database file inside a store's folder.
pub const DATABASE_FILE: &str = "fieldledger.db";
/// The blob folder inside a store's folder.
pub const BLOB_FOLDER: &str = "blobs";

/// Makes `conn` keep its prepared statements: more of them than any path uses (rusqlite keeps
/// 16 by default), and with a fixed query plan, since otherwise SQLite (built with STAT4)
/// prepares a statement again each time a parameter used in a range or LIMIT is bound.
pub fn keep_statements(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_prepared_statement_cache_capacity(64);
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(())
}

/// How a store is opened.
#[derive(Clone)]
pub struct StoreOptions {
    /// Where the time of each action comes from.
    pub clock: Arc<dyn Clock>,
    /// A document is compacted into one snapshot once it has this many chunks.
    pub compact_after_chunks: u32,
    /// How many documents are kept loaded in memory.
    pub cached_tickets: usize,
    /// Where the ids of new tickets, and of the device on first open, come from.
    pub ids: IdSource,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            compact_after_chunks: 64,
            cached_tickets: 32,
            ids: IdSource::random(),
        }
    }
}

impl std::fmt::Debug for StoreOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreOptions")
            .field("compact_after_chunks", &self.compact_after_chunks)
            .field("cached_tickets", &self.cached_tickets)
            .field("ids", &self.ids)
            .finish_non_exhaustive()
    }
}

struct Writer {
    conn: Connection,
    cache: TicketCache,
}

/// A technician's device store.
pub struct Store {
    device_id: DeviceId,
    actor: ActorId,
    writer: Mutex<Writer>,
    reader: Mutex<Connection>,
    blobs: BlobFolder,
    options: StoreOptions,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("device_id", &self.device_id)
            .finish_non_exhaustive()
    }
}

/// Turns SQLite's "not a database" and "corrupt" into [`Error::Corrupt`].
fn classify(error: Error) -> Error {
    match &error {
        Error::Storage(rusqlite::Error::SqliteFailure(e, _))
            if matches!(
                e.code,
                rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt
            ) =>
        {
            Error::Corrupt(error.to_string())
        }
        _ => error,
    }
}

impl Store {
    /// Opens (or creates) the store in the folder `dir` with default options.
    pub fn open(dir: impl AsRef<Path>) -> Result<Store> {
        Self::open_with(dir, StoreOptions::default())
    }

    /// Opens (or creates) the store in the folder `dir`.
    pub fn open_with(dir: impl AsRef<Path>, options: StoreOptions) -> Result<Store> {
        Self::open_inner(dir.as_ref(), options).map_err(classify)
    }

    fn open_inner(dir: &Path, options: StoreOptions) -> Result<Store> {
        std::fs::create_dir_all(dir)?;
        let db = dir.join(DATABASE_FILE);
        let mut conn = Connection::open(&db)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        keep_statements(&conn)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // In WAL mode NORMAL never loses or tears a committed transaction when the app is killed;
        // only a power cut may drop the last commits before the next checkpoint. FULL would add
        // an fsync to every action (about half a millisecond here) for that rare case.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "temp_store", 2)?;
        schema::migrate(&mut conn)?;
        let (device_id, actor) = Self::identity(&conn, options.clock.now(), &options.ids)?;
        let reader = Connection::open_with_flags(
            &db,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        reader.busy_timeout(std::time::Duration::from_secs(5))?;
        keep_statements(&reader)?;
        Ok(Store {
            device_id,
            actor,
            writer: Mutex::new(Writer {
                conn,
                cache: TicketCache::new(options.cached_tickets),
            }),
            reader: Mutex::new(reader),
            blobs: BlobFolder::open(dir.join(BLOB_FOLDER))?,
            options,
        })
    }

    /// The device's identity, made on first open.
    fn identity(conn: &Connection, now: Timestamp, ids: &IdSource) -> Result<(DeviceId, ActorId)> {
        let found = conn
            .prepare_cached("SELECT device_id, actor_id FROM device")?
            .query_row([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .optional()?;
        match found {
            Some((device, actor)) => Ok((
                device
                    .parse()
                    .map_err(|_| Error::Corrupt("unreadable device id".into()))?,
                ActorId::from(actor),
            )),
            None => {
                let device = ids.device();
                let actor = ids.actor();
                conn.execute(
                    "INSERT INTO device (singleton, device_id, actor_id, created_at) VALUES (1, \
                    ?1, ?2, ?3)",
                    params![device.as_str(), actor.to_bytes(), now.millis()],
                )?;
                Ok((device, actor))
            }
        }
    }

    /// This device's id.
    pub fn device_id(&self) -> &DeviceId {
        &self.device_id
    }

    /// The automerge actor this device writes as.
    pub fn actor_id(&self) -> &ActorId {
        &self.actor
    }

    fn writer(&self) -> MutexGuard<'_, Writer> {
        self.writer.lock().unwrap_or_else(|poisoned| {
            // A panic mid-write may have left a loaded document ahead of the database.
            let mut w = poisoned.into_inner();
            w.cache.clear();
            w
        })
    }

    fn reader(&self) -> MutexGuard<'_, Connection> {
        self.reader.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` in one write transaction, committed when it returns `Ok`.
    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut w = self.writer();
        let tx = w.conn.transaction()?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// The user who works on this device, once set.
    pub fn user(&self) -> Result<Option<Author>> {
        let row = self
            .reader()
            .prepare_cached("SELECT user_id, role FROM device")?
            .query_row([], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, Option<String>>(1)?,
                ))
            })?;
        match row {
            (Some(user), Some(role)) => Ok(Some(Author::new(
                user.parse()
                    .map_err(|_| Error::Corrupt("unreadable user id".into()))?,
                role.parse::<Role>()
                    .map_err(|_| Error::Corrupt("unreadable role".into()))?,
            ))),
            _ => Ok(None),
        }
    }

    /// Sets the user who works on this device; every later action is theirs.
    pub fn set_user(&self, author: &Author) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE device SET user_id = ?1, role = ?2",
                params![author.user.as_str(), author.role.as_str()],
            )?;
            Ok(())
        })
    }

    fn author(&self) -> Result<Author> {
        self.user()?
            .ok_or_else(|| Error::invalid("user", "no user is set on this device"))
    }

    /// Registers a new ticket as this device's user; returns its id.
    pub fn register(&self, registration: &Registration) -> Result<TicketId> {
        let author = self.author()?;
        let at = self.options.clock.now();
        let id = self.options.ids.ticket();
        let ticket = Ticket::register(id.clone(), self.actor.clone(), &author, at, registration)?;
        let mut w = self.writer();
        let tx = w.conn.transaction()?;
        insert_document(&tx, &ticket, at)?;
        tx.commit()?;
        w.cache.insert(ticket);
        Ok(id)
    }

    /// Records `op` on the ticket `id` as this device's user: one change, one transaction.
    /// Blobs the operation refers to must have been added with [`Store::add_blob`].
    pub fn record(&self, id: &TicketId, op: &Operation) -> Result<Applied> {
        let author = self.author()?;
        let blobs = op_blobs(op);
        for blob in &blobs {
            blob.validate()?;
            if !self.blobs.path(&blob.sha256)?.is_file() {
                return Err(Error::invalid(
                    "file",
                    format!("blob {} has not been added to this store", blob.sha256),
                ));
            }
        }
        let at = self.options.clock.now();
        let mut guard = self.writer();
        let w = &mut *guard;
        let ticket = w.cache.get_or_load(&w.conn, id, &self.actor)?;
        let before = ticket.heads();
        let applied = ticket.apply(&author, at, op)?;
        if applied.change.is_none() {
            return Ok(applied);
        }
        let persisted = (|| -> Result<()> {
            let tx = w.conn.transaction()?;
            append_changes(&tx, ticket, &before, at, self.options.compact_after_chunks)?;
            for blob in &blobs {
                tx.execute(
                    "INSERT OR IGNORE INTO blobs (sha256, mime, size, added_at) VALUES (?1, ?2, \
                    ?3, ?4)",
                    params![blob.sha256, blob.mime, blob.size, at.millis()],
                )?;
            }
            tx.commit()?;
            Ok(())
        })();
        if persisted.is_err() {
            w.cache.remove(id);
        }
        persisted.map(|()| applied)
    }

    /// Copies the file at `path` into the blob folder; the returned reference can then be used
    /// in an operation such as [`Operation::AttachPhoto`].
    pub fn add_blob(&self, path: &Path, mime: &str) -> Result<BlobRef> {
        let (sha256, size) = self.blobs.put_file(path)?;
        let blob = BlobRef {
            sha256,
            mime: mime.to_owned(),
            size,
        };
        blob.validate()?;
        Ok(blob)
    }

    /// Where the blob with this hash is kept, if the store has it.
    pub fn blob_path(&self, sha256: &str) -> Result<Option<PathBuf>> {
        let path = self.blobs.path(sha256)?;
        Ok(path.is_file().then_some(path))
    }

    /// Blobs that tickets refer to and that have not yet been uploaded.
    pub fn pending_blobs(&self) -> Result<Vec<BlobRef>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT sha256, mime, size FROM blobs WHERE uploaded = 0 ORDER BY added_at, sha256",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(BlobRef {
                sha256: r.get(0)?,
                mime: r.get(1)?,
                size: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Runs `f` on the ticket `id`, loading it if needed.
    pub fn read_ticket<T>(&self, id: &TicketId, f: impl FnOnce(&Ticket) -> T) -> Result<T> {
        let mut guard = self.writer();
        let w = &mut *guard;
        let ticket = w.cache.get_or_load(&w.conn, id, &self.actor)?;
        Ok(f(ticket))
    }

    /// The ticket `id` as it is now.
    pub fn view(&self, id: &TicketId) -> Result<TicketView> {
        self.read_ticket(id, Ticket::view)?
    }

    /// The ticket `id` as it was at `heads`.
    pub fn view_at(&self, id: &TicketId, heads: &[ChangeHash]) -> Result<TicketView> {
        self.read_ticket(id, |t| t.view_at(heads))?
    }

    /// The history of the ticket `id`.
    pub fn history(&self, id: &TicketId) -> Result<Vec<HistoryEntry>> {
        self.read_ticket(id, Ticket::history)
    }

    /// The fields of the ticket `id` that hold concurrent values.
    pub fn field_conflicts(&self, id: &TicketId) -> Result<Vec<FieldConflict>> {
        self.read_ticket(id, Ticket::field_conflicts)?
    }

    /// The current heads of the ticket `id`.
    pub fn heads(&self, id: &TicketId) -> Result<Vec<ChangeHash>> {
        self.read_ticket(id, Ticket::heads)
    }

    /// Every ticket on this device, most recently changed first.
    pub fn list(&self) -> Result<Vec<TicketSummary>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {} FROM summaries ORDER BY updated_at DESC, ticket_id",
            summary::COLUMNS
        ))?;
        let rows = stmt.query_map([], summary::from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How much space the document of ticket `id` takes.
    pub fn document_size(&self, id: &TicketId) -> Result<DocumentSize> {
        documents::size(&self.reader(), id)
    }

    /// Rewrites the document of ticket `id` as one snapshot.
    pub fn compact(&self, id: &TicketId) -> Result<()> {
        let mut guard = self.writer();
        let w = &mut *guard;
        let ticket = w.cache.get_or_load(&w.conn, id, &self.actor)?;
        let tx = w.conn.transaction()?;
        documents::snapshot(&tx, ticket)?;
        tx.commit()?;
        Ok(())
    }

    /// Flushes the write-ahead log into the database file and closes the store.
    pub fn close(self) -> Result<()> {
        let w = self.writer.into_inner().unwrap_or_else(|p| p.into_inner());
        w.conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")?;
        drop(self.reader);
        w.conn.close().map_err(|(_, e)| Error::Storage(e))
    }

    pub(crate) fn merge_into_store(&self, id: &TicketId, changes: &[u8]) -> Result<usize> {
        let at = self.options.clock.now();
        let mut guard = self.writer();
        let w = &mut *guard;
        let exists = w.cache.get_or_load(&w.conn, id, &self.actor);
        match exists {
            Ok(ticket) => {
                let before = ticket.heads();
                let merged = ticket.merge_changes(changes)?;
                if ticket.heads() == before {
                    return Ok(0);
                }
                let persisted = (|| -> Result<()> {
                    let tx = w.conn.transaction()?;
                    append_changes(&tx, ticket, &before, at, self.options.compact_after_chunks)?;
                    tx.commit()?;
                    Ok(())
                })();
                if persisted.is_err() {
                    w.cache.remove(id);
                }
                persisted.map(|()| merged)
            }
            Err(Error::UnknownTicket(_)) => {
                let ticket = Ticket::load(id.clone(), changes, self.actor.clone())?;
                let named = ticket.view_sections(&[Section::Meta])?.meta.ticket_id;
                if named.as_ref() != Some(id) {
                    return Err(Error::invalid(
                        "changes",
                        format!("they are not of ticket {id}"),
                    ));
                }
                let merged = ticket.doc().get_heads().len().max(1);
                let tx = w.conn.transaction()?;
                insert_document(&tx, &ticket, at)?;
                tx.commit()?;
                w.cache.insert(ticket);
                Ok(merged)
            }
            Err(e) => Err(e),
        }
    }

    pub(crate) fn all_heads(&self) -> Result<Vec<(TicketId, Vec<ChangeHash>)>> {
        let conn = self.reader();
        let mut stmt =
            conn.prepare_cached("SELECT ticket_id, heads FROM documents ORDER BY ticket_id")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        rows.map(|row| {
            let (id, heads) = row?;
            Ok((
                id.parse()
                    .map_err(|_| Error::Corrupt(format!("unreadable ticket id {id:?}")))?,
                documents::decode_heads(&heads)?,
            ))
        })
        .collect()
    }
}

/// The blobs an operation refers to.
fn op_blobs(op: &Operation) -> Vec<BlobRef> {
    match op {
        Operation::AttachPhoto { blob, .. } => vec![blob.clone()],
        Operation::SignOff(s) => s.signature.iter().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Stores a new document and its summary.
fn insert_document(tx: &Transaction<'_>, ticket: &Ticket, at: Timestamp) -> Result<()> {
    documents::insert(tx, ticket)?;
    summary::save(tx, &TicketSummary::read(ticket, at)?)
}

/// Appends the changes made since `before` and updates the summary.
fn append_changes(
    tx: &Transaction<'_>,
    ticket: &Ticket,
    before: &[ChangeHash],
    at: Timestamp,
    compact_after: u32,
) -> Result<()> {
    documents::append(tx, ticket, before, compact_after)?;
    summary::save(tx, &TicketSummary::read(ticket, at)?)
}

#[cfg(test)]
mod tests;
