//! Stock video clips: demux H.264 MP4 files and decode their frames on demand.
//!
//! A clip is opened in two steps:
//!
//! 1. [`ClipSource`] *probes* the file: it reads the `ftyp` and `moov` boxes with
//!    `shiguredo_mp4`'s demuxer (wherever the `moov` sits, front or back), picks the first
//!    video track, checks that it is H.264 (`avc1`), takes the SPS/PPS and NAL length size from
//!    its `avcC` box, and builds a compact sample index (file offset, size, keyframe flag and
//!    presentation time of every frame). It checks that every sample lies inside the file, so a
//!    truncated download fails here, before any frame is rendered. The index is metadata only
//!    (about 24 bytes a frame) and is shared by every decoder of the source.
//! 2. [`ClipDecoder`] decodes frames with the bundled openh264 decoder. Each sample is read from
//!    the file when it is needed, its length-prefixed NAL units are rewritten as Annex B (start
//!    codes, with the `avcC` parameter sets in front of the first one) and the picture is
//!    converted to RGBA. Only the frame being shown is converted and kept, so memory stays at
//!    one RGBA frame plus the decoder's reference pictures however long the clip is.
//!
//! # Frame choice and seeking
//!
//! [`ClipDecoder::frame_at`] returns the frame whose presentation time is the latest one at or
//! before the asked time (nearest-earlier, deterministic; times before the first frame give the
//! first frame, times after the end give the last one). Moving forward decodes the frames in
//! between (jumping to the last keyframe before the target when the clip has no B-frames);
//! moving backward re-opens the decoder at the keyframe before the target (at the start when
//! the clip has B-frames). Rendering plays time forward, so each sample is normally decoded
//! once per pass; looping restarts from the beginning.
//!
//! Presentation times are rebased so the first displayed frame is at 0 s. B-frames are handled:
//! the decoder returns pictures in display order and the *n*-th picture gets the *n*-th
//! smallest presentation time.
//!
//! Edit lists are followed for the part of the media they show: a clip cut without re-encoding
//! (`ffmpeg -ss 2 -i in.mp4 -c copy out.mp4` keeps the frames from the keyframe before 2 s
//! and hides them with an edit) plays from its cut, and an edit shorter than the media ends the
//! clip early. Hidden frames are decoded (later frames may refer to them) but never shown.
//! Only the first entry that maps media counts: a leading empty edit (a delay) is not
//! reproduced, and further entries and media rates other than 1 are ignored.
//!
//! # Errors
//!
//! All typed, never a panic: `NotFound` for a missing file; `Render` for an empty file, data
//! that is not MP4 (an HTML error page, a PNG), a truncated file, a track without frames and
//! corrupt NAL units or slice data; `InvalidRequest` for an MP4 without a video track;
//! `Unsupported` for a video track in another codec (H.265, VP9, AV1, `avc3`) or larger than
//! 4096 pixels on a side.
//!
//! # Colour
//!
//! Pixels are converted with the matrix and range the clip's SPS names in its VUI (BT.709 or
//! BT.601, limited or full), else BT.709 for pictures 720 rows or taller and BT.601 below, as
//! players do ([`ClipColor`], in [`ClipInfo::color`]). BT.601 limited range, what the bundled
//! encoder writes, uses openh264's SIMD converter; the others a fixed-point one.
//!
//! ```no_run
//! use ytempire_render::clip::ClipSource;
//! # fn main() -> ytempire_core::Result<()> {
//! let source = ClipSource::open("waves.mp4".as_ref())?;
//! let info = source.info();
//! println!("{}x{}, {:.2} s", info.width, info.height, info.duration_secs);
//! let mut decoder = source.decoder()?;
//! while let Some(frame) = decoder.next_frame()? {
//!     println!("frame {} at {:.3} s", frame.index, frame.time_secs);
//! }
//! let middle = decoder.frame_at(source.info().duration_secs / 2.0)?;
//! assert!(middle.image.opaque);
//! # Ok(()) }
//! ```

mod color;
mod decoder;
mod mp4;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ytempire_core::{Error, ErrorKind, MediaKind, Result, Visual, VisualContent};

pub use color::{ClipColor, ColorMatrix};
pub use decoder::{ClipDecoder, ClipFrame};
use mp4::ClipIndex;
#[cfg(feature = "fuzzing")]
pub(crate) use mp4::avcc_to_annexb;

/// Largest clip side accepted (the still-image limit, which GPUs can hold as a texture).
pub const MAX_CLIP_SIDE: u32 = crate::scene::MAX_IMAGE_SIDE;

/// What probing a clip found.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ClipInfo {
    /// Picture width in pixels (from the `avc1` sample entry).
    pub width: u32,
    /// Picture height in pixels.
    pub height: u32,
    /// Number of frames shown (those the edit list hides are not counted).
    pub frames: usize,
    /// Length in seconds: from the first frame's presentation time to the end of the last (or
    /// the edit list's length).
    pub duration_secs: f64,
    /// Average frame rate (`frames / duration_secs`).
    pub fps: f64,
    /// H.264 `profile_idc` (66 Baseline, 77 Main, 100 High).
    pub profile_idc: u8,
    /// H.264 `level_idc` (e.g. 40 for level 4.0).
    pub level_idc: u8,
    /// Whether frames are stored out of display order (B-frames).
    pub reordered: bool,
    /// The YUV → RGB matrix and range frames are converted with (from the SPS; see
    /// [`ClipColor::from_sps`]).
    pub color: ClipColor,
}

/// Where a clip's bytes live.
#[derive(Clone)]
pub(crate) enum ClipBytes {
    File(PathBuf),
    Memory(Arc<[u8]>),
}

/// A probed H.264 MP4 clip: where its bytes are and its sample index. Cheap to clone.
///
/// ```no_run
/// use ytempire_render::clip::ClipSource;
/// # fn main() -> ytempire_core::Result<()> {
/// let bytes = std::fs::read("clip.mp4").map_err(|e| ytempire_core::Error::io("reading", e))?;
/// let source = ClipSource::from_bytes("clip", bytes)?;
/// assert!(source.info().frames > 0);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ClipSource {
    label: String,
    bytes: ClipBytes,
    index: Arc<ClipIndex>,
}

impl std::fmt::Debug for ClipSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClipSource")
            .field("label", &self.label)
            .field("info", &self.index.info)
            .finish_non_exhaustive()
    }
}

impl ClipSource {
    /// Probe an MP4 file on disk. The file stays on disk; frames are read from it on demand.
    ///
    /// # Errors
    /// See the [module documentation](self#errors).
    pub fn open(path: &Path) -> Result<Self> {
        let label = path.display().to_string();
        let bytes = ClipBytes::File(path.to_path_buf());
        let index = mp4::probe(&mut decoder::Reader::open(&bytes, &label)?, &label)?;
        Ok(Self {
            label,
            bytes,
            index: Arc::new(index),
        })
    }

    /// Probe an MP4 held in memory; `label` names it in errors.
    ///
    /// # Errors
    /// See the [module documentation](self#errors).
    pub fn from_bytes(label: impl Into<String>, bytes: impl Into<Arc<[u8]>>) -> Result<Self> {
        let label = label.into();
        let bytes = ClipBytes::Memory(bytes.into());
        let index = mp4::probe(&mut decoder::Reader::open(&bytes, &label)?, &label)?;
        Ok(Self {
            label,
            bytes,
            index: Arc::new(index),
        })
    }

    /// Probe a [`Visual`]'s content (a file or in-memory bytes), whatever its `kind` says.
    ///
    /// # Errors
    /// See the [module documentation](self#errors).
    pub fn from_visual(visual: &Visual) -> Result<Self> {
        let r = match &visual.content {
            VisualContent::File { path } => Self::open(path),
            VisualContent::Bytes { data, .. } => Self::from_bytes(
                format!("visual {:?}", visual.id),
                Arc::<[u8]>::from(data.as_slice()),
            ),
        };
        r.map_err(|e| {
            let msg = format!("visual {:?}: {}", visual.id, e.message());
            Error::new(e.kind(), msg)
        })
    }

    /// What probing found.
    pub fn info(&self) -> &ClipInfo {
        &self.index.info
    }

    /// Presentation time of every frame, in display order, in seconds (the first is 0).
    pub fn frame_times(&self) -> impl ExactSizeIterator<Item = f64> + '_ {
        (0..self.index.display.len()).map(|k| self.index.time_of(k))
    }

    /// A decoder positioned before the first frame.
    ///
    /// # Errors
    /// `NotFound`/`Io` when the file cannot be opened again, `Render` when the decoder cannot
    /// be created.
    pub fn decoder(&self) -> Result<ClipDecoder> {
        ClipDecoder::new(self)
    }

    /// The first displayed frame as an RGBA image (thumbnails, dedup by perceptual hash).
    ///
    /// # Errors
    /// As [`decoder`](Self::decoder), and `Render` when the first frame does not decode.
    pub fn first_frame(&self) -> Result<image::RgbaImage> {
        let mut decoder = self.decoder()?;
        let frame = decoder.frame_at(0.0)?.image;
        image::RgbaImage::from_raw(frame.width, frame.height, frame.rgba.clone())
            .ok_or_else(|| Error::internal("clip frame size mismatch"))
    }
}

/// A [`Visual`] of kind [`MediaKind::VideoClip`] for an MP4 file, with its width, height and
/// duration filled in by probing it.
///
/// ```no_run
/// use ytempire_core::{Segment, Timeline, VideoSpec};
/// use ytempire_render::clip::clip_visual;
/// # fn main() -> ytempire_core::Result<()> {
/// let waves = clip_visual("waves", "waves.mp4".as_ref())?;
/// let timeline = Timeline::new(VideoSpec::shorts()).with_segment(Segment::new(waves, 0.0, 8.0));
/// # let _ = timeline;
/// # Ok(()) }
/// ```
///
/// # Errors
/// See the [module documentation](self#errors).
pub fn clip_visual(id: impl Into<String>, path: &Path) -> Result<Visual> {
    let info = ClipSource::open(path)?.info().clone();
    let mut v = Visual::image_file(id, info.width, info.height, path.to_path_buf());
    v.kind = MediaKind::VideoClip;
    v.duration_secs = Some(info.duration_secs);
    Ok(v)
}

fn clip_err(kind: ErrorKind, label: &str, msg: impl std::fmt::Display) -> Error {
    Error::new(kind, format!("clip {label}: {msg}"))
}
