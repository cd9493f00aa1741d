//! Atomic file writes: nothing is ever left half-written under its final name.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The temporary sibling used while writing `path`.
fn temp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let unique = format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        rand::random::<u32>()
    );
    path.with_file_name(unique)
}

/// Write `bytes` to `path` atomically: write a temporary sibling, fsync it, rename it over
/// `path`. Parent directories are created. A crash leaves either the old file or the new one.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> ytempire_core::Result<()> {
/// let dir = std::env::temp_dir().join(format!("ytempire-doc-{}", std::process::id()));
/// let path = dir.join("hello.txt");
/// ytempire_core::fs::write_atomic(&path, b"hello").await?;
/// assert_eq!(std::fs::read(&path)?, b"hello");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let path = path.to_path_buf();
    let bytes = bytes.to_vec();
    tokio::task::spawn_blocking(move || write_atomic_blocking(&path, &bytes))
        .await
        .map_err(|e| Error::internal(format!("atomic write task failed: {e}")))?
}

/// Blocking form of [`write_atomic`], for code that is not async.
pub fn write_atomic_blocking(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    replace_atomically(
        path,
        || format!("writing {}", path.display()),
        |tmp| {
            let mut file = std::fs::File::create(tmp)?;
            file.write_all(bytes)?;
            file.sync_all()
        },
    )
}

/// Create `path`'s parents, let `fill` write and fsync a temporary sibling, rename it over
/// `path`. On failure the temporary file is removed and the error names `context()`.
fn replace_atomically(
    path: &Path,
    context: impl FnOnce() -> String,
    fill: impl FnOnce(&Path) -> std::io::Result<()>,
) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
    }
    let tmp = temp_sibling(path);
    if let Err(e) = fill(&tmp).and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(context(), e));
    }
    Ok(())
}

/// Copy the file at `src` to `dst` atomically, streaming (the file is never held in memory):
/// copy to a temporary sibling of `dst`, fsync it, rename it over `dst`. Parent directories
/// are created. A crash leaves either the old `dst` or the new one.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> ytempire_core::Result<()> {
/// let dir = std::env::temp_dir().join(format!("ytempire-doc-copy-{}", std::process::id()));
/// ytempire_core::fs::write_atomic(&dir.join("a.bin"), b"frames").await?;
/// ytempire_core::fs::copy_atomic(&dir.join("a.bin"), &dir.join("out/b.bin")).await?;
/// assert_eq!(std::fs::read(dir.join("out/b.bin"))?, b"frames");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// `NotFound` when `src` does not exist, `Io` for any other failure (nothing is left at the
/// temporary path).
pub async fn copy_atomic(src: &Path, dst: &Path) -> Result<()> {
    let (src, dst) = (src.to_path_buf(), dst.to_path_buf());
    tokio::task::spawn_blocking(move || copy_atomic_blocking(&src, &dst))
        .await
        .map_err(|e| Error::internal(format!("atomic copy task failed: {e}")))?
}

/// Blocking form of [`copy_atomic`].
///
/// # Errors
/// As [`copy_atomic`].
pub fn copy_atomic_blocking(src: &Path, dst: &Path) -> Result<()> {
    replace_atomically(
        dst,
        || format!("copying {} to {}", src.display(), dst.display()),
        |tmp| {
            std::fs::copy(src, tmp)?;
            std::fs::File::open(tmp)?.sync_all()
        },
    )
}

/// Create the temporary sibling path [`commit_temp`] will rename, for writers that stream
/// (encoders, downloads): write to the returned path, then call [`commit_temp`].
pub fn temp_path_for(path: &Path) -> PathBuf {
    temp_sibling(path)
}

/// Rename a finished temporary file over its final path (see [`temp_path_for`]).
pub fn commit_temp(tmp: &Path, path: &Path) -> Result<()> {
    std::fs::rename(tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(tmp);
        Error::io(format!("moving {} into place", path.display()), e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/out.bin");
        write_atomic_blocking(&path, b"one").unwrap();
        write_atomic_blocking(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn copy_replaces_streams_and_reports_a_missing_source() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src.bin");
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&src, &data).unwrap();
        let dst = dir.path().join("out/dst.bin");
        write_atomic_blocking(&dst, b"old").unwrap();
        copy_atomic_blocking(&src, &dst).unwrap();
        assert_eq!(std::fs::read(&dst).unwrap(), data);
        let err = copy_atomic_blocking(&dir.path().join("missing"), &dst).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::NotFound, "{err}");
        assert!(err.to_string().contains("missing"), "{err}");
        // The old copy survives a failed one, and no temporary file is left behind.
        assert_eq!(std::fs::read(&dst).unwrap(), data);
        let names: Vec<_> = std::fs::read_dir(dst.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn failure_reports_the_path() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the file should be makes the rename fail.
        let path = dir.path().join("taken");
        std::fs::create_dir_all(path.join("inner")).unwrap();
        let err = write_atomic_blocking(&path, b"x").unwrap_err();
        assert!(err.to_string().contains("taken"), "{err}");
    }
}
