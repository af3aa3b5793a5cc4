//! Photos and signatures on the server: files named by SHA-256 in the data directory, uploaded
//! in pieces that can resume where a broken connection left off, verified before they count.

use std::fs::{self, OpenOptions};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
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

/// The blob folder. Uploads are written one at a time, so that two devices sending the same
/// photo never interleave their pieces. Each device's unfinished uploads lie in a folder of its
/// own under `.partial/`, held to a quota and deleted a week after their last piece, so that no
/// device can fill the disk; `.holders/` marks which device sent which blob whole.
pub struct BlobStore {
    dir: PathBuf,
    writing: std::sync::Mutex<()>,
    clock: Arc<dyn Clock>,
    quota: u64,
    swept_at: std::sync::Mutex<Option<Timestamp>>,
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobStore")
            .field("dir", &self.dir)
            .field("quota", &self.quota)
            .finish_non_exhaustive()
    }
}

fn check(sha256: &str) -> Result<(), Error> {
    check_sha256(sha256).map_err(|e| Error::new(Code::BadHash, e.to_string()))
}

/// The time `at` as the file system keeps it.
fn system_time(at: Timestamp) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(at.millis()).unwrap_or(0))
}

impl BlobStore {
    /// The blob folder at `dir`, with `quota` bytes of unfinished uploads per device, its time
    /// from `clock`.
    pub fn open(dir: PathBuf, clock: Arc<dyn Clock>, quota: u64) -> Result<Self, Error> {
        crate::private_files::create_dir(&dir.join(".partial"))?;
        Ok(Self {
            dir,
            writing: std::sync::Mutex::new(()),
            clock,
            quota,
            swept_at: std::sync::Mutex::new(None),
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
        {
            let mut swept_at = self.swept_at.lock().unwrap_or_else(|p| p.into_inner());
            if swept_at.is_some_and(|at| now.millis() - at.millis() < SWEEP_EVERY_MS) {
                return Ok(());
            }
            *swept_at = Some(now);
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

    /// Where `device`'s upload of `sha256` stands. A blob is complete for a device only once
    /// that device has sent all of it: a device cannot learn by asking which photos others
    /// have stored, and proving it holds the content is the only way to hear that the server
    /// does too.
    pub fn state(&self, device: &DeviceId, sha256: &str) -> Result<UploadState, Error> {
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

    /// Appends `bytes` at `offset` of `device`'s upload of the blob `sha256` of `total` bytes;
    /// when the last piece arrives the content is verified against its hash. Returns the new
    /// state.
    pub fn put(
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
        let end = offset + bytes.len() as u64;
        if end > total {
            return Err(Error::new(
                Code::TooLong,
                "the piece goes beyond the blob's total size",
            ));
        }
        if self.held_by(device)? + bytes.len() as u64 > self.quota {
            return Err(Error::new(
                Code::QuotaExceeded,
                format!(
                    "this device holds unfinished uploads of {} bytes or more; finish them, or \
                     wait a week for them to expire",
                    self.quota
                ),
            ));
        }
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
            return Err(Error::new(
                Code::HashMismatch,
                "the content does not have the SHA-256 it was sent under; send it again",
            ));
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

    /// The content of a complete blob.
    pub fn read(&self, sha256: &str) -> Result<Vec<u8>, Error> {
        check(sha256)?;
        fs::read(self.complete_path(sha256))
            .map_err(|_| Error::not_found(format!("no blob {sha256}")))
    }
}
