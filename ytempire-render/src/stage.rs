//! The pipeline's render and thumbnail stages, and the frame sampler the quality stage reads
//! a rendered video with.
//!
//! - [`VideoRenderer`] implements core's [`RenderStage`]: the timeline through the compositor,
//!   encoder and muxer ([`render_video_with_progress`]), reporting progress as frames are drawn
//!   (at most 100 events per render, carried from the render thread on a channel). It is also
//!   the music stage: when the timeline has no music, its [`MusicPlan`] adds some (a track of
//!   the local library for the channel's mood, else a generated ambient bed; on by default),
//!   so the video is never silent between sentences. Core's timeline stage knows nothing of
//!   audio files, so this is where `Timeline.music` gets set.
//! - [`ThumbnailMaker`] implements [`ThumbnailStage`]: A/B variants from the first visual and
//!   the video's title.
//! - [`sample_frames`] decodes a few downscaled frames of a rendered MP4 for scoring
//!   (ytempire-cost's quality stage turns them into its `VideoSample`).
//!
//! ```no_run
//! use ytempire_core::pipeline::{Pipeline, ScriptStage, SourceVisuals, SpeechNarrator};
//! use ytempire_core::{DynImageSource, DynSpeechSynthesizer};
//! use ytempire_render::{ThumbnailMaker, VideoRenderer};
//! # fn demo(script: impl ScriptStage + 'static, tts: DynSpeechSynthesizer,
//! #         images: DynImageSource) -> ytempire_core::Result<()> {
//! let pipeline = Pipeline::builder("jobs")
//!     .script(script)
//!     .narration(SpeechNarrator::new(tts))
//!     .visuals(SourceVisuals::new(images))
//!     .render(VideoRenderer::default())
//!     .thumbnails(ThumbnailMaker::default())
//!     .build()?;
//! # Ok(()) }
//! ```

use std::path::Path;

use async_trait::async_trait;
use image::RgbImage;
use ytempire_core::pipeline::{
    JobSpec, RenderStage, RenderSummary, ScriptOutput, ThumbnailStage, report_progress,
};
use ytempire_core::{Error, Result, Thumbnail, Timeline, Visual};

use crate::audio::music::{MusicLibrary, ambient_bed, prepare_track};
use crate::video::{RenderOptions, render_video_with_progress};

/// Background music [`VideoRenderer`] adds to a timeline that has none.
///
/// In order: a track of `library` for `mood` (see [`MusicLibrary::pick`]; looped with a
/// crossfade or cut to the video), else, when `generated`, an ambient bed
/// ([`ambient_bed`]), else nothing. The mixer puts it 10 LU under the narration and ducks it
/// a further 12 dB under speech ([`crate::audio::MixSettings`]).
#[derive(Debug, Clone)]
pub struct MusicPlan {
    /// A local music library to pick from; `None` for none.
    pub library: Option<MusicLibrary>,
    /// The channel's mood ("calm", "upbeat"…), matched against the library's moods.
    pub mood: Option<String>,
    /// Generate an ambient bed when the library gives nothing (default on).
    pub generated: bool,
    /// Seed for the pick and the bed; `None` derives one from the output path, so each job
    /// gets its own and a rerun the same.
    pub seed: Option<u64>,
}

impl Default for MusicPlan {
    /// No library, a generated bed.
    fn default() -> Self {
        Self {
            library: None,
            mood: None,
            generated: true,
            seed: None,
        }
    }
}

impl MusicPlan {
    /// No music added (the timeline's own, if any, is still mixed).
    pub fn none() -> Self {
        Self {
            generated: false,
            ..Self::default()
        }
    }

    /// Write the music for a job rendered to `out` into a temporary WAV; `None` when the
    /// plan adds nothing. Blocking.
    fn materialise(&self, out: &Path) -> Result<Option<tempfile::NamedTempFile>> {
        let seed = self
            .seed
            .unwrap_or_else(|| crate::sources::query_seed(&out.to_string_lossy()));
        let track = self
            .library
            .as_ref()
            .and_then(|l| l.pick(self.mood.as_deref(), seed));
        if track.is_none() && !self.generated {
            return Ok(None);
        }
        let file = tempfile::Builder::new()
            .prefix("ytempire-music-")
            .suffix(".wav")
            .tempfile()
            .map_err(|e| Error::io("creating the music file", e))?;
        match track {
            Some(t) => prepare_track(&t.path)?.write_wav(file.path())?,
            None => ambient_bed(seed, crate::audio::SAMPLE_RATE).write_wav(file.path())?,
        }
        Ok(Some(file))
    }
}

/// [`RenderStage`] over this crate's compositor, encoder and muxer, adding background music
/// per its [`MusicPlan`].
#[derive(Debug, Clone, Default)]
pub struct VideoRenderer {
    /// Render options (compositor, encoder, caption style, loudness).
    pub options: RenderOptions,
    /// Music added when the timeline has none (a generated bed by default).
    pub music: MusicPlan,
}

impl VideoRenderer {
    /// Render with `options` and the default [`MusicPlan`].
    pub fn new(options: RenderOptions) -> Self {
        Self {
            options,
            music: MusicPlan::default(),
        }
    }

    /// Use `music` for timelines without music.
    pub fn with_music(mut self, music: MusicPlan) -> Self {
        self.music = music;
        self
    }
}

#[async_trait]
impl RenderStage for VideoRenderer {
    async fn render(&self, timeline: &Timeline, out: &Path) -> Result<RenderSummary> {
        // Music first (the file lives until the render ends).
        let mut _music_file = None;
        let with_music;
        let timeline = if timeline.music.is_none() {
            let plan = self.music.clone();
            let target = out.to_path_buf();
            _music_file = tokio::task::spawn_blocking(move || plan.materialise(&target))
                .await
                .map_err(|e| Error::internal(format!("music task failed: {e}")))??;
            match &_music_file {
                Some(f) => {
                    let mut t = timeline.clone();
                    t.music = Some(f.path().to_path_buf());
                    with_music = t;
                    &with_music
                }
                None => timeline,
            }
        } else {
            timeline
        };
        // The frames are drawn on a blocking thread, outside the stage's task-local progress
        // reporter: carry the fractions back on a channel and report them here.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<f64>();
        let render = render_video_with_progress(timeline, &self.options, out, move |done, all| {
            let _ = tx.send(done as f64 / all.max(1) as f64);
        });
        tokio::pin!(render);
        let report = loop {
            tokio::select! {
                report = &mut render => break report?,
                Some(fraction) = rx.recv() => report_progress(fraction),
            }
        };
        while let Ok(fraction) = rx.try_recv() {
            report_progress(fraction);
        }
        Ok(RenderSummary {
            frames: report.frames,
            duration_secs: report.duration.as_secs_f64(),
            backend: report.backend.to_string(),
            encoder: report.encoder,
            loudness_lufs: Some(report.loudness_lufs).filter(|l| l.is_finite()),
        })
    }
}

/// [`ThumbnailStage`]: A/B thumbnail variants from the first visual and the video title.
#[derive(Debug, Clone)]
pub struct ThumbnailMaker {
    /// How many variants (the first is the default).
    pub variants: usize,
}

impl Default for ThumbnailMaker {
    /// Three variants.
    fn default() -> Self {
        Self { variants: 3 }
    }
}

#[async_trait]
impl ThumbnailStage for ThumbnailMaker {
    async fn thumbnails(
        &self,
        job: &JobSpec,
        script: &ScriptOutput,
        visuals: &[Visual],
    ) -> Result<Vec<Thumbnail>> {
        let mut background = visuals
            .first()
            .cloned()
            .ok_or_else(|| Error::invalid_request("no visual to make a thumbnail from"))?;
        if background.provider == "procedural" {
            // The scene picture carries its key phrase; the title goes over a plain one.
            background = plain_procedural(&background, &job.channel).unwrap_or(background);
        }
        let title = script.metadata.title.clone();
        let variants = self.variants;
        let seed = crate::sources::query_seed(&job.id);
        let made = tokio::task::spawn_blocking(move || {
            crate::thumbnail::thumbnails_from_visual(&background, &title, variants, seed)
        })
        .await
        .map_err(|e| Error::internal(format!("thumbnail task failed: {e}")))??;
        report_progress(1.0);
        Ok(made)
    }
}

/// The plain background behind a procedural visual (its variant read from the id
/// `procedural:<seed>:<variant>:<w>x<h>`), in the channel's palette; `None` when the id
/// does not parse or drawing fails.
fn plain_procedural(visual: &Visual, channel: &ytempire_core::ChannelProfile) -> Option<Visual> {
    let variant: u64 = visual.id.split(':').nth(2)?.parse().ok()?;
    let img = crate::sources::Procedural::for_channel(channel)
        .render(&visual.query, variant, visual.width, visual.height)
        .ok()?;
    let png = crate::sources::inspect::encode_png(&image::DynamicImage::ImageRgb8(img)).ok()?;
    Some(
        Visual::image_bytes(
            visual.id.clone(),
            visual.width,
            visual.height,
            "image/png",
            png,
        )
        .with_origin(visual.provider.clone(), visual.query.clone()),
    )
}

/// Frames decoded from a rendered video by [`sample_frames`], with what the file declares.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FrameSamples {
    /// Picture width in the file.
    pub width: u32,
    /// Picture height in the file.
    pub height: u32,
    /// Average frame rate in the file.
    pub fps: f64,
    /// Length in seconds.
    pub duration_secs: f64,
    /// `(presentation time in seconds, picture)`, in time order, each downscaled to at most
    /// [`SAMPLE_WIDTH`] pixels wide.
    pub frames: Vec<(f64, RgbImage)>,
}

/// Most frames [`sample_frames`] decodes, however long the video.
pub const MAX_SAMPLES: usize = 90;
/// Widest picture [`sample_frames`] keeps (quality scorers read a 256×144 grid).
pub const SAMPLE_WIDTH: u32 = 256;

/// Decode one frame every `every_secs` (at least 0.1 s, and spread so that at most
/// [`MAX_SAMPLES`] are taken) of the MP4 at `path` with this crate's clip decoder, each
/// downscaled to [`SAMPLE_WIDTH`] pixels wide, so memory stays flat however long the video
/// is. Blocking: call it off the async threads.
///
/// # Errors
/// Whatever the decoder reports for a missing or unreadable file.
pub fn sample_frames(path: &Path, every_secs: f64) -> Result<FrameSamples> {
    let source = crate::clip::ClipSource::open(path)?;
    let info = source.info().clone();
    let mut decoder = source.decoder()?;
    let step = every_secs
        .max(0.1)
        .max(info.duration_secs / MAX_SAMPLES as f64);
    let mut frames = Vec::new();
    let mut t = 0.0;
    while t < info.duration_secs && frames.len() < MAX_SAMPLES {
        let f = decoder.frame_at(t)?;
        let img = f.image;
        let rgb: Vec<u8> = img
            .rgba
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        if let Some(image) = RgbImage::from_raw(img.width, img.height, rgb) {
            let small = if img.width > SAMPLE_WIDTH {
                let h = (u64::from(img.height) * u64::from(SAMPLE_WIDTH)
                    / u64::from(img.width.max(1)))
                .clamp(1, u64::from(u32::MAX)) as u32;
                image::imageops::resize(
                    &image,
                    SAMPLE_WIDTH,
                    h,
                    image::imageops::FilterType::Triangle,
                )
            } else {
                image
            };
            frames.push((f.time_secs, small));
        }
        t += step;
    }
    Ok(FrameSamples {
        width: info.width,
        height: info.height,
        fps: info.fps,
        duration_secs: info.duration_secs,
        frames,
    })
}

#[cfg(test)]
mod tests;
