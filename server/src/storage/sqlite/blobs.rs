//! Complete blobs in SQLite.

use fieldledger_core::Timestamp;
use rusqlite::params;

use super::SqliteStorage;
use super::row::first;
use crate::storage::{Blobs, Result};

const INSERT_BLOB: &str = "INSERT OR IGNORE INTO blobs (sha256, size, received_at)
    VALUES (?1, ?2, ?3)";
const SELECT_BLOB_SIZE: &str = "SELECT size FROM blobs WHERE sha256 = ?1";

impl Blobs for SqliteStorage {
    fn add_blob(&self, sha256: &str, size: u64, at: Timestamp) -> Result<()> {
        self.write(|tx| {
            tx.execute(INSERT_BLOB, params![sha256, size, at.millis()])?;
            Ok(())
        })
    }

    fn blob_size(&self, sha256: &str) -> Result<Option<u64>> {
        self.read(|c| first(c, SELECT_BLOB_SIZE, [sha256], |r| r.get("size")))
    }
}
