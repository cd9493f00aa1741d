//! The pictures a compositor samples, one entry per segment: stills decoded once in `prepare`,
//! video clips decoded frame by frame as render time advances.
//!
//! A clip segment holds an open [`ClipDecoder`] only while it is on screen (its own time range,
//! plus the next segment's transition in); when it leaves the screen its decoder and frame are
//! dropped, so a video made of many clips keeps at most two clips' frames in memory.
//!
//! Stills are decoded in `load` (so a missing or corrupt image fails before rendering). With
//! `lazy_stills` (the CPU compositor) the decoded pixels are dropped again and each still is
//! decoded when its segment comes on screen and dropped when it leaves, so a long video of
//! many scenes holds at most two stills (about 8 MB each at 1080p) instead of all of them.

use std::sync::Arc;

use ytempire_core::{Error, MediaKind, Result};

use super::{RenderPlan, SourceImage, decode_visual};
use crate::clip::{ClipDecoder, ClipSource};

/// What one segment shows.
#[derive(Debug)]
enum Entry {
    /// A still; `None` while off screen in lazy mode.
    Still(Option<Arc<SourceImage>>),
    Clip {
        source: ClipSource,
        decoder: Option<Box<ClipDecoder>>,
    },
}

/// Per-segment pictures for one compositor.
#[derive(Debug, Default)]
pub(crate) struct SegmentMedia {
    entries: Vec<Entry>,
    lazy_stills: bool,
}

impl SegmentMedia {
    /// Decode every still and probe every clip of `scene` (one entry per segment, in scene
    /// order; identical visuals are decoded or probed once).
    ///
    /// # Errors
    /// `NotFound` for a missing file; `Render`, `InvalidRequest` or `Unsupported` for a corrupt
    /// image or clip (see [`crate::clip`]).
    pub(crate) fn load(scene: &RenderPlan, lazy_stills: bool) -> Result<Self> {
        let mut entries: Vec<Entry> = Vec::with_capacity(scene.segments.len());
        // In lazy mode the stills the first frame shows are kept from the check below, since
        // the first `update` would decode them again at once.
        let first = scene.visible(0.0);
        let keep = |i: usize| !lazy_stills || first.as_ref().is_some_and(|v| v.shows(i));
        for (i, seg) in scene.segments.iter().enumerate() {
            let clip = seg.visual.kind == MediaKind::VideoClip;
            let dup = scene.segments[..i].iter().position(|s| {
                s.visual.content == seg.visual.content
                    && (s.visual.kind == MediaKind::VideoClip) == clip
            });
            let entry = match (dup.and_then(|j| entries.get(j)), clip) {
                (Some(Entry::Still(img)), false) => Entry::Still(img.clone().filter(|_| keep(i))),
                (Some(Entry::Clip { source, .. }), true) => Entry::Clip {
                    source: source.clone(),
                    decoder: None,
                },
                (_, false) => {
                    // Decoded here to check it; in lazy mode dropped at once (decoded again
                    // when on screen) unless the first frame shows it, so checking holds at
                    // most one still beyond the first frame's.
                    let img = SourceImage::from_rgba(decode_visual(&seg.visual)?);
                    Entry::Still(keep(i).then(|| Arc::new(img)))
                }
                (_, true) => Entry::Clip {
                    source: ClipSource::from_visual(&seg.visual).map_err(|e| in_segment(i, &e))?,
                    decoder: None,
                },
            };
            entries.push(entry);
        }
        Ok(Self {
            entries,
            lazy_stills,
        })
    }

    /// Bring every clip on screen at `t` to the frame it shows then; close the others.
    ///
    /// # Errors
    /// `Render` for corrupt clip data, `Io`/`NotFound` when a clip file cannot be read.
    pub(crate) fn update(&mut self, scene: &RenderPlan, t: f64) -> Result<()> {
        let t = super::plan::clamp_time(t);
        let on_screen = scene.visible(t);
        let shown_at = |i: usize| on_screen.as_ref().is_some_and(|v| v.shows(i));
        if self.lazy_stills {
            self.update_stills(scene, &shown_at)?;
        }
        for (i, entry) in self.entries.iter_mut().enumerate() {
            let Entry::Clip { source, decoder } = entry else {
                continue;
            };
            let shown = shown_at(i);
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

    /// Decode the stills on screen (sharing pixels between segments showing the same visual)
    /// and drop the others.
    fn update_stills(&mut self, scene: &RenderPlan, shown: &dyn Fn(usize) -> bool) -> Result<()> {
        for i in 0..self.entries.len() {
            if !matches!(self.entries.get(i), Some(Entry::Still(_))) {
                continue;
            }
            if !shown(i) {
                if let Some(Entry::Still(img)) = self.entries.get_mut(i) {
                    *img = None;
                }
                continue;
            }
            if matches!(self.entries.get(i), Some(Entry::Still(Some(_)))) {
                continue;
            }
            let Some(seg) = scene.segments.get(i) else {
                continue;
            };
            let twin = (0..self.entries.len()).find_map(|j| match self.entries.get(j) {
                Some(Entry::Still(Some(img)))
                    if scene
                        .segments
                        .get(j)
                        .is_some_and(|o| o.visual.content == seg.visual.content) =>
                {
                    Some(Arc::clone(img))
                }
                _ => None,
            });
            let img = match twin {
                Some(img) => img,
                None => Arc::new(SourceImage::from_rgba(
                    decode_visual(&seg.visual).map_err(|e| in_segment(i, &e))?,
                )),
            };
            if let Some(Entry::Still(slot)) = self.entries.get_mut(i) {
                *slot = Some(img);
            }
        }
        Ok(())
    }

    /// How many stills are decoded in memory now.
    #[cfg(test)]
    pub(crate) fn stills_in_memory(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| matches!(e, Entry::Still(Some(_))))
            .count()
    }

    /// The picture segment `i` shows now: its still, or its clip's current frame.
    pub(crate) fn image(&self, i: usize) -> Option<&SourceImage> {
        match self.entries.get(i)? {
            Entry::Still(img) => img.as_deref(),
            Entry::Clip { decoder, .. } => decoder.as_ref()?.current().map(|f| f.image),
        }
    }

    /// Segment `i`'s still, if it is one.
    #[cfg_attr(not(feature = "gpu"), expect(dead_code, reason = "GPU backend only"))]
    pub(crate) fn still(&self, i: usize) -> Option<&Arc<SourceImage>> {
        match self.entries.get(i)? {
            Entry::Still(img) => img.as_ref(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scene::SceneStyle;
    use ytempire_core::{Segment, Timeline, Transition, VideoSpec, Visual};

    fn png(shade: u8) -> Vec<u8> {
        let img = image::RgbaImage::from_pixel(32, 18, image::Rgba([shade, 40, 90, 255]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn lazy_stills_hold_only_what_is_on_screen() {
        let v = |k: u8| Visual::image_bytes(format!("v{k}"), 32, 18, "image/png", png(k * 60));
        let t = Timeline::new(VideoSpec::new(64, 36, 10))
            .with_segment(Segment::new(v(1), 0.0, 2.0))
            .with_segment(
                Segment::new(v(2), 2.0, 4.0).with_transition(Transition::Crossfade { secs: 1.0 }),
            )
            .with_segment(Segment::new(v(3), 4.0, 6.0))
            .with_segment(Segment::new(v(1), 6.0, 8.0));
        let scene = RenderPlan::from_timeline(&t, &SceneStyle::default()).unwrap();
        let mut lazy = SegmentMedia::load(&scene, true).unwrap();
        // The first frame's still is kept from the check (not decoded twice); segment 3 shows
        // the same visual later and holds nothing yet.
        assert_eq!(lazy.stills_in_memory(), 1);
        let held = |m: &SegmentMedia| match m.entries.first() {
            Some(Entry::Still(Some(img))) => Arc::clone(img),
            other => panic!("segment 0 holds {other:?}"),
        };
        let first = held(&lazy);
        lazy.update(&scene, 0.0).unwrap();
        assert!(Arc::ptr_eq(&first, &held(&lazy)), "decoded again");
        drop(first);
        lazy.update(&scene, 0.5).unwrap();
        assert_eq!(lazy.stills_in_memory(), 1);
        assert!(lazy.image(0).is_some() && lazy.image(2).is_none());
        // During the crossfade both the leaving and the entering still are held.
        lazy.update(&scene, 2.5).unwrap();
        assert_eq!(lazy.stills_in_memory(), 2);
        lazy.update(&scene, 5.0).unwrap();
        assert_eq!(lazy.stills_in_memory(), 1);
        assert!(lazy.image(0).is_none() && lazy.image(2).is_some());
        // The same visual again is decoded to the same pixels.
        lazy.update(&scene, 7.0).unwrap();
        let eager = SegmentMedia::load(&scene, false).unwrap();
        assert_eq!(eager.stills_in_memory(), 4);
        assert_eq!(lazy.image(3), eager.image(3));
    }
}
