//! Complete blobs in PostgreSQL: which there are and their sizes. Their bytes, and those of
//! unfinished uploads, are in [`super::blob_store`].

use fieldledger_core::Timestamp;

use super::PostgresStorage;
use super::row::{Named, bigint};
use crate::storage::{Blobs, Result};

/// Records a complete blob unless it is recorded (two devices may send the same photo).
const INSERT_BLOB: &str = "INSERT INTO blobs (sha256, size, received_at) VALUES ($1, $2, $3)
    ON CONFLICT DO NOTHING";
const SELECT_BLOB_SIZE: &str = "SELECT size FROM blobs WHERE sha256 = $1";

impl Blobs for PostgresStorage {
    fn add_blob(&self, sha256: &str, size: u64, at: Timestamp) -> Result<()> {
        self.write(|tx| {
            tx.execute(INSERT_BLOB, &[&sha256, &bigint(size), &at.millis()])?;
            Ok(())
        })
    }

    fn blob_size(&self, sha256: &str) -> Result<Option<u64>> {
        self.read(|c| {
            c.query_opt(SELECT_BLOB_SIZE, &[&sha256])?
                .map(|r| r.unsigned("size"))
                .transpose()
        })
    }
}
