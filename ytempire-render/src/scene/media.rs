//! The pictures a compositor samples, one entry per segment: stills decoded once in `prepare`,
//! video clips decoded frame by frame as render time advances.
//!
//! A clip segment holds an open [`ClipDecoder`] only while it is on screen (its own time range,
//! plus the next segment's transition in); when it leaves the screen its decoder and frame are
//! dropped, so a video made of many clips keeps at most two clips' frames in memory.

use std::sync::Arc;

use ytempire_core::{Error, MediaKind, Result};

use super::{Scene, SourceImage, decode_visual};
use crate::clip::{ClipDecoder, ClipSource};

/// What one segment shows.
#[derive(Debug)]
enum Entry {
    Still(Arc<SourceImage>),
    Clip {
        source: ClipSource,
        decoder: Option<Box<ClipDecoder>>,
    },
}

/// Per-segment pictures for one compositor.
#[derive(Debug, Default)]
pub(crate) struct SegmentMedia {
    entries: Vec<Entry>,
}

impl SegmentMedia {
    /// Decode every still and probe every clip of `scene` (one entry per segment, in scene
    /// order; identical visuals are decoded or probed once).
    ///
    /// # Errors
    /// `NotFound` for a missing file; `Render`, `InvalidRequest` or `Unsupported` for a corrupt
    /// image or clip (see [`crate::clip`]).
    pub(crate) fn load(scene: &Scene) -> Result<Self> {
        let mut entries: Vec<Entry> = Vec::with_capacity(scene.segments.len());
        for (i, seg) in scene.segments.iter().enumerate() {
            let clip = seg.visual.kind == MediaKind::VideoClip;
            let dup = scene.segments[..i].iter().position(|s| {
                s.visual.content == seg.visual.content
                    && (s.visual.kind == MediaKind::VideoClip) == clip
            });
            let entry = match (dup.and_then(|j| entries.get(j)), clip) {
                (Some(Entry::Still(img)), false) => Entry::Still(Arc::clone(img)),
                (Some(Entry::Clip { source, .. }), true) => Entry::Clip {
                    source: source.clone(),
                    decoder: None,
                },
                (_, false) => Entry::Still(Arc::new(SourceImage::from_rgba(decode_visual(
                    &seg.visual,
                )?))),
                (_, true) => Entry::Clip {
                    source: ClipSource::from_visual(&seg.visual).map_err(|e| in_segment(i, &e))?,
                    decoder: None,
                },
            };
            entries.push(entry);
        }
        Ok(Self { entries })
    }

    /// Bring every clip on screen at `t` to the frame it shows then; close the others.
    ///
    /// # Errors
    /// `Render` for corrupt clip data, `Io`/`NotFound` when a clip file cannot be read.
    pub(crate) fn update(&mut self, scene: &Scene, t: f64) -> Result<()> {
        let t = super::plan::clamp_time(t);
        let on_screen = scene.visible(t);
        for (i, entry) in self.entries.iter_mut().enumerate() {
            let Entry::Clip { source, decoder } = entry else {
                continue;
            };
            let shown = on_screen
                .as_ref()
                .is_some_and(|v| v.cur == i || v.prev.is_some_and(|p| p.index == i));
            let Some(seg) = scene.segments.get(i).filter(|_| shown) else {
                *decoder = None;
                continue;
            };
            let ct = scene
                .style
                .clip_playback
                .clip_time(t - seg.start, source.info().duration_secs);
            let d = match decoder {
                Some(d) => d,
                None => decoder.insert(Box::new(source.decoder().map_err(|e| in_segment(i, &e))?)),
            };
            d.frame_at(ct).map_err(|e| in_segment(i, &e))?;
        }
        Ok(())
    }

    /// The picture segment `i` shows now: its still, or its clip's current frame.
    pub(crate) fn image(&self, i: usize) -> Option<&SourceImage> {
        match self.entries.get(i)? {
            Entry::Still(img) => Some(img),
            Entry::Clip { decoder, .. } => decoder.as_ref()?.current().map(|f| f.image),
        }
    }

    /// Segment `i`'s still, if it is one.
    #[cfg_attr(not(feature = "gpu"), expect(dead_code, reason = "GPU backend only"))]
    pub(crate) fn still(&self, i: usize) -> Option<&Arc<SourceImage>> {
        match self.entries.get(i)? {
            Entry::Still(img) => Some(img),
            Entry::Clip { .. } => None,
        }
    }

    /// Segment `i`'s current clip frame with a serial number that changes with its pixels.
    #[cfg_attr(not(feature = "gpu"), expect(dead_code, reason = "GPU backend only"))]
    pub(crate) fn clip_frame(&self, i: usize) -> Option<(u64, &SourceImage)> {
        match self.entries.get(i)? {
            Entry::Still(_) => None,
            Entry::Clip { decoder, .. } => {
                let d = decoder.as_ref()?;
                d.current().map(|f| (d.serial(), f.image))
            }
        }
    }

    /// Number of segments.
    #[cfg_attr(not(feature = "gpu"), expect(dead_code, reason = "GPU backend only"))]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

fn in_segment(i: usize, e: &Error) -> Error {
    Error::new(e.kind(), format!("segment {i}: {}", e.message()))
}
