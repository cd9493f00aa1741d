//! [`VisualHistory`]: which stock visuals a channel's last videos used, remembered in a small
//! JSON file so the next video does not show the same pictures again.
//!
//! The file holds, per channel, the newest [`VisualHistory::keep`] videos (default 20) as
//! `{ "job": id, "ids": [visual ids] }`. Recording a job again replaces its entry, so a
//! resumed or re-run job does not ban its own pictures. Every write replaces the file
//! atomically (temporary sibling, fsync, rename). Writers are serialised within a process
//! and across processes (workers sharing a data directory): each read-modify-write holds an
//! exclusive lock on a sibling `<file>.lock`, waiting at most [`HISTORY_LOCK_WAIT`] for another
//! writer before giving up with an error that names the lock file.
//!
//! ```no_run
//! # fn demo() -> ytempire_core::Result<()> {
//! use ytempire_render::sources::VisualHistory;
//! let history = VisualHistory::new("data/visual-history.json");
//! let banned = history.recent("Science Shorts", "job-2")?;
//! history.record("Science Shorts", "job-2", &["pexels:1".to_owned()])?;
//! # let _ = banned; Ok(()) }
//! ```

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use ytempire_core::{Error, Result};

/// Videos remembered per channel unless [`VisualHistory::with_keep`] says otherwise.
pub const DEFAULT_HISTORY_VIDEOS: usize = 20;

/// Serialises read-modify-write cycles of history files within this process.
static WRITE: Mutex<()> = Mutex::new(());

/// Longest wait for another process's write to the same history.
pub const HISTORY_LOCK_WAIT: Duration = Duration::from_secs(30);

/// One video's visuals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct VideoEntry {
    job: String,
    ids: Vec<String>,
}

/// The file's contents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct HistoryFile {
    #[serde(default)]
    channels: BTreeMap<String, Vec<VideoEntry>>,
}

/// The visuals of a channel's recent videos, on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisualHistory {
    path: PathBuf,
    keep: usize,
    lock_wait: Duration,
}

impl VisualHistory {
    /// A history stored at `path` (created on first record), remembering
    /// [`DEFAULT_HISTORY_VIDEOS`] videos per channel.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            keep: DEFAULT_HISTORY_VIDEOS,
            lock_wait: HISTORY_LOCK_WAIT,
        }
    }

    /// Wait at most `wait` for another process's write (default [`HISTORY_LOCK_WAIT`]).
    #[must_use]
    pub fn with_lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// The exclusive lock on `<file>.lock`, held until the returned file is dropped.
    fn lock(&self) -> Result<std::fs::File> {
        let mut name = self.path.as_os_str().to_owned();
        name.push(".lock");
        let lock_path = PathBuf::from(name);
        if let Some(dir) = lock_path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::io(format!("opening {}", lock_path.display()), e))?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < self.lock_wait => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(Error::new(
                        ytempire_core::ErrorKind::Timeout,
                        format!(
                            "another process has held {} for over {:?} while writing the visual \
                             history; if no other ytempire process is running, delete that file",
                            lock_path.display(),
                            self.lock_wait
                        ),
                    ));
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(Error::io(format!("locking {}", lock_path.display()), e));
                }
            }
        }
    }

    /// Remember `videos` videos per channel (0 remembers nothing).
    #[must_use]
    pub fn with_keep(mut self, videos: usize) -> Self {
        self.keep = videos;
        self
    }

    /// Videos remembered per channel.
    pub fn keep(&self) -> usize {
        self.keep
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn load(&self) -> Result<HistoryFile> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                Error::config(format!(
                    "visual history {} is not valid JSON ({e}); delete it to start a fresh history",
                    self.path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(HistoryFile::default()),
            Err(e) => Err(Error::io(format!("reading {}", self.path.display()), e)),
        }
    }

    /// Ids of the visuals used by `channel`'s remembered videos, other than job `except_job`.
    ///
    /// # Errors
    /// `Config` when the file is not valid JSON; `Io` when it cannot be read.
    pub fn recent(&self, channel: &str, except_job: &str) -> Result<HashSet<String>> {
        let file = self.load()?;
        Ok(file
            .channels
            .get(channel)
            .into_iter()
            .flatten()
            .rev()
            .filter(|v| v.job != except_job)
            .take(self.keep)
            .flat_map(|v| v.ids.iter().cloned())
            .collect())
    }

    /// Record that job `job` of `channel` used `ids`, as its newest video (replacing an
    /// earlier record of the same job), keeping the newest [`keep`](Self::keep) videos.
    ///
    /// # Errors
    /// As [`recent`](Self::recent), or `Io` when the file cannot be written.
    pub fn record(&self, channel: &str, job: &str, ids: &[String]) -> Result<()> {
        let _guard = WRITE.lock().unwrap_or_else(|p| p.into_inner());
        let _lock = self.lock()?;
        let mut file = self.load()?;
        let videos = file.channels.entry(channel.to_owned()).or_default();
        videos.retain(|v| v.job != job);
        videos.push(VideoEntry {
            job: job.to_owned(),
            ids: ids.to_vec(),
        });
        let excess = videos.len().saturating_sub(self.keep);
        videos.drain(..excess);
        let json = serde_json::to_vec_pretty(&file)
            .map_err(|e| Error::internal(format!("encoding the visual history: {e}")))?;
        ytempire_core::fs::write_atomic_blocking(&self.path, &json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn remembers_the_newest_videos_per_channel() {
        let dir = tempfile::tempdir().unwrap();
        let h = VisualHistory::new(dir.path().join("h.json")).with_keep(2);
        assert!(h.recent("c", "x").unwrap().is_empty());
        h.record("c", "j1", &ids(&["a"])).unwrap();
        h.record("c", "j2", &ids(&["b"])).unwrap();
        h.record("other", "j9", &ids(&["z"])).unwrap();
        let mut r: Vec<_> = h.recent("c", "new").unwrap().into_iter().collect();
        r.sort();
        assert_eq!(r, ids(&["a", "b"]));
        // A third video pushes the first out; a job never bans its own visuals.
        h.record("c", "j3", &ids(&["c"])).unwrap();
        let mut r: Vec<_> = h.recent("c", "j3").unwrap().into_iter().collect();
        r.sort();
        assert_eq!(r, ids(&["b"]));
        // Re-recording a job replaces its entry.
        h.record("c", "j3", &ids(&["d"])).unwrap();
        assert!(h.recent("c", "new").unwrap().contains("d"));
        assert!(!h.recent("c", "new").unwrap().contains("c"));
    }

    #[test]
    fn a_writer_in_another_process_is_waited_for_then_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.json");
        let h = VisualHistory::new(&path).with_lock_wait(Duration::from_millis(200));
        h.record("c", "j1", &ids(&["a"])).unwrap();
        // Another process's lock: a separate open of the lock file (flock locks belong to
        // the open file, so this conflicts exactly as another process would).
        let other = std::fs::File::create(dir.path().join("h.json.lock")).unwrap();
        other.lock().unwrap();
        let err = h.record("c", "j2", &ids(&["b"])).unwrap_err();
        assert_eq!(err.kind(), ytempire_core::ErrorKind::Timeout);
        assert!(err.message().contains("h.json.lock"), "{err}");
        assert!(!h.recent("c", "x").unwrap().contains("b"));
        // Released while a writer waits: the write goes through.
        let waiter = {
            let h = h.clone().with_lock_wait(Duration::from_secs(10));
            std::thread::spawn(move || h.record("c", "j2", &ids(&["b"])))
        };
        std::thread::sleep(Duration::from_millis(100));
        other.unlock().unwrap();
        waiter.join().unwrap().unwrap();
        let r = h.recent("c", "x").unwrap();
        assert!(r.contains("a") && r.contains("b"), "{r:?}");
    }

    #[test]
    fn a_corrupt_file_says_how_to_recover() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.json");
        std::fs::write(&path, b"{not json").unwrap();
        let err = VisualHistory::new(&path).recent("c", "j").unwrap_err();
        assert_eq!(err.kind(), ytempire_core::ErrorKind::Config);
        assert!(err.message().contains("delete it"), "{err}");
    }
}
