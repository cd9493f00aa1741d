//! The job directory: content-addressed artifacts plus a manifest of stage states, written
//! atomically so a crash at any point leaves a directory a rerun can resume from.
//!
//! [`ArtifactBackend`] is where a job directory can live besides the local folder (an object
//! store, for workers on several machines without a shared file system).
//!
//! Layout of `<root>/<job id>/`:
//! - `manifest.json`: the job spec, and for each stage its state, outputs (name → artifact),
//!   attempts, timings and error;
//! - `artifacts/<sha256>.<ext>`: every output, named by the hash of its bytes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{JobSpec, StageName};
use crate::{Error, ErrorKind, Result, fs};

/// A stored artifact: where it is and the hash of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactRef {
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// Path relative to the job directory.
    pub path: PathBuf,
    /// Size in bytes.
    pub bytes: u64,
}

/// State of one stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum StageState {
    /// Not started.
    #[default]
    Pending,
    /// Started and not finished (a crash leaves this).
    Running,
    /// Finished; outputs recorded.
    Finished,
    /// Failed; see the error.
    Failed,
    /// Not run for this job (e.g. upload disabled).
    Skipped,
}

/// The manifest's record of one stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct StageRecord {
    /// State.
    pub state: StageState,
    /// Outputs by name.
    #[serde(default)]
    pub outputs: BTreeMap<String, ArtifactRef>,
    /// How many times the stage was started.
    #[serde(default)]
    pub attempts: u32,
    /// Last start.
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
    /// Finish time.
    #[serde(default)]
    pub finished_at: Option<DateTime<Utc>>,
    /// Last error message.
    #[serde(default)]
    pub error: Option<String>,
}

/// Everything known about a job on disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version.
    pub version: u32,
    /// The job.
    pub job: JobSpec,
    /// Per-stage records.
    pub stages: BTreeMap<StageName, StageRecord>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update.
    pub updated_at: DateTime<Utc>,
}

impl Manifest {
    /// A fresh manifest.
    pub fn new(job: JobSpec) -> Self {
        let now = Utc::now();
        Self {
            version: 1,
            job,
            stages: BTreeMap::new(),
            created_at: now,
            updated_at: now,
        }
    }

    /// The record of `stage` (default if absent).
    pub fn stage(&self, stage: StageName) -> StageRecord {
        self.stages.get(&stage).cloned().unwrap_or_default()
    }

    /// The last stage that finished, if any.
    pub fn last_finished(&self) -> Option<StageName> {
        StageName::ALL
            .into_iter()
            .rev()
            .find(|s| self.stage(*s).state == StageState::Finished)
    }
}

/// Where job directories are kept besides the local working folder: an object store, a
/// database, another machine. Implement it to let workers on several machines resume each
/// other's jobs without a shared file system.
///
/// Keys are `/`-separated: `<job id>/manifest.json` and `<job id>/artifacts/<sha256>.<ext>`.
/// A [`Pipeline`](super::Pipeline) given one with
/// [`PipelineBuilder::artifacts`](super::PipelineBuilder::artifacts) still works in its local
/// folder (stages read and write files there) and copies every artifact and manifest update
/// to the backend as it is stored. A run that finds no local copy of a job (a fresh machine,
/// a wiped disk) first brings the job's keys down from the backend, then resumes. Stored JSON
/// holds absolute paths into the working folder, so every worker uses the same folder path.
#[async_trait::async_trait]
pub trait ArtifactBackend: Send + Sync + std::fmt::Debug {
    /// The bytes under `key`, or `None` when there are none.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>>;

    /// Store `bytes` under `key`, replacing what was there; readers see the old bytes or the
    /// new, never a part.
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<()>;

    /// Store the local file `path` under `key` (the default reads it whole; override it to
    /// stream large files).
    async fn put_file(&self, key: &str, path: &Path) -> Result<()> {
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        self.put(key, &bytes).await
    }

    /// Every key starting with `prefix`, with its size in bytes.
    async fn list(&self, prefix: &str) -> Result<Vec<(String, u64)>>;
}

/// A job's directory: its manifest and its content-addressed artifacts, in a local folder
/// and, when given one, mirrored to an [`ArtifactBackend`].
#[derive(Debug, Clone)]
pub struct ArtifactStore {
    dir: PathBuf,
    id: String,
    backend: Option<std::sync::Arc<dyn ArtifactBackend>>,
}

impl ArtifactStore {
    /// The store for job `id` under `root` (created on first write).
    pub fn new(root: &Path, id: &str) -> Self {
        Self {
            dir: root.join(id),
            id: id.to_owned(),
            backend: None,
        }
    }

    /// Mirror every write to `backend`, and restore from it what the folder lacks.
    #[must_use]
    pub fn with_backend(mut self, backend: std::sync::Arc<dyn ArtifactBackend>) -> Self {
        self.backend = Some(backend);
        self
    }

    /// The job directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn manifest_path(&self) -> PathBuf {
        self.dir.join("manifest.json")
    }

    /// The backend key of `rel`, a path relative to the job directory.
    fn key(&self, rel: &Path) -> String {
        let parts: Vec<_> = rel.iter().map(|p| p.to_string_lossy()).collect();
        format!("{}/{}", self.id, parts.join("/"))
    }

    /// Load the manifest, if the job has run before. With a backend and no local manifest,
    /// the job's keys are first copied down from the backend.
    pub async fn load_manifest(&self) -> Result<Option<Manifest>> {
        if let Some(backend) = &self.backend
            && !self.manifest_path().exists()
        {
            self.restore_from(backend.as_ref()).await?;
        }
        match tokio::fs::read(self.manifest_path()).await {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                Error::new(
                    ErrorKind::Io,
                    format!(
                        "manifest {} is corrupt ({e}); delete the job directory to start over",
                        self.manifest_path().display()
                    ),
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(
                format!("reading {}", self.manifest_path().display()),
                e,
            )),
        }
    }

    /// Copy every key of this job that the folder lacks (or holds at another size) down
    /// from `backend`; the manifest last, so a half-finished copy is redone next time.
    async fn restore_from(&self, backend: &dyn ArtifactBackend) -> Result<()> {
        let prefix = format!("{}/", self.id);
        let mut keys = backend.list(&prefix).await?;
        keys.sort_by_key(|(k, _)| k.ends_with("/manifest.json"));
        for (key, size) in keys {
            let Some(rel) = key.strip_prefix(&prefix) else {
                continue;
            };
            if rel
                .split('/')
                .any(|p| p.is_empty() || p == "." || p == "..")
            {
                return Err(Error::new(
                    ErrorKind::InvalidResponse,
                    format!("artifact backend listed an unsafe key {key:?}"),
                ));
            }
            let path = self.dir.join(rel);
            if std::fs::metadata(&path).is_ok_and(|m| m.len() == size) {
                continue;
            }
            if let Some(bytes) = backend.get(&key).await? {
                fs::write_atomic(&path, &bytes).await?;
            }
        }
        Ok(())
    }

    /// Write the manifest atomically.
    pub async fn save_manifest(&self, manifest: &mut Manifest) -> Result<()> {
        manifest.updated_at = Utc::now();
        let bytes = serde_json::to_vec_pretty(manifest)?;
        fs::write_atomic(&self.manifest_path(), &bytes).await?;
        if let Some(backend) = &self.backend {
            backend
                .put(&self.key(Path::new("manifest.json")), &bytes)
                .await?;
        }
        Ok(())
    }

    /// Store bytes under their hash.
    pub async fn put_bytes(&self, ext: &str, bytes: &[u8]) -> Result<ArtifactRef> {
        let sha = hex::encode(Sha256::digest(bytes));
        let rel = PathBuf::from("artifacts").join(format!("{sha}.{ext}"));
        let abs = self.dir.join(&rel);
        if !abs.exists() {
            fs::write_atomic(&abs, bytes).await?;
        }
        if let Some(backend) = &self.backend {
            backend.put(&self.key(&rel), bytes).await?;
        }
        Ok(ArtifactRef {
            sha256: sha,
            path: rel,
            bytes: bytes.len() as u64,
        })
    }

    /// Store a JSON value.
    pub async fn put_json<T: Serialize + Sync>(&self, value: &T) -> Result<ArtifactRef> {
        let bytes = serde_json::to_vec_pretty(value)?;
        self.put_bytes("json", &bytes).await
    }

    /// Move a finished file (e.g. a rendered MP4) into the store under its hash.
    pub async fn put_file(&self, ext: &str, src: &Path) -> Result<ArtifactRef> {
        let src = src.to_path_buf();
        let dir = self.dir.clone();
        let ext = ext.to_string();
        let stored = tokio::task::spawn_blocking(move || {
            let sha = hash_file(&src)?;
            let bytes = std::fs::metadata(&src)
                .map_err(|e| Error::io(format!("reading {}", src.display()), e))?
                .len();
            let rel = PathBuf::from("artifacts").join(format!("{sha}.{ext}"));
            let abs = dir.join(&rel);
            if let Some(parent) = abs.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
            }
            fs::commit_temp(&src, &abs)?;
            Ok::<_, Error>(ArtifactRef {
                sha256: sha,
                path: rel,
                bytes,
            })
        })
        .await
        .map_err(|e| Error::internal(format!("artifact task failed: {e}")))??;
        if let Some(backend) = &self.backend {
            backend
                .put_file(&self.key(&stored.path), &self.path(&stored))
                .await?;
        }
        Ok(stored)
    }

    /// Absolute path of an artifact.
    pub fn path(&self, artifact: &ArtifactRef) -> PathBuf {
        self.dir.join(&artifact.path)
    }

    /// Read an artifact's bytes, checking its hash.
    pub async fn read(&self, artifact: &ArtifactRef) -> Result<Vec<u8>> {
        let path = self.path(artifact);
        let bytes = tokio::fs::read(&path)
            .await
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        if hex::encode(Sha256::digest(&bytes)) != artifact.sha256 {
            return Err(hash_mismatch(&path));
        }
        Ok(bytes)
    }

    /// The artifact's path after checking its hash, streamed (for large artifacts read with
    /// a streaming decoder rather than [`read`](Self::read) into memory).
    ///
    /// # Errors
    /// `NotFound`/`Io` when the file cannot be read, `Io` when it does not match its hash.
    pub async fn verified_path(&self, artifact: &ArtifactRef) -> Result<PathBuf> {
        let path = self.path(artifact);
        let expected = artifact.sha256.clone();
        tokio::task::spawn_blocking(move || {
            if hash_file(&path)? != expected {
                return Err(hash_mismatch(&path));
            }
            Ok(path)
        })
        .await
        .map_err(|e| Error::internal(format!("artifact task failed: {e}")))?
    }

    /// Read a JSON artifact.
    pub async fn read_json<T: serde::de::DeserializeOwned>(
        &self,
        artifact: &ArtifactRef,
    ) -> Result<T> {
        let bytes = self.read(artifact).await?;
        serde_json::from_slice(&bytes).map_err(Error::from)
    }

    /// Whether the artifact's file exists with the recorded size (cheap check for large files).
    pub fn exists(&self, artifact: &ArtifactRef) -> bool {
        std::fs::metadata(self.path(artifact)).is_ok_and(|m| m.len() == artifact.bytes)
    }
}

/// An artifact whose bytes changed since they were stored.
fn hash_mismatch(path: &Path) -> Error {
    Error::new(
        ErrorKind::Io,
        format!("{} does not match its recorded hash", path.display()),
    )
}

/// Hex SHA-256 of a file, streamed.
pub fn hash_file(path: &Path) -> Result<String> {
    use std::io::Read as _;
    let mut file = std::fs::File::open(path)
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}
