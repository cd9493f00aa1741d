//! The stage traits a [`super::Pipeline`] is built from, and the vendor-neutral default
//! implementations that only need core's provider traits.
//!
//! Every stage is a trait object so an app can replace one: write the script with any
//! [`ScriptStage`], narrate with any [`NarrationStage`], and so on. Render, thumbnail and
//! quality stages live in the crates that own pixels and scoring.
//!
//! The default stages here report progress as they go (narration per part, visuals per
//! part) and record which provider actually answered (see [`crate::Provenance`]).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::fmt::Debug;
use std::path::Path;

use crate::{
    AudioTrack, ChannelProfile, DynImageSource, DynSpeechSynthesizer, Error, ErrorKind,
    ImageRequest, Motion, Orientation, Result, Script, Segment, SpeechRequest, Thumbnail, Timeline,
    Topic, Transition, VideoMetadata, VideoSpec, Visual, WordTiming,
};

/// The stages of a job, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageName {
    /// Topic → script and upload metadata.
    Script,
    /// Script → narration audio and word timings.
    Narration,
    /// Script → one visual per narration part.
    Visuals,
    /// Everything → a timeline.
    Timeline,
    /// Timeline → MP4.
    Render,
    /// Visuals + title → thumbnails.
    Thumbnail,
    /// Artifacts → quality score and gate.
    Quality,
    /// MP4 + metadata → published video.
    Upload,
}

impl StageName {
    /// All stages in order.
    pub const ALL: [StageName; 8] = [
        Self::Script,
        Self::Narration,
        Self::Visuals,
        Self::Timeline,
        Self::Render,
        Self::Thumbnail,
        Self::Quality,
        Self::Upload,
    ];

    /// Lower-case name used in labels, logs and the manifest.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Script => "script",
            Self::Narration => "narration",
            Self::Visuals => "visuals",
            Self::Timeline => "timeline",
            Self::Render => "render",
            Self::Thumbnail => "thumbnail",
            Self::Quality => "quality",
            Self::Upload => "upload",
        }
    }
}

impl std::fmt::Display for StageName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one job should produce.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JobSpec {
    /// Job id: names the job directory; letters, digits, `-` and `_` only.
    pub id: String,
    /// What the video is about.
    pub topic: Topic,
    /// Who it is for.
    pub channel: ChannelProfile,
    /// Output shape.
    pub video: VideoSpec,
    /// Intended length in seconds.
    pub target_duration_secs: f64,
    /// Whether to run the upload stage.
    pub upload: bool,
    /// Publish at this time (the upload goes up private and YouTube makes it public then);
    /// `None`: the channel's privacy, at once. Set by `ytempire plan` from the cadence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl JobSpec {
    /// A job for `topic` with default channel, 1080p landscape, 60 s, no upload.
    pub fn new(id: impl Into<String>, topic: Topic) -> Self {
        Self {
            id: id.into(),
            topic,
            channel: ChannelProfile::default(),
            video: VideoSpec::landscape(),
            target_duration_secs: 60.0,
            upload: false,
            publish_at: None,
        }
    }

    /// Set the channel.
    #[must_use]
    pub fn with_channel(mut self, channel: ChannelProfile) -> Self {
        self.channel = channel;
        self
    }

    /// Set the video shape.
    #[must_use]
    pub fn with_video(mut self, video: VideoSpec) -> Self {
        self.video = video;
        self
    }

    /// Set the target duration.
    #[must_use]
    pub fn with_duration(mut self, secs: f64) -> Self {
        self.target_duration_secs = secs;
        self
    }

    /// Enable the upload stage.
    #[must_use]
    pub fn with_upload(mut self, upload: bool) -> Self {
        self.upload = upload;
        self
    }

    /// Schedule the upload to go public at `at` (private until then).
    #[must_use]
    pub fn with_publish_at(mut self, at: chrono::DateTime<chrono::Utc>) -> Self {
        self.publish_at = Some(at);
        self
    }

    /// Check the id, video spec and duration.
    pub fn validate(&self) -> Result<()> {
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 100
            && self
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !id_ok {
            return Err(Error::invalid_request(format!(
                "job id {:?} must be 1-100 letters, digits, '-' or '_'",
                self.id
            )));
        }
        if self.topic.title.trim().is_empty() {
            return Err(Error::invalid_request(
                "job topic is empty; say what the video is about",
            ));
        }
        self.video.validate()?;
        if !(self.target_duration_secs.is_finite()
            && (5.0..=3600.0).contains(&self.target_duration_secs))
        {
            return Err(Error::invalid_request(format!(
                "target duration {}s must be between 5 and 3600 seconds",
                self.target_duration_secs
            )));
        }
        Ok(())
    }
}

/// What the script stage produces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScriptOutput {
    /// The script.
    pub script: Script,
    /// Upload metadata derived from it.
    pub metadata: VideoMetadata,
}

/// Narration for a whole script.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Narration {
    /// The audio.
    pub audio: AudioTrack,
    /// Word timings over the whole track.
    pub timings: Vec<WordTiming>,
    /// `(start, end)` seconds of each narration part (hook, scenes…, outro).
    pub parts: Vec<(f64, f64)>,
    /// Who spoke: one entry per distinct speaker, in order of first use, joined with ` + `;
    /// each entry is `provider/model` of the synthesizer that actually answered (after any
    /// fallback, see [`Provenance`](crate::Provenance)), then `:voice` when the voice id
    /// differs from the model, e.g. `elevenlabs/eleven_multilingual_v2:Rachel` or
    /// `espeak-ng/en-us`.
    pub voice: String,
}

impl Narration {
    /// The speakers named in [`voice`](Self::voice) (voice ids may themselves hold a `+`,
    /// as espeak-ng variants do: `en-us+f3`).
    pub fn speakers(&self) -> impl Iterator<Item = &str> {
        self.voice.split(" + ").filter(|s| !s.is_empty())
    }
}

/// One [`Narration::voice`] entry: who answered and with which voice.
fn speaker_entry(by: &crate::Provenance, voice: &str) -> String {
    if voice.is_empty() || voice == by.model {
        by.label()
    } else {
        format!("{}:{voice}", by.label())
    }
}

/// What the render stage reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenderSummary {
    /// Frames written.
    pub frames: u64,
    /// Video duration in seconds.
    pub duration_secs: f64,
    /// Compositor backend (`gpu`, `cpu`).
    pub backend: String,
    /// Encoder used.
    pub encoder: String,
    /// Integrated loudness of the final soundtrack in LUFS, when the renderer measured it.
    #[serde(default)]
    pub loudness_lufs: Option<f64>,
}

/// The quality stage's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityVerdict {
    /// Score 0–10.
    pub score: f64,
    /// Whether the gate lets the video be uploaded.
    pub passed: bool,
    /// Human-readable reasons.
    pub reasons: Vec<String>,
}

/// Inputs to quality assessment.
#[derive(Debug, Clone, Copy)]
pub struct QualityInputs<'a> {
    /// The job.
    pub job: &'a JobSpec,
    /// Script and metadata.
    pub script: &'a ScriptOutput,
    /// Narration: word timings, parts and voice. Its `audio` keeps the format but **no
    /// samples** (the pipeline lets them go before rendering so memory does not grow with
    /// the video's length); read them from [`narration_audio`](Self::narration_audio).
    pub narration: &'a Narration,
    /// The narration as stored, a 16-bit PCM WAV: stream it (ytempire-cost's `measure_wav`)
    /// or load it with [`AudioTrack::read_wav`](crate::AudioTrack::read_wav).
    pub narration_audio: &'a Path,
    /// The rendered MP4.
    pub video: &'a Path,
    /// Render facts.
    pub render: &'a RenderSummary,
    /// Thumbnails.
    pub thumbnails: &'a [Thumbnail],
}

/// Writes the script.
#[async_trait]
pub trait ScriptStage: Send + Sync + Debug {
    /// Topic, channel and duration → script + metadata.
    async fn write(&self, job: &JobSpec) -> Result<ScriptOutput>;
}

/// Speaks the script.
#[async_trait]
pub trait NarrationStage: Send + Sync + Debug {
    /// Script → narration.
    async fn narrate(&self, job: &JobSpec, script: &Script) -> Result<Narration>;
}

/// Finds one visual per narration part.
#[async_trait]
pub trait VisualsStage: Send + Sync + Debug {
    /// Script → visuals, one per narration part, no repeats.
    async fn visuals(&self, job: &JobSpec, script: &Script) -> Result<Vec<Visual>>;

    /// [`visuals`](Self::visuals), handing each visual to `sink` as it is found and keeping
    /// what the sink returns (the pipeline's sink stores the bytes in the job's artifact
    /// store and returns a file-backed visual), so a long video's pictures are never all in
    /// memory at once. The default collects [`visuals`](Self::visuals) first; stages that
    /// fetch one at a time override it.
    async fn visuals_into(
        &self,
        job: &JobSpec,
        script: &Script,
        sink: &mut dyn VisualSink,
    ) -> Result<Vec<Visual>> {
        let mut out = Vec::new();
        for v in self.visuals(job, script).await? {
            out.push(sink.keep(v).await?);
        }
        Ok(out)
    }
}

/// Where [`VisualsStage::visuals_into`] puts each visual as soon as it has it.
#[async_trait]
pub trait VisualSink: Send {
    /// Keep `visual` (e.g. write its bytes to disk); returns the visual to hold instead.
    async fn keep(&mut self, visual: Visual) -> Result<Visual>;
}

/// A [`VisualSink`] that keeps every visual as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeepInMemory;

#[async_trait]
impl VisualSink for KeepInMemory {
    async fn keep(&mut self, visual: Visual) -> Result<Visual> {
        Ok(visual)
    }
}

/// Lays everything out in time.
pub trait TimelineStage: Send + Sync + Debug {
    /// Build the timeline; `narration_wav` is where the narration audio is stored.
    fn build(
        &self,
        job: &JobSpec,
        script: &Script,
        narration: &Narration,
        narration_wav: &Path,
        visuals: &[Visual],
    ) -> Result<Timeline>;
}

/// Renders a timeline to an MP4.
#[async_trait]
pub trait RenderStage: Send + Sync + Debug {
    /// Write the MP4 to `out` (atomically).
    async fn render(&self, timeline: &Timeline, out: &Path) -> Result<RenderSummary>;
}

/// A shared script stage (the caller keeps a handle, e.g. to read a fake's counters).
#[async_trait]
impl<T: ScriptStage + ?Sized> ScriptStage for std::sync::Arc<T> {
    async fn write(&self, job: &JobSpec) -> Result<ScriptOutput> {
        (**self).write(job).await
    }
}

/// A shared render stage (the caller keeps a handle, e.g. to read a fake's counters).
#[async_trait]
impl<T: RenderStage + ?Sized> RenderStage for std::sync::Arc<T> {
    async fn render(&self, timeline: &Timeline, out: &Path) -> Result<RenderSummary> {
        (**self).render(timeline, out).await
    }
}

/// Makes thumbnails.
#[async_trait]
pub trait ThumbnailStage: Send + Sync + Debug {
    /// Title + visuals → thumbnail variants (first = default).
    async fn thumbnails(
        &self,
        job: &JobSpec,
        script: &ScriptOutput,
        visuals: &[Visual],
    ) -> Result<Vec<Thumbnail>>;
}

/// Scores the result and gates the upload.
#[async_trait]
pub trait QualityStage: Send + Sync + Debug {
    /// Assess the artifacts.
    async fn assess(&self, inputs: QualityInputs<'_>) -> Result<QualityVerdict>;
}

/// [`NarrationStage`] over any [`crate::SpeechSynthesizer`]: one call per narration part,
/// joined with short pauses, timings offset onto the whole track. Reports progress after each
/// part ([`report_progress`](super::report_progress)) and records who actually spoke in
/// [`Narration::voice`].
#[derive(Debug, Clone)]
pub struct SpeechNarrator {
    tts: DynSpeechSynthesizer,
    pause_secs: f64,
}

impl SpeechNarrator {
    /// Narrate with `tts`, 0.35 s between parts.
    pub fn new(tts: DynSpeechSynthesizer) -> Self {
        Self {
            tts,
            pause_secs: 0.35,
        }
    }

    /// Change the pause between parts.
    #[must_use]
    pub fn with_pause(mut self, secs: f64) -> Self {
        self.pause_secs = secs.max(0.0);
        self
    }
}

#[async_trait]
impl NarrationStage for SpeechNarrator {
    async fn narrate(&self, job: &JobSpec, script: &Script) -> Result<Narration> {
        let parts = script.narration_parts();
        if parts.is_empty() {
            return Err(Error::invalid_request("script has no narration to speak"));
        }
        let mut samples: Vec<i16> = Vec::new();
        let mut timings = Vec::new();
        let mut bounds = Vec::new();
        let mut rate: Option<u32> = None;
        let mut voices: Vec<String> = Vec::new();
        let total = parts.len();
        let asked = self.tts.info();
        // The script's language is the text's (the offline writer writes English for any
        // channel); the channel's when the script does not say.
        let language = if script.language.is_empty() {
            job.channel.language.clone()
        } else {
            script.language.clone()
        };
        for (done, part) in parts.into_iter().enumerate() {
            let mut req = SpeechRequest::new(part).with_language(language.clone());
            if let Some(v) = &job.channel.voice.voice_id {
                req = req.with_voice(v.clone());
            }
            req.rate = job.channel.voice.rate;
            if let Some(r) = rate {
                req = req.with_sample_rate(r);
            }
            let speech = self.tts.synthesize(&req).await?;
            let audio = mono(&speech.audio);
            let r = *rate.get_or_insert(audio.sample_rate);
            if audio.sample_rate != r {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    format!(
                        "narration parts came back at {} Hz and {} Hz; use a synthesizer that honours sample_rate",
                        r, audio.sample_rate
                    ),
                ));
            }
            let start = samples.len() as f64 / f64::from(r);
            samples.extend_from_slice(&audio.samples);
            let end = samples.len() as f64 / f64::from(r);
            timings.extend(speech.timings.iter().map(|t| t.shifted(start)));
            bounds.push((start, end));
            let speaker = speaker_entry(&speech.provenance(&asked), &speech.voice);
            if !voices.contains(&speaker) {
                voices.push(speaker);
            }
            let pause = (self.pause_secs * f64::from(r)) as usize;
            samples.extend(std::iter::repeat_n(0i16, pause));
            super::report_progress((done + 1) as f64 / total as f64);
        }
        let audio = AudioTrack::new(rate.unwrap_or(24_000), 1, samples)?;
        Ok(Narration {
            audio,
            timings,
            parts: bounds,
            voice: voices.join(" + "),
        })
    }
}

/// Mix any channel layout down to mono.
fn mono(track: &AudioTrack) -> AudioTrack {
    if track.channels <= 1 {
        return track.clone();
    }
    let ch = usize::from(track.channels);
    let samples = track
        .samples
        .chunks_exact(ch)
        .map(|f| (f.iter().map(|&s| i32::from(s)).sum::<i32>() / ch as i32) as i16)
        .collect();
    AudioTrack {
        sample_rate: track.sample_rate,
        channels: 1,
        samples,
    }
}

/// [`VisualsStage`] over any [`crate::ImageSource`]: one request per narration part, queried
/// from the scene's visual cue (the title for hook and outro) plus the channel's style, never
/// repeating a visual id within the video. Each visual records the source that answered
/// ([`Visual::answered_by`]); progress is reported after each part.
#[derive(Debug, Clone)]
pub struct SourceVisuals {
    source: DynImageSource,
}

impl SourceVisuals {
    /// Fetch visuals from `source` (typically a fallback chain stock → AI → procedural).
    pub fn new(source: DynImageSource) -> Self {
        Self { source }
    }
}

/// The visual query of every narration part, in the order of [`Script::narration_parts`].
pub fn part_queries(script: &Script) -> Vec<String> {
    let mut queries = Vec::new();
    if !script.hook.trim().is_empty() {
        queries.push(script.title.clone());
    }
    for scene in &script.scenes {
        if !scene.narration.trim().is_empty() {
            queries.push(scene.visual_cue.clone());
        }
    }
    if !script.outro.trim().is_empty() {
        queries.push(format!("{} conclusion", script.title));
    }
    queries
}

#[async_trait]
impl VisualsStage for SourceVisuals {
    async fn visuals(&self, job: &JobSpec, script: &Script) -> Result<Vec<Visual>> {
        self.visuals_into(job, script, &mut KeepInMemory).await
    }

    async fn visuals_into(
        &self,
        job: &JobSpec,
        script: &Script,
        sink: &mut dyn VisualSink,
    ) -> Result<Vec<Visual>> {
        let orientation = match job.video.aspect() {
            crate::Aspect::Portrait => Orientation::Portrait,
            crate::Aspect::Square => Orientation::Square,
            _ => Orientation::Landscape,
        };
        let style = job.channel.visual.style.clone().unwrap_or_default();
        let mut used: Vec<String> = Vec::new();
        let mut out = Vec::new();
        let queries = part_queries(script);
        let total = queries.len();
        let asked = self.source.info();
        for (i, cue) in queries.into_iter().enumerate() {
            let query = if style.is_empty() {
                cue
            } else {
                format!("{cue}, {style}")
            };
            let mut req = ImageRequest::new(query, job.video.width, job.video.height)
                .with_orientation(orientation)
                .with_seed(i as u64);
            req.exclude = used.clone();
            let resp = self.source.fetch(&req).await?;
            let by = resp.answered_by.clone();
            let mut visual = resp
                .visuals
                .into_iter()
                .find(|v| !used.contains(&v.id))
                .ok_or_else(|| {
                    Error::new(ErrorKind::NotFound, format!("no new visual for part {i}"))
                })?;
            if visual.answered_by.is_none() {
                visual.answered_by = Some(by.unwrap_or_else(|| crate::Provenance::from(&asked)));
            }
            used.push(visual.id.clone());
            out.push(sink.keep(visual).await?);
            super::report_progress((i + 1) as f64 / total as f64);
        }
        Ok(out)
    }
}

/// [`TimelineStage`] that gives each narration part its visual, with alternating Ken Burns
/// moves, crossfades between parts, on-screen text from the scenes and word captions.
#[derive(Debug, Clone, Default)]
pub struct DefaultTimeline {
    /// Crossfade length in seconds (0 = hard cuts).
    pub crossfade_secs: f64,
}

impl DefaultTimeline {
    /// Half-second crossfades.
    pub fn new() -> Self {
        Self {
            crossfade_secs: 0.5,
        }
    }
}

impl TimelineStage for DefaultTimeline {
    fn build(
        &self,
        job: &JobSpec,
        script: &Script,
        narration: &Narration,
        narration_wav: &Path,
        visuals: &[Visual],
    ) -> Result<Timeline> {
        if visuals.len() != narration.parts.len() {
            return Err(Error::invalid_request(format!(
                "{} visuals for {} narration parts; give one visual per part",
                visuals.len(),
                narration.parts.len()
            )));
        }
        let total = narration.audio.duration_secs().max(0.5);
        let mut texts: Vec<Option<String>> = Vec::new();
        if !script.hook.trim().is_empty() {
            texts.push(Some(script.title.clone()));
        }
        for scene in script
            .scenes
            .iter()
            .filter(|s| !s.narration.trim().is_empty())
        {
            texts.push(scene.on_screen_text.clone());
        }
        let mut timeline = Timeline::new(job.video);
        let n = visuals.len();
        for (i, visual) in visuals.iter().enumerate() {
            let start = if i == 0 { 0.0 } else { narration.parts[i].0 };
            let end = if i + 1 == n {
                total + 0.5
            } else {
                narration.parts[i + 1].0 + self.crossfade_secs
            };
            let zoom_in = i % 2 == 0;
            let drift = if i % 3 == 0 { 0.04 } else { -0.04 };
            let motion = Motion::KenBurns {
                from_zoom: if zoom_in { 1.0 } else { 1.15 },
                to_zoom: if zoom_in { 1.15 } else { 1.0 },
                from_center: (0.5 - drift, 0.5),
                to_center: (0.5 + drift, 0.5),
            };
            let transition = if i == 0 || self.crossfade_secs <= 0.0 {
                Transition::Cut
            } else {
                Transition::Crossfade {
                    secs: self.crossfade_secs,
                }
            };
            let mut seg = Segment::new(visual.clone(), start, end.max(start + 0.1))
                .with_motion(motion)
                .with_transition(transition);
            // A picture whose headline (a procedural picture's key phrase) already says the
            // same words does not get them drawn a second time on top.
            if let Some(Some(text)) = texts.get(i)
                && !visual
                    .headline
                    .as_deref()
                    .is_some_and(|h| same_words(h, text))
            {
                seg = seg.with_text(text.clone());
            }
            timeline = timeline.with_segment(seg);
        }
        timeline.captions = narration.timings.clone();
        timeline.narration = Some(narration_wav.to_path_buf());
        timeline.validate()?;
        Ok(timeline)
    }
}

/// Whether `a` and `b` are the same words, ignoring case and spacing.
fn same_words(a: &str, b: &str) -> bool {
    a.split_whitespace()
        .map(str::to_lowercase)
        .eq(b.split_whitespace().map(str::to_lowercase))
}

#[cfg(test)]
mod tests;
