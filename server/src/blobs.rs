//! Photos and signatures on the server, named by SHA-256, uploaded in pieces that can resume
//! where a broken connection left off, verified before they count.
//!
//! Where their bytes live depends on the database, behind one trait, [`BlobStore`]:
//! - with SQLite, files in the data directory ([`BlobFolder`]), next to the database file;
//! - with PostgreSQL, the database itself (`crate::storage::postgres::PostgresBlobStore`), so
//!   that any number of servers share them: a device may send part of a photo to one server and
//!   the rest to another, and every server serves it whole. Keeping them in the database rather
//!   than on a file system every server mounts leaves one thing to run and to back up, and lets
//!   the database's transactions keep an upload's pieces, its device's quota and the sweep of
//!   expired uploads consistent between servers.
//!
//! The rules are the same on both, and written once here: a piece is taken only at the offset
//! where the upload stands ([`check_piece`]), within the blob's size and its device's quota of
//! unfinished uploads; the whole is verified against its hash before it counts; unfinished
//! uploads expire [`PARTIAL_LIFETIME_MS`] after their last piece; only complete blobs are read.

use std::fs::{self, OpenOptions};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fieldledger_core::blob::check_sha256;
use fieldledger_core::{Clock, DeviceId, Timestamp};
use sha2::{Digest, Sha256};

use crate::error::{Code, Error};

/// The largest blob accepted, in bytes.
pub const MAX_BLOB: u64 = 64 * 1024 * 1024;

/// Bytes of unfinished uploads one device may hold, by default: four of the largest blobs.
pub const PARTIAL_QUOTA: u64 = 4 * MAX_BLOB;

/// Where an upload stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct UploadState {
    /// Bytes received so far.
    pub offset: u64,
    /// Whether the blob is complete and verified.
    pub complete: bool,
}

/// How long an unfinished upload waits for its next piece before it is deleted.
pub const PARTIAL_LIFETIME_MS: i64 = 7 * 24 * 3_600_000;

/// How often unfinished uploads are looked over for expired ones.
const SWEEP_EVERY_MS: i64 = 3_600_000;

/// Where blobs and unfinished uploads are kept (see the module's documentation).
pub trait BlobStore: Send + Sync + std::fmt::Debug {
    /// Where `device`'s upload of `sha256` stands. A blob is complete for a device only once
    /// that device has sent all of it: a device cannot learn by asking which photos others
    /// have stored, and proving it holds the content is the only way to hear that the server
    /// does too.
    fn state(&self, device: &DeviceId, sha256: &str) -> Result<UploadState, Error>;

    /// Appends `bytes` at `offset` of `device`'s upload of the blob `sha256` of `total` bytes;
    /// when the last piece arrives the content is verified against its hash (and the upload
    /// deleted when it is wrong). Returns the new state.
    fn put(
        &self,
        device: &DeviceId,
        sha256: &str,
        offset: u64,
        total: u64,
        bytes: &[u8],
    ) -> Result<UploadState, Error>;

    /// The content of a complete blob.
    fn read(&self, sha256: &str) -> Result<Vec<u8>, Error>;
}

/// `sha256` refused in words unless it is a SHA-256 in lower-case hex.
pub(crate) fn check(sha256: &str) -> Result<(), Error> {
    check_sha256(sha256).map_err(|e| Error::new(Code::BadHash, e.to_string()))
}

/// Where a piece of `len` bytes at `offset` of a blob of `total` bytes ends, when it may be
/// added to an upload standing at `state` whose device holds `held` bytes of unfinished
/// uploads, at most `quota`; refused in words otherwise.
pub(crate) fn check_piece(
    state: UploadState,
    offset: u64,
    total: u64,
    len: u64,
    held: u64,
    quota: u64,
) -> Result<u64, Error> {
    if total > MAX_BLOB {
        return Err(Error::new(
            Code::TooLarge,
            format!("a blob may have at most {MAX_BLOB} bytes"),
        ));
    }
    if offset != state.offset {
        return Err(Error::new(
            Code::WrongOffset,
            format!(
                "the server holds {} bytes of this blob; send from there",
                state.offset
            ),
        ));
    }
    let end = offset + len;
    if end > total {
        return Err(Error::new(
            Code::TooLong,
            "the piece goes beyond the blob's total size",
        ));
    }
    if held + len > quota {
        return Err(Error::new(
            Code::QuotaExceeded,
            format!(
                "this device holds unfinished uploads of {quota} bytes or more; finish them, or \
                 wait a week for them to expire"
            ),
        ));
    }
    Ok(end)
}

/// The refusal of an upload whose content does not have the hash it was sent under.
pub(crate) fn hash_mismatch() -> Error {
    Error::new(
        Code::HashMismatch,
        "the content does not have the SHA-256 it was sent under; send it again",
    )
}

/// When unfinished uploads were last looked over for expired ones, so that a server looks at
/// most once every [`SWEEP_EVERY_MS`].
#[derive(Debug, Default)]
pub(crate) struct SweepPace {
    swept_at: Mutex<Option<Timestamp>>,
}

impl SweepPace {
    /// Whether it is time to look over the uploads at `now`; if so, the look is counted as made.
    pub(crate) fn due(&self, now: Timestamp) -> bool {
        let mut swept_at = self.swept_at.lock().unwrap_or_else(|p| p.into_inner());
        if swept_at.is_some_and(|at| now.millis() - at.millis() < SWEEP_EVERY_MS) {
            return false;
        }
        *swept_at = Some(now);
        true
    }
}

/// The blob folder, for a server on SQLite. Uploads are written one at a time, so that two
/// devices sending the same photo never interleave their pieces. Each device's unfinished
/// uploads lie in a folder of its own under `.partial/`, held to a quota and deleted a week
/// after their last piece, so that no device can fill the disk; `.holders/` marks which device
/// sent which blob whole.
pub struct BlobFolder {
    dir: PathBuf,
    writing: Mutex<()>,
    clock: Arc<dyn Clock>,
    quota: u64,
    sweeps: SweepPace,
}

impl std::fmt::Debug for BlobFolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobFolder")
            .field("dir", &self.dir)
            .field("quota", &self.quota)
            .finish_non_exhaustive()
    }
}

/// The time `at` as the file system keeps it.
fn system_time(at: Timestamp) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(at.millis()).unwrap_or(0))
}

impl BlobFolder {
    /// The blob folder at `dir`, with `quota` bytes of unfinished uploads per device, its time
    /// from `clock`.
    pub fn open(dir: PathBuf, clock: Arc<dyn Clock>, quota: u64) -> Result<Self, Error> {
        crate::private_files::create_dir(&dir.join(".partial"))?;
        Ok(Self {
            dir,
            writing: Mutex::new(()),
            clock,
            quota,
            sweeps: SweepPace::default(),
        })
    }

    fn complete_path(&self, sha256: &str) -> PathBuf {
        self.dir.join(sha256)
    }

    fn partials(&self, device: &DeviceId) -> PathBuf {
        self.dir.join(".partial").join(device.as_str())
    }

    fn partial_path(&self, device: &DeviceId, sha256: &str) -> PathBuf {
        self.partials(device).join(sha256)
    }

    /// Deletes the unfinished uploads that had no piece for [`PARTIAL_LIFETIME_MS`], at most
    /// once every hour.
    fn sweep(&self) -> Result<(), Error> {
        let now = self.clock.now();
        if !self.sweeps.due(now) {
            return Ok(());
        }
        let expired = system_time(Timestamp(now.millis() - PARTIAL_LIFETIME_MS));
        for device in fs::read_dir(self.dir.join(".partial"))? {
            let device = device?.path();
            if !device.is_dir() {
                continue;
            }
            for upload in fs::read_dir(&device)? {
                let upload = upload?;
                if upload.metadata()?.modified()? < expired {
                    fs::remove_file(upload.path())?;
                }
            }
            if fs::read_dir(&device)?.next().is_none() {
                fs::remove_dir(&device)?;
            }
        }
        Ok(())
    }

    /// Bytes of unfinished uploads `device` holds.
    fn held_by(&self, device: &DeviceId) -> Result<u64, Error> {
        let Ok(uploads) = fs::read_dir(self.partials(device)) else {
            return Ok(0);
        };
        let mut held = 0;
        for upload in uploads {
            held += upload?.metadata()?.len();
        }
        Ok(held)
    }

    /// The mark that `device` uploaded the whole of blob `sha256`.
    fn holder_path(&self, device: &DeviceId, sha256: &str) -> PathBuf {
        self.dir.join(".holders").join(device.as_str()).join(sha256)
    }

    /// Every device and the blobs it uploaded whole, as `(device, sha256)`: for moving the
    /// installation to another database.
    pub fn holders(&self) -> Result<Vec<(String, String)>, Error> {
        let mut held = Vec::new();
        let Ok(devices) = fs::read_dir(self.dir.join(".holders")) else {
            return Ok(held);
        };
        for device in devices {
            let device = device?;
            for blob in fs::read_dir(device.path())? {
                let name = |e: &fs::DirEntry| e.file_name().to_string_lossy().into_owned();
                held.push((name(&device), name(&blob?)));
            }
        }
        held.sort();
        Ok(held)
    }
}

impl BlobStore for BlobFolder {
    fn state(&self, device: &DeviceId, sha256: &str) -> Result<UploadState, Error> {
        check(sha256)?;
        self.sweep()?;
        if self.complete_path(sha256).is_file() && self.holder_path(device, sha256).is_file() {
            let offset = fs::metadata(self.complete_path(sha256))?.len();
            return Ok(UploadState {
                offset,
                complete: true,
            });
        }
        let offset = fs::metadata(self.partial_path(device, sha256))
            .map(|m| m.len())
            .unwrap_or(0);
        Ok(UploadState {
            offset,
            complete: false,
        })
    }

    fn put(
        &self,
        device: &DeviceId,
        sha256: &str,
        offset: u64,
        total: u64,
        bytes: &[u8],
    ) -> Result<UploadState, Error> {
        let _writing = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        let state = self.state(device, sha256)?;
        if state.complete {
            return Ok(state);
        }
        let len = bytes.len() as u64;
        let held = self.held_by(device)?;
        let end = check_piece(state, offset, total, len, held, self.quota)?;
        crate::private_files::create_dir(&self.partials(device))?;
        let partial = self.partial_path(device, sha256);
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&partial)?;
        file.write_all(bytes)?;
        // The last piece's time, by the server's clock, is what the sweep judges.
        file.set_modified(system_time(self.clock.now()))?;
        file.sync_all()?;
        if end < total {
            return Ok(UploadState {
                offset: end,
                complete: false,
            });
        }
        let mut hasher = Sha256::new();
        let mut reader = fs::File::open(&partial)?;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = reader.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        if hex::encode(hasher.finalize()) != sha256 {
            fs::remove_file(&partial)?;
            return Err(hash_mismatch());
        }
        if self.complete_path(sha256).is_file() {
            fs::remove_file(&partial)?;
        } else {
            fs::rename(&partial, self.complete_path(sha256))?;
        }
        let holder = self.holder_path(device, sha256);
        if let Some(folder) = holder.parent() {
            crate::private_files::create_dir(folder)?;
        }
        crate::private_files::create_file(&holder)?;
        Ok(UploadState {
            offset: end,
            complete: true,
        })
    }

    fn read(&self, sha256: &str) -> Result<Vec<u8>, Error> {
        check(sha256)?;
        fs::read(self.complete_path(sha256))
            .map_err(|_| Error::not_found(format!("no blob {sha256}")))
    }
}

/// The rules, as tests that every kind of [`BlobStore`] passes. Each is given two stores that
/// share their blobs (two servers), with [`contract::QUOTA`] bytes of unfinished uploads per
/// device, and the clock they read.
#[cfg(test)]
pub(crate) mod contract {
    use super::*;
    use crate::error::Code;
    use crate::testing::ManualClock;

    /// The quota of unfinished uploads the stores are given.
    pub(crate) const QUOTA: u64 = 100;

    /// A blob of `len` bytes made of `seed`, and its hash.
    fn blob(seed: u8, len: usize) -> (Vec<u8>, String) {
        let bytes: Vec<u8> = (0..len).map(|i| seed.wrapping_add(i as u8)).collect();
        let sha256 = hex::encode(Sha256::digest(&bytes));
        (bytes, sha256)
    }

    fn device() -> DeviceId {
        fieldledger_core::IdSource::random().device()
    }

    fn code<T: std::fmt::Debug>(result: Result<T, Error>) -> Code {
        result.expect_err("refused").code()
    }

    pub(crate) fn a_blob_sent_half_to_one_server_and_half_to_another_is_served_whole_by_both(
        a: &dyn BlobStore,
        b: &dyn BlobStore,
    ) {
        let (bytes, sha256) = blob(7, 60);
        let phone = device();
        let half = a
            .put(&phone, &sha256, 0, 60, &bytes[..30])
            .expect("a piece");
        assert_eq!(
            half,
            UploadState {
                offset: 30,
                complete: false
            }
        );
        assert_eq!(b.state(&phone, &sha256).expect("state"), half);
        assert_eq!(code(b.read(&sha256)), Code::NotFound);
        assert_eq!(
            code(b.put(&phone, &sha256, 0, 60, &bytes[..30])),
            Code::WrongOffset
        );
        let whole = b
            .put(&phone, &sha256, 30, 60, &bytes[30..])
            .expect("the rest");
        assert_eq!(
            whole,
            UploadState {
                offset: 60,
                complete: true
            }
        );
        assert_eq!(a.read(&sha256).expect("served"), bytes);
        assert_eq!(b.read(&sha256).expect("served"), bytes);
        assert_eq!(a.state(&phone, &sha256).expect("state"), whole);
        // Another device hears of the blob only by sending it whole itself.
        let other = device();
        let unknown = UploadState {
            offset: 0,
            complete: false,
        };
        assert_eq!(a.state(&other, &sha256).expect("state"), unknown);
        assert_eq!(b.put(&other, &sha256, 0, 60, &bytes).expect("whole"), whole);
        assert_eq!(a.read(&sha256).expect("served"), bytes);
    }

    pub(crate) fn a_wrong_hash_is_refused_and_nothing_kept(a: &dyn BlobStore, b: &dyn BlobStore) {
        let (bytes, _) = blob(1, 60);
        let (_, other_hash) = blob(2, 60);
        let phone = device();
        a.put(&phone, &other_hash, 0, 60, &bytes[..40])
            .expect("a piece");
        let last = b.put(&phone, &other_hash, 40, 60, &bytes[40..]);
        assert_eq!(code(last), Code::HashMismatch);
        let state = a.state(&phone, &other_hash).expect("state");
        assert_eq!(
            state,
            UploadState {
                offset: 0,
                complete: false
            }
        );
        assert_eq!(code(a.read(&other_hash)), Code::NotFound);
        assert_eq!(code(b.read(&other_hash)), Code::NotFound);
        // Nothing of it counts against the device's quota.
        let (big, big_hash) = blob(3, QUOTA as usize);
        assert!(
            b.put(&phone, &big_hash, 0, QUOTA, &big)
                .is_ok_and(|s| s.complete)
        );
    }

    pub(crate) fn a_device_is_held_to_its_quota_of_unfinished_uploads(
        a: &dyn BlobStore,
        b: &dyn BlobStore,
    ) {
        let (first, first_hash) = blob(4, 200);
        let (second, second_hash) = blob(5, 200);
        let phone = device();
        a.put(&phone, &first_hash, 0, 200, &first[..80])
            .expect("a piece");
        let over = b.put(&phone, &second_hash, 0, 200, &second[..30]);
        assert_eq!(code(over), Code::QuotaExceeded);
        assert!(b.put(&phone, &second_hash, 0, 200, &second[..20]).is_ok());
        // Another device has a quota of its own.
        let other = device();
        assert!(b.put(&other, &second_hash, 0, 200, &second[..80]).is_ok());
        assert_eq!(
            code(b.put(&phone, &first_hash, 0, 300, &first)),
            Code::WrongOffset
        );
        let too_large = a.put(&phone, &first_hash, 80, MAX_BLOB + 1, &first[80..]);
        assert_eq!(code(too_large), Code::TooLarge);
    }

    pub(crate) fn unfinished_uploads_expire_a_week_after_their_last_piece(
        a: &dyn BlobStore,
        b: &dyn BlobStore,
        clock: &ManualClock,
    ) {
        const DAY: i64 = 24 * 3_600_000;
        let (bytes, sha256) = blob(6, 200);
        let phone = device();
        a.put(&phone, &sha256, 0, 200, &bytes[..80])
            .expect("a piece");
        clock.advance(6 * DAY);
        a.put(&phone, &sha256, 80, 200, &bytes[80..90])
            .expect("a piece");
        clock.advance(2 * DAY);
        assert_eq!(b.state(&phone, &sha256).expect("state").offset, 90);
        clock.advance(5 * DAY + 1);
        let gone = UploadState {
            offset: 0,
            complete: false,
        };
        assert_eq!(b.state(&phone, &sha256).expect("state"), gone);
        assert_eq!(a.state(&phone, &sha256).expect("state"), gone);
        // Its bytes no longer count against the quota.
        let (other, other_hash) = blob(8, 200);
        assert!(
            a.put(&phone, &other_hash, 0, 200, &other[..QUOTA as usize])
                .is_ok()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::ManualClock;

    /// Two blob folders on one directory, as two servers would be, and their clock.
    fn folders() -> (tempfile::TempDir, BlobFolder, BlobFolder, Arc<ManualClock>) {
        let dir = tempfile::tempdir().expect("dir");
        let clock = Arc::new(ManualClock::default());
        let open = || {
            BlobFolder::open(dir.path().join("blobs"), clock.clone(), contract::QUOTA)
                .expect("a blob folder")
        };
        let (a, b) = (open(), open());
        (dir, a, b, clock)
    }

    #[test]
    fn a_blob_sent_half_to_one_folder_and_half_to_another_is_served_whole_by_both() {
        let (_dir, a, b, _) = folders();
        contract::a_blob_sent_half_to_one_server_and_half_to_another_is_served_whole_by_both(
            &a, &b,
        );
    }

    #[test]
    fn a_wrong_hash_is_refused_and_nothing_kept() {
        let (_dir, a, b, _) = folders();
        contract::a_wrong_hash_is_refused_and_nothing_kept(&a, &b);
    }

    #[test]
    fn a_device_is_held_to_its_quota_of_unfinished_uploads() {
        let (_dir, a, b, _) = folders();
        contract::a_device_is_held_to_its_quota_of_unfinished_uploads(&a, &b);
    }

    #[test]
    fn unfinished_uploads_expire_a_week_after_their_last_piece() {
        let (_dir, a, b, clock) = folders();
        contract::unfinished_uploads_expire_a_week_after_their_last_piece(&a, &b, &clock);
    }
}
