//! The server's data directory holds every ticket, token hash and photo: what it creates there is
//! readable and writable by the user the server runs as, and nobody else.

use std::io;
use std::path::Path;

/// Creates `dir` and any missing parents; the folders it creates are its owner's alone (on
/// Unix, mode 0700). A folder that exists already keeps the permissions its owner gave it.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates the empty file `path` for its owner alone (mode 0600) unless it exists, so that a
/// program that then opens it (SQLite, which gives its journal the same mode) keeps it private.
pub fn create_file(path: &Path) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

/// Writes `contents` to `path` for its owner alone (mode 0600), replacing what was there.
pub fn write_file(path: &Path, contents: &str) -> io::Result<()> {
    create_file(path)?;
    std::fs::write(path, contents)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).map_or(0, |m| m.permissions().mode() & 0o777)
    }

    #[test]
    fn what_is_created_is_private_and_what_exists_is_left_alone() {
        let parent = tempfile::tempdir().expect("dir");
        let nested = parent.path().join("a").join("b");
        create_dir(&nested).expect("create");
        assert_eq!(mode(&nested), 0o700);
        assert_eq!(mode(&parent.path().join("a")), 0o700);
        let file = nested.join("db");
        create_file(&file).expect("file");
        assert_eq!(mode(&file), 0o600);
        std::fs::write(&file, b"kept").expect("write");
        create_file(&file).expect("again");
        assert_eq!(std::fs::read(&file).expect("read"), b"kept");
    }
}
