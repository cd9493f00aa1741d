//! [`VisualSelector`]: one visual per scene from a fallback chain of sources, with minimum
//! resolution, aspect-aware crop and no repeats within a video.
//!
//! For each scene the selector:
//! 1. builds the query from the scene's visual cue plus the channel's visual style
//!    ([`VisualSelector::query_for`]);
//! 2. asks each source in order (put stock first, AI next, [`super::Procedural`] last) for a
//!    few candidates, excluding ids already used in this video;
//! 3. decodes each candidate: bad bytes (zero-byte, HTML page, corrupt) are recorded as
//!    `InvalidResponse` and skipped; clips are skipped (stills only for now);
//! 4. rejects candidates whose largest crop at the frame's aspect is below the minimum
//!    resolution (so a landscape photo is not blown up into a blurry 9:16 frame);
//! 5. scales to fill and centre-crops to the frame size;
//! 6. refuses near-duplicates of visuals already used in this video (perceptual hash,
//!    Hamming distance at most [`SelectorConfig::max_hash_distance`]).
//!
//! A source error that [`ytempire_core::Error::should_fallback`] moves on to the next
//! source; anything else (a cancelled job, an exceeded budget, a broken request) stops the
//! chain. When every source fails, the error aggregates every attempt.
//!
//! ```no_run
//! # async fn demo() -> ytempire_core::Result<()> {
//! use std::sync::Arc;
//! use ytempire_core::{DynImageSource, Scene};
//! use ytempire_render::sources::{LocalFolder, Procedural, SelectorConfig, VisualSelector};
//! let local: DynImageSource = Arc::new(LocalFolder::new("broll"));
//! let procedural: DynImageSource = Arc::new(Procedural::new());
//! let mut selector = VisualSelector::new(
//!     vec![local, procedural],
//!     SelectorConfig::vertical(),
//! );
//! let scene = Scene::new("Octopuses change colour in milliseconds.", "octopus camouflage", 6.0);
//! let picked = selector.select(&scene, None).await?;
//! assert_eq!((picked.visual.width, picked.visual.height), (1080, 1920));
//! # Ok(()) }
//! ```

use std::collections::HashSet;

use image::DynamicImage;
use image::imageops::FilterType;
use image_hasher::{HashAlg, HasherConfig, ImageHash};
use ytempire_core::{
    ChannelProfile, DynImageSource, Error, ErrorKind, ImageRequest, MediaKind, Orientation, Result,
    Scene, Usage, Visual,
};

use super::inspect::{decode_visual, encode_png};
use super::procedural::query_seed;

/// How the selector picks and shapes visuals.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SelectorConfig {
    /// Output width in pixels (the video frame).
    pub width: u32,
    /// Output height in pixels.
    pub height: u32,
    /// Smallest acceptable width of the source region that is cropped to the frame aspect.
    pub min_width: u32,
    /// Smallest acceptable height of that region.
    pub min_height: u32,
    /// Candidates asked of each source per scene.
    pub candidates: u32,
    /// Two visuals whose 64-bit perceptual hashes differ in at most this many bits are
    /// the same picture.
    pub max_hash_distance: u32,
}

impl SelectorConfig {
    /// Frames of `width`×`height`; sources must offer at least half that resolution.
    pub fn new(width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            min_width: width.div_ceil(2),
            min_height: height.div_ceil(2),
            candidates: 4,
            max_hash_distance: 6,
        }
    }

    /// 1080×1920 (9:16 Shorts).
    pub fn vertical() -> Self {
        Self::new(1080, 1920)
    }

    /// 1920×1080 (16:9).
    pub fn landscape() -> Self {
        Self::new(1920, 1080)
    }

    /// Set the minimum source-region resolution.
    #[must_use]
    pub fn with_min_resolution(mut self, width: u32, height: u32) -> Self {
        self.min_width = width;
        self.min_height = height;
        self
    }

    /// Set how many candidates each source is asked for.
    #[must_use]
    pub fn with_candidates(mut self, n: u32) -> Self {
        self.candidates = n.max(1);
        self
    }

    /// Set the near-duplicate threshold (0 = only identical hashes are duplicates).
    #[must_use]
    pub fn with_max_hash_distance(mut self, bits: u32) -> Self {
        self.max_hash_distance = bits;
        self
    }

    /// The orientation of the frame (what to ask sources for).
    pub fn orientation(&self) -> Orientation {
        match self.width.cmp(&self.height) {
            std::cmp::Ordering::Less => Orientation::Portrait,
            std::cmp::Ordering::Greater => Orientation::Landscape,
            std::cmp::Ordering::Equal => Orientation::Square,
        }
    }

    /// Size of the largest region of the frame's aspect inside a `w`×`h` picture.
    fn crop_region(&self, w: u32, h: u32) -> (u32, u32) {
        let (fw, fh) = (u64::from(self.width), u64::from(self.height));
        let (w64, h64) = (u64::from(w), u64::from(h));
        if w64 * fh > h64 * fw {
            // Too wide: full height, narrower width.
            (u32::try_from(h64 * fw / fh).unwrap_or(w), h)
        } else {
            (w, u32::try_from(w64 * fh / fw).unwrap_or(h))
        }
    }
}

/// The visual chosen for a scene.
#[derive(Debug)]
#[non_exhaustive]
pub struct Selected {
    /// The cropped frame-sized PNG; id, provider, query and attribution of the original.
    pub visual: Visual,
    /// Label of the source that produced it.
    pub source: String,
    /// Perceptual hash of the cropped picture (base64).
    pub hash: String,
    /// What every source consulted for this scene consumed, rejected candidates included.
    pub usage: Usage,
    /// Why earlier sources or candidates were passed over.
    pub skipped: Vec<Error>,
}

/// Picks one visual per scene through a chain of sources, never repeating within a video.
///
/// Keep one selector per video (or call [`VisualSelector::reset`] between videos).
#[derive(Debug)]
pub struct VisualSelector {
    sources: Vec<DynImageSource>,
    config: SelectorConfig,
    used_ids: HashSet<String>,
    used_hashes: Vec<ImageHash>,
}

impl VisualSelector {
    /// A selector over `sources`, tried in order.
    pub fn new(sources: Vec<DynImageSource>, config: SelectorConfig) -> Self {
        Self {
            sources,
            config,
            used_ids: HashSet::new(),
            used_hashes: Vec::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &SelectorConfig {
        &self.config
    }

    /// Forget the visuals used so far (start a new video).
    pub fn reset(&mut self) {
        self.used_ids.clear();
        self.used_hashes.clear();
    }

    /// Ids of the visuals used so far in this video.
    pub fn used_ids(&self) -> impl Iterator<Item = &str> {
        self.used_ids.iter().map(String::as_str)
    }

    /// The search query for a scene: its visual cue (or narration when the cue is empty),
    /// followed by the channel's visual style words.
    pub fn query_for(scene: &Scene, channel: Option<&ChannelProfile>) -> String {
        let cue = scene.visual_cue.trim();
        let mut q = if cue.is_empty() {
            scene
                .narration
                .split_whitespace()
                .take(8)
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            cue.to_owned()
        };
        if let Some(style) = channel.and_then(|c| c.visual.style.as_deref()) {
            let style = style.trim();
            if !style.is_empty() && !q.to_lowercase().contains(&style.to_lowercase()) {
                q.push_str(", ");
                q.push_str(style);
            }
        }
        q
    }

    /// Pick the visual for `scene`.
    ///
    /// # Errors
    /// The aggregate of every attempt when no source produced a usable visual.
    pub async fn select(
        &mut self,
        scene: &Scene,
        channel: Option<&ChannelProfile>,
    ) -> Result<Selected> {
        let query = Self::query_for(scene, channel);
        self.select_query(&query).await
    }

    /// Pick a visual for a ready-made query.
    ///
    /// # Errors
    /// As [`VisualSelector::select`].
    pub async fn select_query(&mut self, query: &str) -> Result<Selected> {
        let mut skipped: Vec<Error> = Vec::new();
        let mut usage = Usage::default();
        let sources = self.sources.clone();
        for source in &sources {
            let label = source.to_string();
            let mut req = ImageRequest::new(query, self.config.width, self.config.height)
                .with_count(self.config.candidates)
                .with_orientation(self.config.orientation())
                .with_seed(query_seed(query) ^ self.used_ids.len() as u64);
            req.exclude = self.used_ids.iter().cloned().collect();
            req.exclude.sort();
            let resp = match source.fetch(&req).await {
                Ok(resp) => resp,
                Err(e) => {
                    let stop = !e.should_fallback();
                    tracing::info!(source = %label, error = %e, "visual source failed");
                    skipped.push(e);
                    if stop {
                        break;
                    }
                    continue;
                }
            };
            usage += resp.usage;
            for visual in resp.visuals {
                match self.accept(visual) {
                    Ok((visual, hash)) => {
                        return Ok(Selected {
                            visual,
                            source: label,
                            hash,
                            usage,
                            skipped,
                        });
                    }
                    Err(e) => {
                        tracing::info!(source = %label, error = %e, "visual candidate rejected");
                        skipped.push(e);
                    }
                }
            }
        }
        Err(Error::aggregate(
            format!(
                "no source produced a usable visual for {query:?} ({} attempts failed)",
                skipped.len()
            ),
            skipped,
        ))
    }

    /// Check, crop and dedupe one candidate; on success it is recorded as used.
    pub(crate) fn accept(&mut self, visual: Visual) -> Result<(Visual, String)> {
        self.accept_with(visual, true)
    }

    /// [`accept`](Self::accept), refusing look-alikes only when `by_look`: the last resort of a
    /// stage that would otherwise have no picture at all.
    pub(crate) fn accept_with(
        &mut self,
        visual: Visual,
        by_look: bool,
    ) -> Result<(Visual, String)> {
        if self.used_ids.contains(&visual.id) {
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                format!("{} was already used in this video", visual.id),
            ));
        }
        if visual.kind == MediaKind::VideoClip {
            return self.accept_clip(visual, by_look);
        }
        let decoded = decode_visual(&visual)?;
        let (rw, rh) = self.config.crop_region(decoded.width(), decoded.height());
        if rw < self.config.min_width || rh < self.config.min_height {
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                format!(
                    "{} is {}x{}: its {}x{} crop is below the {}x{} minimum",
                    visual.id,
                    decoded.width(),
                    decoded.height(),
                    rw,
                    rh,
                    self.config.min_width,
                    self.config.min_height
                ),
            ));
        }
        let cropped = crop_to_fill(&decoded.image, self.config.width, self.config.height);
        let hash = self.unseen_hash(&visual.id, &cropped, by_look)?;
        let png = encode_png(&cropped)?;
        // The cropped pixels replace the picture's; everything said about it (origin,
        // attribution, description, score, headline) stays.
        self.used_ids.insert(visual.id.clone());
        let mut out = visual;
        let plain =
            Visual::image_bytes("", self.config.width, self.config.height, "image/png", png);
        out.kind = plain.kind;
        out.width = plain.width;
        out.height = plain.height;
        out.content = plain.content;
        out.duration_secs = None;
        let b64 = hash.to_base64();
        self.used_hashes.push(hash);
        Ok((out, b64))
    }

    /// Perceptual hash of `cropped`, refused when it is near one already used.
    fn unseen_hash(&self, id: &str, cropped: &DynamicImage, by_look: bool) -> Result<ImageHash> {
        let hash = HasherConfig::new()
            .hash_alg(HashAlg::Gradient)
            .hash_size(8, 8)
            .to_hasher()
            .hash_image(cropped);
        if let Some(dist) = by_look
            .then_some(&self.used_hashes)
            .into_iter()
            .flatten()
            .map(|h| h.dist(&hash))
            .find(|d| *d <= self.config.max_hash_distance)
        {
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                format!(
                    "{id} looks like a visual already used in this video (hash distance {dist})"
                ),
            ));
        }
        Ok(hash)
    }

    /// A video clip: probed (corrupt or non-H.264 files are typed errors), held to the same
    /// minimum size, and deduped by its first frame. The clip itself is kept as it is: the
    /// compositors scale it to fill the frame.
    fn accept_clip(&mut self, visual: Visual, by_look: bool) -> Result<(Visual, String)> {
        let source = crate::clip::ClipSource::from_visual(&visual)
            .map_err(|e| Error::new(ErrorKind::InvalidResponse, e.message().to_owned()))?;
        let info = source.info().clone();
        let (rw, rh) = self.config.crop_region(info.width, info.height);
        if rw < self.config.min_width || rh < self.config.min_height {
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                format!(
                    "{} is a {}x{} clip: its {}x{} crop is below the {}x{} minimum",
                    visual.id,
                    info.width,
                    info.height,
                    rw,
                    rh,
                    self.config.min_width,
                    self.config.min_height
                ),
            ));
        }
        let cropped = crop_to_fill(
            &DynamicImage::ImageRgba8(source.first_frame()?),
            self.config.width,
            self.config.height,
        );
        let hash = self.unseen_hash(&visual.id, &cropped, by_look)?;
        self.used_ids.insert(visual.id.clone());
        let b64 = hash.to_base64();
        self.used_hashes.push(hash);
        Ok((visual, b64))
    }
}

/// Scale `img` to cover `width`×`height` and centre-crop the overflow.
pub fn crop_to_fill(img: &DynamicImage, width: u32, height: u32) -> DynamicImage {
    if img.width() == width && img.height() == height {
        return img.clone();
    }
    img.resize_to_fill(width, height, FilterType::CatmullRom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crop_region_keeps_aspect() {
        let c = SelectorConfig::vertical();
        assert_eq!(c.crop_region(1920, 1080), (607, 1080));
        assert_eq!(c.crop_region(1080, 1920), (1080, 1920));
        assert_eq!(c.crop_region(2000, 8000), (2000, 3555));
    }

    #[test]
    fn query_adds_channel_style_once() {
        let scene = Scene::new("narration here", "coral reef", 5.0);
        let mut ch = ChannelProfile::new("c", "n");
        ch.visual.style = Some("cinematic".into());
        assert_eq!(
            VisualSelector::query_for(&scene, Some(&ch)),
            "coral reef, cinematic"
        );
        let empty = Scene::new("The quick brown fox jumps", "  ", 5.0);
        assert_eq!(
            VisualSelector::query_for(&empty, None),
            "The quick brown fox jumps"
        );
    }
}
