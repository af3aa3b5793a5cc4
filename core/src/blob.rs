//! References to files kept beside the documents: photos, signatures. The bytes live in a blob
//! folder addressed by SHA-256; a ticket holds only this reference.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A file that a ticket refers to: its SHA-256 (lowercase hex), media type and size.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BlobRef {
    /// SHA-256 of the content, 64 lowercase hex digits.
    pub sha256: String,
    /// Media type, for example `image/jpeg`.
    pub mime: String,
    /// Size in bytes.
    pub size: u64,
}

impl BlobRef {
    /// Checks that the hash is 64 lowercase hex digits and the media type looks like one.
    pub fn validate(&self) -> Result<()> {
        check_sha256(&self.sha256)?;
        let mime_ok = self.mime.len() <= 100
            && self.mime.split_once('/').is_some_and(|(a, b)| {
                !a.is_empty()
                    && !b.is_empty()
                    && self
                        .mime
                        .bytes()
                        .all(|c| c.is_ascii_alphanumeric() || b"/.+-".contains(&c))
            });
        if mime_ok {
            Ok(())
        } else {
            Err(Error::invalid(
                "media type",
                format!("{:?} is not a media type", self.mime),
            ))
        }
    }
}

/// Checks that `hash` is a SHA-256 in 64 lowercase hex digits.
pub fn check_sha256(hash: &str) -> Result<()> {
    if hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(Error::invalid(
            "sha256",
            format!("{hash:?} is not 64 lowercase hex digits"),
        ))
    }
}
