//! The blob folder beside the database: files named by the SHA-256 of their content, written
//! to a temporary name and renamed so that a crash never leaves a half-written blob.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::blob::check_sha256;
use crate::error::Result;

/// A folder of content-addressed files.
#[derive(Debug)]
pub(crate) struct BlobFolder {
    dir: PathBuf,
}

impl BlobFolder {
    /// The folder at `dir`, created if missing.
    pub(crate) fn open(dir: PathBuf) -> Result<Self> {
        fs::create_dir_all(&dir)?;
        Ok(Self { dir })
    }

    /// Where the blob `sha256` is (or would be) kept.
    pub(crate) fn path(&self, sha256: &str) -> Result<PathBuf> {
        check_sha256(sha256)?;
        Ok(self.dir.join(sha256))
    }

    /// Copies everything `reader` yields into the folder; returns its SHA-256 and size.
    pub(crate) fn put(&self, mut reader: impl Read) -> Result<(String, u64)> {
        let tmp = self
            .dir
            .join(format!(".incoming-{:x}", rand::random::<u64>()));
        let result = (|| -> Result<(String, u64)> {
            let mut file = File::create(&tmp)?;
            let mut hasher = Sha256::new();
            let mut size = 0u64;
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e.into()),
                };
                hasher.update(&buf[..n]);
                file.write_all(&buf[..n])?;
                size += n as u64;
            }
            file.sync_all()?;
            let sha = hex::encode(hasher.finalize());
            fs::rename(&tmp, self.dir.join(&sha))?;
            Ok((sha, size))
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    /// Copies the file at `path` into the folder.
    pub(crate) fn put_file(&self, path: &Path) -> Result<(String, u64)> {
        self.put(File::open(path)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_are_named_by_their_hash_and_stored_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = BlobFolder::open(dir.path().join("blobs")).expect("open");
        let (sha, size) = folder.put(&b"photo bytes"[..]).expect("put");
        assert_eq!(size, 11);
        assert_eq!(sha, hex::encode(Sha256::digest(b"photo bytes")));
        let again = folder.put(&b"photo bytes"[..]).expect("put again");
        assert_eq!(again.0, sha);
        assert_eq!(
            fs::read(folder.path(&sha).expect("path")).expect("read"),
            b"photo bytes"
        );
        assert_eq!(
            fs::read_dir(dir.path().join("blobs"))
                .expect("list")
                .count(),
            1
        );
        assert!(folder.path("../../etc/passwd").is_err());
    }
}
