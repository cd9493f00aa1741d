//! The shape of the output video, the timeline that fills it, thumbnails and upload receipts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

use super::{Usage, Visual, WordTiming};
use crate::{Error, Result};

/// Frame shape family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aspect {
    /// 16:9.
    Landscape,
    /// 9:16 (Shorts).
    Portrait,
    /// 1:1.
    Square,
    /// Anything else.
    Custom,
}

/// Output resolution and frame rate.
///
/// ```
/// use ytempire_core::{Aspect, VideoSpec};
/// let spec = VideoSpec::shorts();
/// assert_eq!((spec.width, spec.height), (1080, 1920));
/// assert_eq!(spec.aspect(), Aspect::Portrait);
/// assert!(VideoSpec::new(1921, 1080, 30).validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VideoSpec {
    /// Width in pixels (even).
    pub width: u32,
    /// Height in pixels (even).
    pub height: u32,
    /// Frames per second.
    pub fps: u32,
}

impl VideoSpec {
    /// A custom spec (check it with [`VideoSpec::validate`]).
    pub const fn new(width: u32, height: u32, fps: u32) -> Self {
        Self { width, height, fps }
    }

    /// 1920×1080 at 30 fps.
    pub const fn landscape() -> Self {
        Self::new(1920, 1080, 30)
    }

    /// 1080×1920 at 30 fps (YouTube Shorts).
    pub const fn shorts() -> Self {
        Self::new(1080, 1920, 30)
    }

    /// 1080×1080 at 30 fps.
    pub const fn square() -> Self {
        Self::new(1080, 1080, 30)
    }

    /// The same spec at another frame rate.
    #[must_use]
    pub const fn with_fps(mut self, fps: u32) -> Self {
        self.fps = fps;
        self
    }

    /// Which aspect family the spec belongs to.
    pub fn aspect(&self) -> Aspect {
        let (w, h) = (u64::from(self.width), u64::from(self.height));
        if w * 9 == h * 16 {
            Aspect::Landscape
        } else if w * 16 == h * 9 {
            Aspect::Portrait
        } else if w == h {
            Aspect::Square
        } else {
            Aspect::Custom
        }
    }

    /// Check dimensions (non-zero, even, at most 8192) and frame rate (1–120).
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [("width", self.width), ("height", self.height)] {
            if v == 0 || v % 2 != 0 || v > 8192 {
                return Err(Error::invalid_request(format!(
                    "video {name} {v} must be an even number of pixels between 2 and 8192 (H.264 4:2:0 needs even sizes)"
                )));
            }
        }
        if !(1..=120).contains(&self.fps) {
            return Err(Error::invalid_request(format!(
                "video fps {} must be between 1 and 120",
                self.fps
            )));
        }
        Ok(())
    }
}

impl Default for VideoSpec {
    fn default() -> Self {
        Self::landscape()
    }
}

/// Camera motion over a still.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Motion {
    /// No motion.
    #[default]
    Still,
    /// Ken Burns: zoom and pan from one framing to another.
    KenBurns {
        /// Zoom at the start (1.0 = fill the frame).
        from_zoom: f32,
        /// Zoom at the end.
        to_zoom: f32,
        /// Centre at the start, as a fraction of the image (0.5, 0.5 = middle).
        from_center: (f32, f32),
        /// Centre at the end.
        to_center: (f32, f32),
    },
}

/// How a segment enters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Transition {
    /// Hard cut.
    #[default]
    Cut,
    /// Crossfade from the previous segment.
    Crossfade {
        /// Seconds.
        secs: f64,
    },
    /// Slide in over the previous segment.
    Slide {
        /// Seconds.
        secs: f64,
    },
}

/// One visual on screen for a time range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Segment {
    /// What to show.
    pub visual: Visual,
    /// Start in seconds.
    pub start_secs: f64,
    /// End in seconds.
    pub end_secs: f64,
    /// Camera motion.
    #[serde(default)]
    pub motion: Motion,
    /// Entry transition.
    #[serde(default)]
    pub transition: Transition,
    /// Overlay text (title card or lower third).
    #[serde(default)]
    pub on_screen_text: Option<String>,
}

impl Segment {
    /// A still segment.
    pub fn new(visual: Visual, start_secs: f64, end_secs: f64) -> Self {
        Self {
            visual,
            start_secs,
            end_secs,
            motion: Motion::Still,
            transition: Transition::Cut,
            on_screen_text: None,
        }
    }

    /// Set the motion.
    #[must_use]
    pub fn with_motion(mut self, motion: Motion) -> Self {
        self.motion = motion;
        self
    }

    /// Set the transition.
    #[must_use]
    pub fn with_transition(mut self, transition: Transition) -> Self {
        self.transition = transition;
        self
    }

    /// Set overlay text.
    #[must_use]
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.on_screen_text = Some(text.into());
        self
    }
}

/// Everything a renderer needs: spec, visuals over time, captions and audio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Timeline {
    /// Output shape.
    pub spec: VideoSpec,
    /// Visual segments in time order.
    pub segments: Vec<Segment>,
    /// Word timings for captions, in seconds from the start of the video.
    #[serde(default)]
    pub captions: Vec<WordTiming>,
    /// Narration audio (WAV).
    #[serde(default)]
    pub narration: Option<PathBuf>,
    /// Background music (WAV), ducked under speech.
    #[serde(default)]
    pub music: Option<PathBuf>,
}

impl Timeline {
    /// An empty timeline.
    pub fn new(spec: VideoSpec) -> Self {
        Self {
            spec,
            segments: Vec::new(),
            captions: Vec::new(),
            narration: None,
            music: None,
        }
    }

    /// Append a segment.
    #[must_use]
    pub fn with_segment(mut self, segment: Segment) -> Self {
        self.segments.push(segment);
        self
    }

    /// End of the last segment, in seconds.
    pub fn duration_secs(&self) -> f64 {
        self.segments.iter().map(|s| s.end_secs).fold(0.0, f64::max)
    }

    /// Check the spec, that there is something to show, and that segment times are sane.
    pub fn validate(&self) -> Result<()> {
        self.spec.validate()?;
        if self.segments.is_empty() {
            return Err(Error::invalid_request(
                "timeline has no segments; add at least one visual",
            ));
        }
        for (i, s) in self.segments.iter().enumerate() {
            if !(s.start_secs.is_finite() && s.end_secs.is_finite())
                || s.start_secs < 0.0
                || s.end_secs <= s.start_secs
            {
                return Err(Error::invalid_request(format!(
                    "segment {i} runs from {}s to {}s; it must start at or after 0 and end after it starts",
                    s.start_secs, s.end_secs
                )));
            }
        }
        Ok(())
    }
}

/// Thumbnail image format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThumbnailFormat {
    /// `image/png`.
    Png,
    /// `image/jpeg`.
    Jpeg,
}

impl ThumbnailFormat {
    /// The MIME type.
    pub const fn mime(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
        }
    }
}

/// An encoded thumbnail (YouTube: 1280×720, under 2 MB).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thumbnail {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Encoding.
    pub format: ThumbnailFormat,
    /// Variant name for A/B tests (e.g. "a", "b").
    pub variant: String,
    /// Encoded bytes.
    #[serde(with = "super::serde_b64::bytes")]
    pub data: Vec<u8>,
}

impl std::fmt::Debug for Thumbnail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Thumbnail")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("format", &self.format)
            .field("variant", &self.variant)
            .field("bytes", &self.data.len())
            .finish()
    }
}

impl Thumbnail {
    /// YouTube's size limit for custom thumbnails.
    pub const MAX_BYTES: usize = 2 * 1024 * 1024;
}

/// What an upload produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UploadReceipt {
    /// The platform's video id.
    pub video_id: String,
    /// Watch URL.
    pub url: String,
    /// Account name used.
    pub account: String,
    /// Channel id, if known.
    #[serde(default)]
    pub channel_id: Option<String>,
    /// Bytes uploaded.
    pub bytes: u64,
    /// Whether a custom thumbnail was set.
    pub thumbnail_set: bool,
    /// Why the thumbnail was not set, when one was given and setting it failed (the video
    /// exists; set the thumbnail later with the uploader's own call).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_error: Option<String>,
    /// When the upload finished.
    pub uploaded_at: DateTime<Utc>,
    /// Quota and requests spent.
    pub usage: Usage,
}

impl UploadReceipt {
    /// A receipt for `video_id` on `account`.
    pub fn new(video_id: impl Into<String>, account: impl Into<String>, bytes: u64) -> Self {
        let video_id = video_id.into();
        Self {
            url: format!("https://www.youtube.com/watch?v={video_id}"),
            video_id,
            account: account.into(),
            channel_id: None,
            bytes,
            thumbnail_set: false,
            thumbnail_error: None,
            uploaded_at: Utc::now(),
            usage: Usage::default(),
        }
    }
}
