//! The pictures a compositor samples, one entry per segment: stills decoded in `prepare`,
//! video clips decoded frame by frame as render time advances.
//!
//! A clip segment holds an open [`ClipDecoder`] only while it is on screen (its own time range,
//! plus the next segment's transition in); when it leaves the screen its decoder and frame are
//! dropped, so a video made of many clips keeps at most two clips' frames in memory.
//!
//! Stills are decoded in `load`, several at once on the current rayon pool, so a missing or
//! corrupt image fails before rendering. [`Stills::Eager`] (the GPU compositor, which uploads
//! them) keeps them all. [`Stills::Lazy`] (the CPU compositor) keeps the first frame's stills
//! and, in scene order, as many later ones as fit its `ahead_bytes`; the others are dropped
//! again and decoded when their segment comes on screen. A still is dropped once its segment
//! has left the screen, so a long video of many scenes holds the stills on screen (two during
//! a transition, about 8 MB each at 1080p) and those kept ahead, instead of all of them.

use std::sync::Arc;

use rayon::prelude::*;
use ytempire_core::{Error, MediaKind, Result};

use super::{RenderPlan, SourceImage, decode_visual};
use crate::clip::{ClipDecoder, ClipSource};

/// What one segment shows.
#[derive(Debug)]
enum Entry {
    /// A still; `None` while not held (see [`Stills`]).
    Still(Option<Arc<SourceImage>>),
    Clip {
        source: ClipSource,
        decoder: Option<Box<ClipDecoder>>,
    },
}

/// Which decoded stills [`SegmentMedia`] holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stills {
    /// Every still, for the whole scene.
    Eager,
    /// The stills on screen, plus later ones kept from the check in `load` while their pixels
    /// total at most `ahead_bytes` (so they are not decoded a second time).
    Lazy {
        /// Bytes of decoded pixels kept for segments still to come.
        ahead_bytes: usize,
    },
}

/// Per-segment pictures for one compositor.
#[derive(Debug, Default)]
pub(crate) struct SegmentMedia {
    entries: Vec<Entry>,
    /// Per segment, the first segment showing the same visual (itself if none before it).
    source: Vec<usize>,
    lazy_stills: bool,
}

impl SegmentMedia {
    /// Decode every still and probe every clip of `scene` (one entry per segment, in scene
    /// order; identical visuals are decoded or probed once), holding the stills `stills` says.
    ///
    /// # Errors
    /// `NotFound` for a missing file; `Render`, `InvalidRequest` or `Unsupported` for a corrupt
    /// image or clip (see [`crate::clip`]). A still's error comes before a clip's.
    pub(crate) fn load(scene: &RenderPlan, stills: Stills) -> Result<Self> {
        let segs = &scene.segments;
        let is_clip = |i: usize| segs[i].visual.kind == MediaKind::VideoClip;
        // The first earlier segment showing the same visual, whose pixels or source it shares.
        let twin: Vec<Option<usize>> = (0..segs.len())
            .map(|i| {
                (0..i).find(|&j| {
                    segs[j].visual.content == segs[i].visual.content && is_clip(j) == is_clip(i)
                })
            })
            .collect();
        let source = |j: usize| twin[j].unwrap_or(j);
        let first = scene.visible(0.0);
        let on_first_frame = |j: usize| first.as_ref().is_some_and(|v| v.shows(j));
        let unique: Vec<usize> = (0..segs.len())
            .filter(|&i| !is_clip(i) && twin[i].is_none())
            .collect();
        let mut held: Vec<Option<Arc<SourceImage>>> = vec![None; segs.len()];
        let mut ahead = match stills {
            Stills::Eager => usize::MAX,
            Stills::Lazy { ahead_bytes } => ahead_bytes,
        };
        // Decoded a pool's width at a time (each is checked here), so checking a scene of
        // many stills holds at most that many beyond the ones kept.
        for batch in unique.chunks(rayon::current_num_threads().max(1)) {
            let decoded: Vec<Result<SourceImage>> = batch
                .par_iter()
                .map(|&i| decode_visual(&segs[i].visual).map(SourceImage::from_rgba))
                .collect();
            for (&u, img) in batch.iter().zip(decoded) {
                let img = Arc::new(img?);
                // Kept for the segments after the first frame that show it while the budget
                // lasts; the first frame's segments keep it anyway.
                let users: Vec<usize> = (0..segs.len()).filter(|&j| source(j) == u).collect();
                let later = users.iter().any(|&j| !on_first_frame(j));
                let keep_later = later && img.rgba.len() <= ahead;
                if keep_later {
                    ahead -= img.rgba.len();
                }
                for j in users {
                    if keep_later || on_first_frame(j) {
                        held[j] = Some(Arc::clone(&img));
                    }
                }
            }
        }
        let mut entries = Vec::with_capacity(segs.len());
        for (i, seg) in segs.iter().enumerate() {
            let entry = match (twin[i].and_then(|j| entries.get(j)), is_clip(i)) {
                (Some(Entry::Clip { source, .. }), true) => Entry::Clip {
                    source: source.clone(),
                    decoder: None,
                },
                (_, true) => Entry::Clip {
                    source: ClipSource::from_visual(&seg.visual).map_err(|e| in_segment(i, &e))?,
                    decoder: None,
                },
                (_, false) => Entry::Still(held[i].take()),
            };
            entries.push(entry);
        }
        Ok(Self {
            entries,
            source: (0..segs.len()).map(source).collect(),
            lazy_stills: stills != Stills::Eager,
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
            // Segments that start later are still to come (sorted by start).
            let ahead = |i: usize| scene.segments.get(i).is_some_and(|s| s.start > t);
            self.update_stills(scene, &shown_at, &ahead)?;
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
    /// and drop those that have left the screen; a still held for a segment `ahead` stays.
    fn update_stills(
        &mut self,
        scene: &RenderPlan,
        shown: &dyn Fn(usize) -> bool,
        ahead: &dyn Fn(usize) -> bool,
    ) -> Result<()> {
        for i in 0..self.entries.len() {
            if !matches!(self.entries.get(i), Some(Entry::Still(_))) {
                continue;
            }
            if ahead(i) {
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
                Some(Entry::Still(Some(img))) if self.source.get(j) == self.source.get(i) => {
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

    /// Segments 0–3 showing v1, v2 (crossfading in), v3 and v1 again, on 32×18 stills.
    fn scene() -> RenderPlan {
        let v = |k: u8| Visual::image_bytes(format!("v{k}"), 32, 18, "image/png", png(k * 60));
        let t = Timeline::new(VideoSpec::new(64, 36, 10))
            .with_segment(Segment::new(v(1), 0.0, 2.0))
            .with_segment(
                Segment::new(v(2), 2.0, 4.0).with_transition(Transition::Crossfade { secs: 1.0 }),
            )
            .with_segment(Segment::new(v(3), 4.0, 6.0))
            .with_segment(Segment::new(v(1), 6.0, 8.0));
        RenderPlan::from_timeline(&t, &SceneStyle::default()).unwrap()
    }

    /// The pixels segment `i` holds.
    fn held(m: &SegmentMedia, i: usize) -> Arc<SourceImage> {
        match m.entries.get(i) {
            Some(Entry::Still(Some(img))) => Arc::clone(img),
            other => panic!("segment {i} holds {other:?}"),
        }
    }

    #[test]
    fn lazy_stills_hold_only_what_is_on_screen() {
        let scene = scene();
        let mut lazy = SegmentMedia::load(&scene, Stills::Lazy { ahead_bytes: 0 }).unwrap();
        // The first frame's still is kept from the check (not decoded twice); segment 3 shows
        // the same visual later and holds nothing yet.
        assert_eq!(lazy.stills_in_memory(), 1);
        let first = held(&lazy, 0);
        lazy.update(&scene, 0.0).unwrap();
        assert!(Arc::ptr_eq(&first, &held(&lazy, 0)), "decoded again");
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
        let eager = SegmentMedia::load(&scene, Stills::Eager).unwrap();
        assert_eq!(eager.stills_in_memory(), 4);
        assert_eq!(lazy.image(3), eager.image(3));
    }

    #[test]
    fn stills_kept_ahead_are_decoded_once_within_their_budget() {
        let scene = scene();
        // Room for two stills ahead: v1 (shown again by segment 3) and v2; not v3.
        let still = 32 * 18 * 4;
        let mut lazy = SegmentMedia::load(
            &scene,
            Stills::Lazy {
                ahead_bytes: 2 * still,
            },
        )
        .unwrap();
        assert_eq!(lazy.stills_in_memory(), 3, "segments 0, 1 and 3");
        assert!(lazy.image(2).is_none(), "v3 is over the budget");
        let (v1, v2) = (held(&lazy, 0), held(&lazy, 1));
        assert!(Arc::ptr_eq(&v1, &held(&lazy, 3)), "one copy of v1's pixels");
        lazy.update(&scene, 0.5).unwrap();
        assert!(Arc::ptr_eq(&v2, &held(&lazy, 1)), "kept for later");
        lazy.update(&scene, 2.5).unwrap();
        assert!(Arc::ptr_eq(&v1, &held(&lazy, 0)) && Arc::ptr_eq(&v2, &held(&lazy, 1)));
        // Segments 0 and 1 have left the screen: their pixels go, segment 3's stay.
        lazy.update(&scene, 5.0).unwrap();
        assert!(lazy.image(0).is_none() && lazy.image(1).is_none());
        assert_eq!(lazy.stills_in_memory(), 2, "segments 2 and 3");
        let eager = SegmentMedia::load(&scene, Stills::Eager).unwrap();
        for i in 0..4 {
            assert!(eager.image(i).is_some(), "eager holds segment {i}");
        }
        assert_eq!(lazy.image(2), eager.image(2), "decoded on screen");
        lazy.update(&scene, 7.0).unwrap();
        assert!(Arc::ptr_eq(&v1, &held(&lazy, 3)), "v1 was decoded once");
        assert_eq!(lazy.stills_in_memory(), 1, "segment 2 has left the screen");
        // A corrupt still fails the load, whichever batch it is decoded in.
        let bad = Visual::image_bytes("bad", 32, 18, "image/png", b"not a png".to_vec());
        let t = Timeline::new(VideoSpec::new(64, 36, 10)).with_segment(Segment::new(bad, 0.0, 2.0));
        let scene = RenderPlan::from_timeline(&t, &SceneStyle::default()).unwrap();
        let err = SegmentMedia::load(&scene, Stills::Eager).unwrap_err();
        assert!(err.message().contains("cannot decode"), "{err}");
    }
}
