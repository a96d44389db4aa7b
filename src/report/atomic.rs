//! Atomic output: every file is written under a temporary name and renamed into place only
//! when the whole batch succeeded. If anything fails (or the process is interrupted), the
//! temporary files are removed and earlier results stay untouched.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

pub struct AtomicDir {
    dir: PathBuf,
    pending: Vec<(PathBuf, PathBuf)>,
    /// Working files removed at the end, committed or not.
    scratch: Vec<PathBuf>,
    committed: bool,
}

impl AtomicDir {
    /// Creates `dir` (and parents) and checks that it is writable, before any work is done.
    pub fn create(dir: &Path) -> io::Result<Self> {
        fs::create_dir_all(dir).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot create output folder {}: {e}", dir.display()),
            )
        })?;
        let probe = dir.join(format!(".payfault-write-test-{}", std::process::id()));
        File::create(&probe).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("output folder {} is not writable: {e}", dir.display()),
            )
        })?;
        let _ = fs::remove_file(&probe);
        Ok(AtomicDir {
            dir: dir.to_owned(),
            pending: vec![],
            scratch: vec![],
            committed: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Opens `name` for writing under a temporary name.
    pub fn file(&mut self, name: &str) -> io::Result<BufWriter<File>> {
        let tmp = self.dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let f = File::create(&tmp).map_err(|e| {
            io::Error::new(e.kind(), format!("cannot write {}: {e}", tmp.display()))
        })?;
        self.pending.push((tmp, self.dir.join(name)));
        Ok(BufWriter::new(f))
    }

    /// A working file (never committed, removed at the end): its path and a writer.
    pub fn scratch(&mut self, name: &str) -> io::Result<(PathBuf, BufWriter<File>)> {
        let tmp = self
            .dir
            .join(format!(".{name}.scratch-{}", std::process::id()));
        let f = File::create(&tmp).map_err(|e| {
            io::Error::new(e.kind(), format!("cannot write {}: {e}", tmp.display()))
        })?;
        self.scratch.push(tmp.clone());
        Ok((tmp, BufWriter::new(f)))
    }

    /// Writes a whole file.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
        let mut f = self.file(name)?;
        f.write_all(bytes)?;
        f.flush()
    }

    /// Renames every temporary file into place.
    pub fn commit(mut self) -> io::Result<Vec<PathBuf>> {
        let mut done = vec![];
        for (tmp, dst) in std::mem::take(&mut self.pending) {
            fs::rename(&tmp, &dst)?;
            done.push(dst);
        }
        self.committed = true;
        Ok(done)
    }
}

/// One file written atomically: prepared before the work (its folder created and found
/// writable, so a bad place fails at once), written whole at the end or not at all.
pub struct AtomicFile {
    dir: AtomicDir,
    name: String,
}

impl AtomicFile {
    /// Prepares `path`; the error says what is wrong with it (for the user).
    pub fn prepare(path: &Path) -> Result<Self, String> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| "not a file name".to_owned())?;
        if path.is_dir() {
            return Err("is a folder".into());
        }
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let dir = AtomicDir::create(&parent).map_err(|e| e.to_string())?;
        Ok(AtomicFile { dir, name })
    }

    /// Writes the whole file and renames it into place.
    pub fn write(mut self, bytes: &[u8]) -> io::Result<()> {
        self.dir.write(&self.name, bytes)?;
        self.dir.commit().map(|_| ())
    }
}

impl Drop for AtomicDir {
    fn drop(&mut self) {
        for tmp in &self.scratch {
            let _ = fs::remove_file(tmp);
        }
        if !self.committed {
            for (tmp, _) in &self.pending {
                let _ = fs::remove_file(tmp);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_appears_until_commit_and_drop_cleans_up() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        {
            let mut a = AtomicDir::create(&dir).unwrap();
            a.write("x.json", b"{}").unwrap();
            assert!(!dir.join("x.json").exists());
        }
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            0,
            "temporary files removed on drop"
        );
        let mut a = AtomicDir::create(&dir).unwrap();
        a.write("x.json", b"{}").unwrap();
        a.commit().unwrap();
        assert_eq!(fs::read_to_string(dir.join("x.json")).unwrap(), "{}");
    }
}
