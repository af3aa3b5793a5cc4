//! Photos and signatures on the server: files named by SHA-256 in the data directory, uploaded
//! in pieces that can resume where a broken connection left off, verified before they count.

use std::fs::{self, OpenOptions};
use std::io::{Read, Write};
use std::path::PathBuf;

use axum::http::StatusCode;
use fieldledger_core::blob::check_sha256;
use sha2::{Digest, Sha256};

use crate::error::ServerError;

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

/// The blob folder. Uploads are written one at a time, so that two devices sending the same
/// photo never interleave their pieces.
#[derive(Debug)]
pub struct BlobStore {
    dir: PathBuf,
    writing: std::sync::Mutex<()>,
}

fn check(sha256: &str) -> Result<(), ServerError> {
    check_sha256(sha256).map_err(|e| ServerError::bad_request("bad_hash", e.to_string()))
}

impl BlobStore {
    /// The blob folder at `dir`.
    pub fn open(dir: PathBuf) -> Result<Self, ServerError> {
        crate::private_files::create_dir(&dir.join(".partial"))?;
        Ok(Self {
            dir,
            writing: std::sync::Mutex::new(()),
        })
    }

    fn complete_path(&self, sha256: &str) -> PathBuf {
        self.dir.join(sha256)
    }

    fn partial_path(&self, sha256: &str) -> PathBuf {
        self.dir.join(".partial").join(sha256)
    }

    /// Where the upload of `sha256` stands.
    pub fn state(&self, sha256: &str) -> Result<UploadState, ServerError> {
        check(sha256)?;
        if self.complete_path(sha256).is_file() {
            let offset = fs::metadata(self.complete_path(sha256))?.len();
            return Ok(UploadState {
                offset,
                complete: true,
            });
        }
        let offset = fs::metadata(self.partial_path(sha256))
            .map(|m| m.len())
            .unwrap_or(0);
        Ok(UploadState {
            offset,
            complete: false,
        })
    }

    /// Appends `bytes` at `offset` of the blob `sha256` of `total` bytes; when the last piece
    /// arrives the content is verified against its hash. Returns the new state.
    pub fn put(
        &self,
        sha256: &str,
        offset: u64,
        total: u64,
        bytes: &[u8],
    ) -> Result<UploadState, ServerError> {
        let _writing = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        let state = self.state(sha256)?;
        if state.complete {
            return Ok(state);
        }
        if total > MAX_BLOB {
            return Err(ServerError::refused(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("a blob may have at most {MAX_BLOB} bytes"),
            ));
        }
        if offset != state.offset {
            return Err(ServerError::refused(
                StatusCode::CONFLICT,
                "wrong_offset",
                format!(
                    "the server holds {} bytes of this blob; send from there",
                    state.offset
                ),
            ));
        }
        let end = offset + bytes.len() as u64;
        if end > total {
            return Err(ServerError::bad_request(
                "too_long",
                "the piece goes beyond the blob's total size",
            ));
        }
        let partial = self.partial_path(sha256);
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&partial)?;
        file.write_all(bytes)?;
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
            return Err(ServerError::bad_request(
                "hash_mismatch",
                "the content does not have the SHA-256 it was sent under; send it again",
            ));
        }
        fs::rename(&partial, self.complete_path(sha256))?;
        Ok(UploadState {
            offset: end,
            complete: true,
        })
    }

    /// The content of a complete blob.
    pub fn read(&self, sha256: &str) -> Result<Vec<u8>, ServerError> {
        check(sha256)?;
        fs::read(self.complete_path(sha256))
            .map_err(|_| ServerError::not_found(format!("no blob {sha256}")))
    }
}
