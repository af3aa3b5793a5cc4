//! The bytes of blobs and of unfinished uploads in PostgreSQL, shared by every server: the
//! [`BlobStore`] of a server on PostgreSQL (why the bytes are in the database is said in
//! [`crate::blobs`]).
//!
//! Each piece of an upload is a row of its own, and the upload stands at the sum of their
//! lengths. A device's uploads change under a transaction-level advisory lock of its own, so
//! that pieces sent to two servers at once are taken one after the other, each at the offset
//! the other left, and its quota is counted once; the sweep of expired uploads takes the same
//! lock. The whole is put together and its hash checked by the database, so that a blob
//! crosses the network once.

use std::sync::Arc;

use fieldledger_core::{Clock, DeviceId, Timestamp};
use postgres::{GenericClient, Transaction};

use super::PostgresStorage;
use super::row::{Named, bigint};
use crate::blobs::{
    BlobStore, PARTIAL_LIFETIME_MS, SweepPace, UploadState, check, check_piece, hash_mismatch,
};
use crate::error::Error;
use crate::storage::Result;

/// The class of the advisory locks, one per device, under which its uploads change; the
/// number spells "FLBL". (Locks of two keys never meet those of one, such as
/// [`super::ORDERED_APPEND_LOCK`].)
const DEVICE_LOCK_CLASS: i32 = 0x464C_424C;

/// Takes the lock of device `$2`'s uploads until the transaction ends.
const LOCK_DEVICE_UPLOADS: &str = "SELECT pg_advisory_xact_lock($1, hashtext($2))";
/// Whether device `$1` sent blob `$2` whole, and the blob's size if it is stored.
const SELECT_HELD_BLOB: &str = "SELECT octet_length(b.data)::BIGINT AS size
    FROM blob_holders h JOIN blob_bytes b ON b.sha256 = h.sha256
    WHERE h.device_id = $1 AND h.sha256 = $2";
/// Where device `$1`'s upload of `$2` stands, and the bytes of all its unfinished uploads.
const SELECT_UPLOAD: &str = "SELECT
        coalesce(sum(octet_length(data)) FILTER (WHERE sha256 = $2), 0)::BIGINT AS upload_offset,
        coalesce(sum(octet_length(data)), 0)::BIGINT AS held
    FROM blob_uploads WHERE device_id = $1";
const INSERT_PIECE: &str = "INSERT INTO blob_uploads
    (device_id, sha256, byte_offset, data, received_at) VALUES ($1, $2, $3, $4, $5)";
/// The SHA-256, in hex, of device `$1`'s upload of `$2` put together.
const SELECT_UPLOAD_HASH: &str = "SELECT
        encode(sha256(coalesce(string_agg(data, ''::BYTEA ORDER BY byte_offset), '')), 'hex')
            AS sha256
    FROM blob_uploads WHERE device_id = $1 AND sha256 = $2";
/// Stores device `$1`'s upload of `$2` put together as the blob, unless another device's is.
const INSERT_BLOB_BYTES: &str = "INSERT INTO blob_bytes (sha256, data)
    SELECT $2, coalesce(string_agg(data, ''::BYTEA ORDER BY byte_offset), '')
    FROM blob_uploads WHERE device_id = $1 AND sha256 = $2
    ON CONFLICT DO NOTHING";
const DELETE_UPLOAD: &str = "DELETE FROM blob_uploads WHERE device_id = $1 AND sha256 = $2";
const INSERT_HOLDER: &str = "INSERT INTO blob_holders (device_id, sha256) VALUES ($1, $2)
    ON CONFLICT DO NOTHING";
const SELECT_BLOB_BYTES: &str = "SELECT data FROM blob_bytes WHERE sha256 = $1";

/// The devices with an upload whose last piece came before `$1`.
const SELECT_DEVICES_WITH_EXPIRED: &str = "SELECT DISTINCT device_id FROM (
        SELECT device_id FROM blob_uploads GROUP BY device_id, sha256
        HAVING max(received_at) < $1
    ) AS expired";
/// Deletes device `$1`'s uploads whose last piece came before `$2`.
const DELETE_EXPIRED_UPLOADS: &str = "DELETE FROM blob_uploads WHERE device_id = $1
    AND sha256 IN (SELECT sha256 FROM blob_uploads WHERE device_id = $1
        GROUP BY sha256 HAVING max(received_at) < $2)";

/// Blobs and unfinished uploads in the PostgreSQL database, for any number of servers.
pub struct PostgresBlobStore {
    storage: Arc<PostgresStorage>,
    clock: Arc<dyn Clock>,
    quota: u64,
    sweeps: SweepPace,
}

impl std::fmt::Debug for PostgresBlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresBlobStore")
            .field("storage", &self.storage)
            .finish_non_exhaustive()
    }
}

/// What the last piece of an upload came to.
enum Finished {
    /// The upload is the blob it was sent as.
    Complete,
    /// Its content had another hash; it was deleted.
    Mismatch,
}

/// Takes the lock of `device`'s uploads until `tx` ends.
fn lock_device(tx: &mut Transaction<'_>, device: &str) -> Result<()> {
    tx.execute(LOCK_DEVICE_UPLOADS, &[&DEVICE_LOCK_CLASS, &device])?;
    Ok(())
}

/// Where `device`'s upload of `sha256` stands, and the bytes of its unfinished uploads.
fn standing(c: &mut impl GenericClient, device: &str, sha256: &str) -> Result<(UploadState, u64)> {
    if let Some(row) = c.query_opt(SELECT_HELD_BLOB, &[&device, &sha256])? {
        let state = UploadState {
            offset: row.unsigned("size")?,
            complete: true,
        };
        return Ok((state, 0));
    }
    let row = c.query_one(SELECT_UPLOAD, &[&device, &sha256])?;
    let state = UploadState {
        offset: row.unsigned("upload_offset")?,
        complete: false,
    };
    Ok((state, row.unsigned("held")?))
}

/// Puts `device`'s complete upload of `sha256` together: the blob when its hash is right,
/// nothing otherwise; the upload is deleted either way.
fn finish(tx: &mut Transaction<'_>, device: &str, sha256: &str) -> Result<Finished> {
    let row = tx.query_one(SELECT_UPLOAD_HASH, &[&device, &sha256])?;
    let finished = if row.value::<&str>("sha256")? == sha256 {
        tx.execute(INSERT_BLOB_BYTES, &[&device, &sha256])?;
        tx.execute(INSERT_HOLDER, &[&device, &sha256])?;
        Finished::Complete
    } else {
        Finished::Mismatch
    };
    tx.execute(DELETE_UPLOAD, &[&device, &sha256])?;
    Ok(finished)
}

impl PostgresBlobStore {
    /// The blobs of the database `storage` is connected to, with `quota` bytes of unfinished
    /// uploads per device, the time from `clock`.
    pub fn new(storage: Arc<PostgresStorage>, clock: Arc<dyn Clock>, quota: u64) -> Self {
        Self {
            storage,
            clock,
            quota,
            sweeps: SweepPace::default(),
        }
    }

    /// Deletes the unfinished uploads that had no piece for [`PARTIAL_LIFETIME_MS`], at most
    /// once an hour on each server; each device's under its lock, so that no piece is added
    /// to an upload as it is deleted.
    fn sweep(&self) -> Result<()> {
        let now = self.clock.now();
        if !self.sweeps.due(now) {
            return Ok(());
        }
        let expired = now.millis() - PARTIAL_LIFETIME_MS;
        let devices = self.storage.read(|c| {
            c.query(SELECT_DEVICES_WITH_EXPIRED, &[&expired])?
                .iter()
                .map(|r| r.value::<String>("device_id"))
                .collect::<Result<Vec<_>>>()
        })?;
        for device in devices {
            self.storage.write(|tx| {
                lock_device(tx, &device)?;
                tx.execute(DELETE_EXPIRED_UPLOADS, &[&device, &expired])?;
                Ok(())
            })?;
        }
        Ok(())
    }
}

impl BlobStore for PostgresBlobStore {
    fn state(&self, device: &DeviceId, sha256: &str) -> Result<UploadState, Error> {
        check(sha256)?;
        self.sweep()?;
        let device = device.as_str();
        self.storage.read(|c| Ok(standing(c, device, sha256)?.0))
    }

    fn put(
        &self,
        device: &DeviceId,
        sha256: &str,
        offset: u64,
        total: u64,
        bytes: &[u8],
    ) -> Result<UploadState, Error> {
        check(sha256)?;
        self.sweep()?;
        let device = device.as_str();
        let now: Timestamp = self.clock.now();
        let len = bytes.len() as u64;
        self.storage.write(|tx| {
            lock_device(tx, device)?;
            let (state, held) = standing(tx, device, sha256)?;
            if state.complete {
                return Ok(Ok(state));
            }
            let end = check_piece(state, offset, total, len, held, self.quota)?;
            // An empty piece adds nothing (and its offset may be the next piece's).
            if len > 0 {
                tx.execute(
                    INSERT_PIECE,
                    &[&device, &sha256, &bigint(offset), &bytes, &now.millis()],
                )?;
            }
            let complete = end == total;
            if complete && matches!(finish(tx, device, sha256)?, Finished::Mismatch) {
                // The deletion of the upload is kept; the device hears of the mismatch.
                return Ok(Err(hash_mismatch()));
            }
            Ok(Ok(UploadState {
                offset: end,
                complete,
            }))
        })?
    }

    fn read(&self, sha256: &str) -> Result<Vec<u8>, Error> {
        check(sha256)?;
        self.storage
            .read(|c| {
                c.query_opt(SELECT_BLOB_BYTES, &[&sha256])?
                    .map(|r| r.value("data"))
                    .transpose()
            })?
            .ok_or_else(|| Error::not_found(format!("no blob {sha256}")))
    }
}

#[cfg(test)]
mod tests {
    use fieldledger_core::IdSource;

    use super::*;
    use crate::blobs::contract;
    use crate::storage::postgres::scratch;
    use crate::testing::ManualClock;

    /// Two servers' blob stores on one fresh database, and their clock.
    fn servers() -> (PostgresBlobStore, PostgresBlobStore, Arc<ManualClock>) {
        let url = scratch::fresh().expect("a scratch database");
        let clock = Arc::new(ManualClock::default());
        let open = || {
            let storage = PostgresStorage::open(&url, 4, Timestamp(0), IdSource::random())
                .expect("the database");
            PostgresBlobStore::new(Arc::new(storage), clock.clone(), contract::QUOTA)
        };
        let (a, b) = (open(), open());
        (a, b, clock)
    }

    #[test]
    fn a_blob_sent_half_to_one_server_and_half_to_another_is_served_whole_by_both() {
        let (a, b, _) = servers();
        contract::a_blob_sent_half_to_one_server_and_half_to_another_is_served_whole_by_both(
            &a, &b,
        );
    }

    #[test]
    fn a_wrong_hash_is_refused_and_nothing_kept() {
        let (a, b, _) = servers();
        contract::a_wrong_hash_is_refused_and_nothing_kept(&a, &b);
    }

    #[test]
    fn a_device_is_held_to_its_quota_of_unfinished_uploads() {
        let (a, b, _) = servers();
        contract::a_device_is_held_to_its_quota_of_unfinished_uploads(&a, &b);
    }

    #[test]
    fn unfinished_uploads_expire_a_week_after_their_last_piece() {
        let (a, b, clock) = servers();
        contract::unfinished_uploads_expire_a_week_after_their_last_piece(&a, &b, &clock);
    }

    #[test]
    fn pieces_sent_at_once_to_two_servers_are_taken_once_each() {
        let (a, b, _) = servers();
        let bytes = vec![9u8; 40];
        let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
        let phone = IdSource::random().device();
        let taken = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            for store in [&a, &b, &a, &b] {
                s.spawn(|| {
                    if store.put(&phone, &sha256, 0, 40, &bytes[..20]).is_ok() {
                        taken.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                });
            }
        });
        assert_eq!(taken.into_inner(), 1);
        let whole = b
            .put(&phone, &sha256, 20, 40, &bytes[20..])
            .expect("the rest");
        assert!(whole.complete);
        assert_eq!(a.read(&sha256).expect("served"), bytes);
    }
}
