//! The blobs (photos, signatures) received whole; their bytes are in the blob store
//! ([`crate::blobs`]).

use fieldledger_core::Timestamp;

use super::Result;

/// Which blobs are complete, and their sizes.
pub trait Blobs {
    /// Records a complete blob.
    fn add_blob(&self, sha256: &str, size: u64, at: Timestamp) -> Result<()>;
    /// The size of a stored blob.
    fn blob_size(&self, sha256: &str) -> Result<Option<u64>>;
}
