//! The save/restore contract of each stage's output: [`Saved`] says which artifacts an output
//! becomes in the job's [`ArtifactStore`] and how it is rebuilt from them, so the runner drives
//! every stage with one generic "restore, or run + save + finish" step
//! (`Run::step` in the runner). The artifact names are the manifest's keys: they stay stable
//! across versions so an older job directory still resumes.

use std::collections::BTreeMap;
use std::path::PathBuf;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::artifacts::{ArtifactRef, ArtifactStore};
use super::stages::{Narration, QualityVerdict, RenderSummary, ScriptOutput};
use crate::{
    AudioTrack, Error, Result, Thumbnail, ThumbnailFormat, Timeline, UploadReceipt, Visual,
    WordTiming,
};

/// Named artifacts of one stage, as the manifest records them.
pub(crate) type Outputs = BTreeMap<String, ArtifactRef>;

/// A stage output that can be stored as artifacts and rebuilt from them.
#[async_trait]
pub(crate) trait Saved: Sized + Send {
    /// The artifact that must be present for the stage to count as finished.
    const KEY: &'static str;

    /// Store the output; return its named artifacts. May point file paths inside `self` at
    /// their stored copies.
    async fn save(&mut self, store: &ArtifactStore) -> Result<Outputs>;

    /// Rebuild the output from the artifacts a finished run stored.
    async fn load(store: &ArtifactStore, outputs: &Outputs) -> Result<Self>;
}

/// The artifact named `key`, or an error naming the stage output that lacks it.
fn output<'a>(outputs: &'a Outputs, key: &str) -> Result<&'a ArtifactRef> {
    outputs
        .get(key)
        .ok_or_else(|| Error::internal(format!("the job manifest lacks the `{key}` artifact")))
}

/// Outputs stored as one JSON artifact under a fixed name.
macro_rules! saved_as_json {
    ($($ty:ty => $key:literal),* $(,)?) => {$(
        #[async_trait]
        impl Saved for $ty {
            const KEY: &'static str = $key;

            async fn save(&mut self, store: &ArtifactStore) -> Result<Outputs> {
                Ok(Outputs::from([($key.to_owned(), store.put_json(&*self).await?)]))
            }

            async fn load(store: &ArtifactStore, outputs: &Outputs) -> Result<Self> {
                store.read_json(output(outputs, $key)?).await
            }
        }
    )*};
}

saved_as_json!(
    ScriptOutput => "script",
    Vec<Visual> => "visuals",
    Timeline => "timeline",
    QualityVerdict => "verdict",
    UploadReceipt => "receipt",
);

/// Narration's timings, parts and voice (its audio is a WAV artifact of its own).
#[derive(Serialize, Deserialize)]
struct NarrationMeta {
    timings: Vec<WordTiming>,
    parts: Vec<(f64, f64)>,
    voice: String,
}

/// The narration and where its WAV is stored (the timeline and quality stages read the file).
pub(crate) struct SavedNarration {
    pub(crate) narration: Narration,
    pub(crate) wav: PathBuf,
}

#[async_trait]
impl Saved for SavedNarration {
    const KEY: &'static str = "audio";

    async fn save(&mut self, store: &ArtifactStore) -> Result<Outputs> {
        let n = &self.narration;
        let audio = store.put_bytes("wav", &n.audio.to_wav_bytes()?).await?;
        let meta = NarrationMeta {
            timings: n.timings.clone(),
            parts: n.parts.clone(),
            voice: n.voice.clone(),
        };
        let timings = store.put_json(&meta).await?;
        self.wav = store.path(&audio);
        Ok(Outputs::from([
            ("audio".to_owned(), audio),
            ("timings".to_owned(), timings),
        ]))
    }

    async fn load(store: &ArtifactStore, outputs: &Outputs) -> Result<Self> {
        let audio_ref = output(outputs, "audio")?;
        let wav = store.verified_path(audio_ref).await?;
        let audio = load_wav(wav.clone()).await?;
        let meta: NarrationMeta = store.read_json(output(outputs, "timings")?).await?;
        Ok(Self {
            narration: Narration {
                audio,
                timings: meta.timings,
                parts: meta.parts,
                voice: meta.voice,
            },
            wav,
        })
    }
}

/// Decode a stored WAV off the async threads, streaming from disk.
async fn load_wav(path: PathBuf) -> Result<AudioTrack> {
    tokio::task::spawn_blocking(move || AudioTrack::read_wav(&path))
        .await
        .map_err(|e| Error::internal(format!("WAV decoding task failed: {e}")))?
}

/// The rendered MP4 (moved into the store when saved) and the render's facts.
pub(crate) struct SavedVideo {
    pub(crate) video: PathBuf,
    pub(crate) summary: RenderSummary,
}

#[async_trait]
impl Saved for SavedVideo {
    const KEY: &'static str = "video";

    async fn save(&mut self, store: &ArtifactStore) -> Result<Outputs> {
        let video = store.put_file("mp4", &self.video).await?;
        let summary = store.put_json(&self.summary).await?;
        self.video = store.path(&video);
        Ok(Outputs::from([
            ("video".to_owned(), video),
            ("summary".to_owned(), summary),
        ]))
    }

    async fn load(store: &ArtifactStore, outputs: &Outputs) -> Result<Self> {
        Ok(Self {
            video: store.path(output(outputs, "video")?),
            summary: store.read_json(output(outputs, "summary")?).await?,
        })
    }
}

/// The thumbnails (as JSON, for the upload) and each as an image file (`thumbnail_{i}`).
pub(crate) struct SavedThumbnails {
    pub(crate) thumbnails: Vec<Thumbnail>,
    pub(crate) files: Vec<PathBuf>,
}

#[async_trait]
impl Saved for SavedThumbnails {
    const KEY: &'static str = "thumbnails";

    async fn save(&mut self, store: &ArtifactStore) -> Result<Outputs> {
        let mut outputs = Outputs::from([(
            "thumbnails".to_owned(),
            store.put_json(&self.thumbnails).await?,
        )]);
        self.files.clear();
        for (i, t) in self.thumbnails.iter().enumerate() {
            let ext = if t.format == ThumbnailFormat::Png {
                "png"
            } else {
                "jpg"
            };
            let r = store.put_bytes(ext, &t.data).await?;
            self.files.push(store.path(&r));
            outputs.insert(format!("thumbnail_{i}"), r);
        }
        Ok(outputs)
    }

    async fn load(store: &ArtifactStore, outputs: &Outputs) -> Result<Self> {
        let thumbnails: Vec<Thumbnail> = store.read_json(output(outputs, "thumbnails")?).await?;
        let files = (0..thumbnails.len())
            .filter_map(|i| outputs.get(&format!("thumbnail_{i}")))
            .map(|r| store.path(r))
            .collect();
        Ok(Self { thumbnails, files })
    }
}
