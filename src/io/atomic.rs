//! The one way tally writes an output file: into a temporary file beside it, renamed over
//! it once complete, so a reader never sees half a file; and on any failure (a full disk,
//! a read-only folder, an error while producing the content) the temporary file is
//! removed, so no debris is left to fill the disk further or confuse the next run.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::Error;

/// An output file being written. Commit it to put it in place; dropped uncommitted (on an
/// error path, or when its content turns out not to be needed), it leaves nothing behind.
pub struct AtomicFile {
    path: PathBuf,
    temporary: PathBuf,
    file: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing `path`, creating its folder if needed. The temporary file is
    /// `.NAME.partial` in the same folder (a rename across file systems is not atomic).
    pub fn create(path: &Path) -> Result<AtomicFile, Error> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|err| {
                Error::at(&parent.display().to_string(), None, format!("cannot create the folder: {err}"))
            })?;
        }
        let name = path.file_name().map_or_else(|| "tally".into(), |name| name.to_string_lossy().into_owned());
        let temporary = path.with_file_name(format!(".{name}.partial"));
        let mut atomic = AtomicFile { path: path.to_path_buf(), temporary, file: None };
        let file = File::create(&atomic.temporary).map_err(|err| atomic.error(err))?;
        atomic.file = Some(BufWriter::new(file));
        Ok(atomic)
    }

    /// The file this will become.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// An error writing this file, named by the file the user asked for (the temporary
    /// name means nothing to them, and is gone by the time they read the message).
    pub fn error(&self, err: std::io::Error) -> Error {
        Error::at(&self.path.display().to_string(), None, format!("cannot write: {err}"))
    }

    /// Flushes and syncs the content, then renames it into place.
    pub fn commit(mut self) -> Result<(), Error> {
        let Some(file) = self.file.take() else {
            return Err(self.error(std::io::Error::other("already closed")));
        };
        let file = file.into_inner().map_err(|err| self.error(err.into_error()))?;
        file.sync_all().map_err(|err| self.error(err))?;
        drop(file);
        std::fs::rename(&self.temporary, &self.path).map_err(|err| self.error(err))?;
        // Committed: nothing for `drop` to clean up.
        self.temporary = PathBuf::new();
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.file {
            Some(file) => file.write(buf),
            None => Err(std::io::Error::other("already closed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // Close first, discarding what is buffered: the content is abandoned.
        if let Some(file) = self.file.take() {
            let (file, _) = file.into_parts();
            drop(file);
        }
        if !self.temporary.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}

/// Writes `bytes` to `path` atomically.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes).map_err(|err| file.error(err))?;
    file.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn commit_puts_the_file_in_place_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/out.jsonl");
        write(&path, b"one\n").unwrap();
        write(&path, b"two\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two\n");
        assert_eq!(names(&dir.path().join("sub")), ["out.jsonl"]);
    }

    #[test]
    fn an_abandoned_file_leaves_nothing_and_the_old_file_intact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        write(&path, b"old\n").unwrap();
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(&vec![b'x'; 1 << 20]).unwrap();
        assert_eq!(names(dir.path()), [".out.csv.partial", "out.csv"]);
        drop(file);
        assert_eq!(names(dir.path()), ["out.csv"]);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
    }

    #[test]
    fn a_failed_rename_removes_the_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // A folder where the file should go: the rename fails.
        let path = dir.path().join("taken");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("inside"), "x").unwrap();
        let err = write(&path, b"data").unwrap_err().to_string();
        assert!(err.starts_with(&format!("{}: cannot write", path.display())), "{err}");
        assert_eq!(names(dir.path()), ["taken"]);
    }
}
