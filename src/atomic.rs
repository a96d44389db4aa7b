//! Atomic output: all or nothing, and never through a planted link.
//!
//! A result folder's files are written into a fresh private staging folder
//! (`.payfault-stage-XXXXXX`, created with `mkdir`, which fails if the name exists, under a
//! random name, mode 0700) inside the output folder, and moved into place only when the whole
//! batch succeeded. No file is ever opened by a predictable name in a folder others could
//! write to: inside the staging folder every file is created exclusively (`O_CREAT|O_EXCL`),
//! so a symbolic link planted where a file would go is never followed.
//!
//! The commit swaps each file in: first it checks that no destination is a folder (then it
//! refuses, naming it, before anything moved); then, file by file, it moves the old file (or
//! link) aside into a second private folder (`.payfault-old-XXXXXX`) and renames the new one
//! in. `rename` replaces a link itself, never the file it points to. If any step fails, the
//! files already swapped are put back, so the folder is left as it was, and the error names
//! the path. Files in the output folder that the batch does not write are left alone (a
//! result folder may hold the user's notes, or the results of other commands).
//!
//! If anything fails before the commit, or the process is interrupted (SIGINT or SIGTERM, see
//! [`crate::runner::job::cancel_flag`]), the staging folder is removed and the earlier results
//! stay untouched. Only a hard kill (SIGKILL, power loss) can leave a `.payfault-stage-*`
//! folder behind, or, in the instant of the commit, a `.payfault-old-*` folder holding the
//! old versions of the files swapped so far.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// `e` with `path` named in its message (its kind kept).
pub fn with_path(what: &str, path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{what} {}: {e}", path.display()))
}

/// A file being written: its errors name its path.
pub struct PathFile {
    file: File,
    path: PathBuf,
}

impl PathFile {
    /// Creates `path`, failing if anything (a file, a folder, a link) is already there.
    pub fn create_new(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| with_path("cannot create", path, e))?;
        Ok(PathFile {
            file,
            path: path.to_owned(),
        })
    }

    /// Flushes the file to disk.
    pub fn sync_all(&self) -> io::Result<()> {
        self.file
            .sync_all()
            .map_err(|e| with_path("cannot write", &self.path, e))
    }
}

impl Write for PathFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file
            .write(buf)
            .map_err(|e| with_path("cannot write", &self.path, e))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file
            .flush()
            .map_err(|e| with_path("cannot write", &self.path, e))
    }
}

/// A buffered output file whose errors name its path.
pub type OutFile = BufWriter<PathFile>;

pub struct AtomicDir {
    dir: PathBuf,
    stage: TempDir,
    /// The names of the files to commit, in the order they were opened.
    pending: Vec<String>,
    /// Test hook: the commit fails before swapping this many files.
    #[cfg(test)]
    fail_after: Option<usize>,
}

/// A fresh private folder in `dir` (0700, random name, created exclusively).
fn private_dir(dir: &Path, prefix: &str) -> io::Result<TempDir> {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(dir)
        .map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("output folder {} is not writable: {e}", dir.display()),
            )
        })
}

impl AtomicDir {
    /// Creates `dir` (and parents) and its staging folder, before any work is done (so an
    /// unusable place fails at once).
    pub fn create(dir: &Path) -> io::Result<Self> {
        fs::create_dir_all(dir).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot create output folder {}: {e}", dir.display()),
            )
        })?;
        let stage = private_dir(dir, ".payfault-stage-")?;
        Ok(AtomicDir {
            dir: dir.to_owned(),
            stage,
            pending: vec![],
            #[cfg(test)]
            fail_after: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    fn stage(&self) -> &Path {
        self.stage.path()
    }

    fn check_name(&self, name: &str) -> io::Result<()> {
        let plain = !name.is_empty()
            && name != "."
            && name != ".."
            && !name.contains(['/', '\\'])
            && !name.starts_with(".payfault-");
        if plain {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "cannot write {}: not a plain file name",
                    self.dir.join(name).display()
                ),
            ))
        }
    }

    /// Opens `name` for writing in the staging folder.
    pub fn file(&mut self, name: &str) -> io::Result<OutFile> {
        self.check_name(name)?;
        if self.pending.iter().any(|p| p == name) {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("cannot write {} twice", self.dir.join(name).display()),
            ));
        }
        let f = PathFile::create_new(&self.stage().join(name))?;
        self.pending.push(name.to_owned());
        Ok(BufWriter::new(f))
    }

    /// A working file (never committed, removed at the end): its path and a writer.
    pub fn scratch(&mut self, name: &str) -> io::Result<(PathBuf, OutFile)> {
        self.check_name(name)?;
        let path = self.stage().join(format!(".{name}.scratch"));
        let f = PathFile::create_new(&path)?;
        Ok((path, BufWriter::new(f)))
    }

    /// Writes a whole file.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
        let mut f = self.file(name)?;
        f.write_all(bytes)?;
        f.flush()
    }

    /// Moves every file into place, all or nothing (see the module's documentation).
    pub fn commit(self) -> io::Result<Vec<PathBuf>> {
        for name in &self.pending {
            let dst = self.dir.join(name);
            if let Ok(m) = fs::symlink_metadata(&dst)
                && m.is_dir()
            {
                return Err(io::Error::new(
                    io::ErrorKind::IsADirectory,
                    format!(
                        "cannot write {}: a folder is in the way; nothing was replaced",
                        dst.display()
                    ),
                ));
            }
        }
        let old = private_dir(&self.dir, ".payfault-old-")?;
        let mut swapped: Vec<(usize, bool)> = vec![];
        for (i, name) in self.pending.iter().enumerate() {
            match self.swap_in(i, name, old.path()) {
                Ok(had_old) => swapped.push((i, had_old)),
                Err(e) => {
                    self.undo(&swapped, old.path());
                    return Err(e);
                }
            }
        }
        // The old versions go with `old`, the (now empty) staging folder with `stage`.
        Ok(self.pending.iter().map(|n| self.dir.join(n)).collect())
    }

    /// Moves the old `name` (if any) aside into `old` and the new one in; says whether there
    /// was an old one. On failure, the old one is back.
    fn swap_in(&self, i: usize, name: &str, old: &Path) -> io::Result<bool> {
        #[cfg(test)]
        if self.fail_after == Some(i) {
            return Err(io::Error::other(format!(
                "cannot write {}: injected failure",
                self.dir.join(name).display()
            )));
        }
        let _ = i;
        let dst = self.dir.join(name);
        let had_old = fs::symlink_metadata(&dst).is_ok();
        if had_old {
            fs::rename(&dst, old.join(name)).map_err(|e| with_path("cannot replace", &dst, e))?;
        }
        if let Err(e) = fs::rename(self.stage().join(name), &dst) {
            if had_old {
                let _ = fs::rename(old.join(name), &dst);
            }
            return Err(with_path("cannot write", &dst, e));
        }
        Ok(had_old)
    }

    /// Puts back the files swapped so far (in reverse order).
    fn undo(&self, swapped: &[(usize, bool)], old: &Path) {
        for &(i, had_old) in swapped.iter().rev() {
            let name = &self.pending[i];
            let dst = self.dir.join(name);
            let _ = fs::rename(&dst, self.stage().join(name));
            if had_old {
                let _ = fs::rename(old.join(name), &dst);
            }
        }
    }
}

/// One file written atomically: prepared before the work (its folder created and found
/// writable, so a bad place fails at once), written whole at the end or not at all. The file
/// is written under a fresh random name (created exclusively) in the same folder and renamed
/// over `path`: a link at `path` is replaced, never followed.
pub struct AtomicFile {
    path: PathBuf,
    parent: PathBuf,
}

impl AtomicFile {
    /// Prepares `path`; the error says what is wrong with it (for the user).
    pub fn prepare(path: &Path) -> Result<Self, String> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| "not a file name".to_owned())?;
        if fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) || path.is_dir() {
            return Err("is a folder".into());
        }
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent)
            .map_err(|e| format!("cannot create output folder {}: {e}", parent.display()))?;
        // The write test: a fresh file, created exclusively and removed at once.
        tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .tempfile_in(&parent)
            .map_err(|e| format!("output folder {} is not writable: {e}", parent.display()))?;
        Ok(AtomicFile {
            path: parent.join(name),
            parent,
        })
    }

    /// Writes the whole file and renames it into place.
    pub fn write(self, bytes: &[u8]) -> io::Result<()> {
        let name = self.path.file_name().unwrap_or_default().to_string_lossy();
        let prefix = format!(".{name}.");
        let mut b = tempfile::Builder::new();
        b.prefix(&prefix);
        // The permissions of a file made with `File::create`: 0666 less the umask (which the
        // system applies to the mode given at creation), not the temporary file's 0600.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            b.permissions(fs::Permissions::from_mode(0o666));
        }
        let mut tmp = b
            .tempfile_in(&self.parent)
            .map_err(|e| with_path("cannot write in", &self.parent, e))?;
        tmp.write_all(bytes)
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| with_path("cannot write", tmp.path(), e))?;
        if fs::symlink_metadata(&self.path).is_ok_and(|m| m.is_dir()) {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                format!(
                    "cannot write {}: a folder is in the way",
                    self.path.display()
                ),
            ));
        }
        tmp.persist(&self.path)
            .map(|_| ())
            .map_err(|e| with_path("cannot write", &self.path, e.error))
    }
}

#[cfg(test)]
mod tests;
