//! Cache of the overlays a scene needs: caption states, title cards, lower thirds, watermark.
//!
//! Captions and headlines are rasterised lazily, once per (phrase, highlighted word) and
//! (segment, words shown), and only the most recent few are kept, so memory does not grow
//! with video length.

use std::collections::HashMap;
use std::sync::Arc;

use image::imageops::FilterType;
use ytempire_core::Result;

use super::{Overlay, TextBlock, TextRenderer};
use crate::scene::{Color, RenderPlan, SourceImage, WatermarkContent, decode_visual};

/// Which overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum OverlayKey {
    /// A caption phrase with word `word` highlighted.
    Caption { phrase: usize, word: usize },
    /// Title card of a segment.
    Title(usize),
    /// Lower third of a segment.
    LowerThird(usize),
    /// The style's watermark.
    Watermark,
    /// A segment's headline with its first `shown` words visible.
    Headline { segment: usize, shown: usize },
}

const CAPTION_CACHE: usize = 8;

/// Builds and caches overlays for one scene.
#[derive(Debug, Default)]
pub(crate) struct OverlayStore {
    text: TextRenderer,
    fixed: HashMap<OverlayKey, Arc<Overlay>>,
    captions: Vec<(OverlayKey, Arc<Overlay>)>,
}

impl OverlayStore {
    /// Forget everything (a new scene).
    pub(crate) fn clear(&mut self) {
        self.fixed.clear();
        self.captions.clear();
    }

    /// Rasterise the fixed overlays and lay out every caption phrase, so that
    /// text that cannot fit is reported before rendering starts.
    pub(crate) fn prepare(&mut self, scene: &RenderPlan) -> Result<()> {
        self.clear();
        if scene.style.watermark.is_some() {
            self.get(scene, OverlayKey::Watermark)?;
        }
        if scene.style.on_screen_text {
            for (i, s) in scene.segments.iter().enumerate() {
                if s.text.is_some() {
                    let key = if i == 0 {
                        OverlayKey::Title(i)
                    } else {
                        OverlayKey::LowerThird(i)
                    };
                    self.get(scene, key)?;
                }
            }
        }
        if scene.style.caption.enabled {
            for phrase in 0..scene.phrases.len() {
                self.get(scene, OverlayKey::Caption { phrase, word: 0 })?;
            }
        }
        Ok(())
    }

    /// The overlay for `key`, from cache or freshly rasterised.
    pub(crate) fn get(&mut self, scene: &RenderPlan, key: OverlayKey) -> Result<Arc<Overlay>> {
        if let Some(o) = self.fixed.get(&key) {
            return Ok(Arc::clone(o));
        }
        if let Some((_, o)) = self.captions.iter().find(|(k, _)| *k == key) {
            return Ok(Arc::clone(o));
        }
        let ov = Arc::new(self.build(scene, key)?);
        if matches!(
            key,
            OverlayKey::Caption { .. } | OverlayKey::Headline { .. }
        ) {
            if self.captions.len() >= CAPTION_CACHE {
                self.captions.remove(0);
            }
            self.captions.push((key, Arc::clone(&ov)));
        } else {
            self.fixed.insert(key, Arc::clone(&ov));
        }
        Ok(ov)
    }

    fn build(&mut self, scene: &RenderPlan, key: OverlayKey) -> Result<Overlay> {
        let u = scene.unit();
        let (_, _, sw, sh) = scene.safe_rect();
        let style = &scene.style;
        match key {
            OverlayKey::Caption { phrase, word } => {
                let c = &style.caption;
                let Some(p) = scene.phrases.get(phrase) else {
                    return Ok(Overlay::new(0, 0, Vec::new()));
                };
                let texts: Vec<String> = p
                    .words
                    .iter()
                    .enumerate()
                    .map(|(i, w)| match p.words.get(i + 1) {
                        // Chinese, Japanese and Thai words are shown without spaces.
                        Some(next) if ytempire_core::text::space_between(&w.word, &next.word) => {
                            format!("{} ", w.word.trim())
                        }
                        _ => w.word.trim().to_owned(),
                    })
                    .collect();
                let spans: Vec<(&str, Color)> = texts
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (t.as_str(), if i == word { c.highlight } else { c.text }))
                    .collect();
                self.text.render(&TextBlock {
                    spans: &spans,
                    font_px: c.font_px * u,
                    min_font_px: c.min_font_px * u,
                    stroke_px: c.stroke_px * u,
                    stroke: c.stroke,
                    box_color: c.box_color,
                    padding_px: c.box_padding_px * u,
                    max_size: (sw, (sh / 2).max(1)),
                    centered: true,
                })
            }
            OverlayKey::Title(i) | OverlayKey::LowerThird(i) => {
                let text = scene
                    .segments
                    .get(i)
                    .and_then(|s| s.text.clone())
                    .unwrap_or_default();
                let title = matches!(key, OverlayKey::Title(_));
                let spans = [(text.as_str(), Color::rgb(255, 255, 255))];
                self.text.render(&TextBlock {
                    spans: &spans,
                    font_px: if title { 96.0 } else { 52.0 } * u,
                    min_font_px: 20.0 * u,
                    stroke_px: if title { 5.0 * u } else { 0.0 },
                    stroke: Color::rgb(0, 0, 0),
                    box_color: if title {
                        Color::rgba(0, 0, 0, 90)
                    } else {
                        style.accent
                    },
                    padding_px: 24.0 * u,
                    max_size: if title {
                        (sw, (sh * 2 / 3).max(1))
                    } else {
                        ((sw * 3 / 4).max(1), (sh / 3).max(1))
                    },
                    centered: title,
                })
            }
            OverlayKey::Headline { segment, shown } => {
                let Some(h) = scene
                    .segments
                    .get(segment)
                    .and_then(|s| s.headline.as_ref())
                else {
                    return Ok(Overlay::new(0, 0, Vec::new()));
                };
                let texts: Vec<String> = h
                    .words
                    .iter()
                    .enumerate()
                    .map(|(i, w)| match h.words.get(i + 1) {
                        Some(next) if ytempire_core::text::space_between(w, next) => {
                            format!("{w} ")
                        }
                        _ => w.clone(),
                    })
                    .collect();
                // Words not yet spoken are laid out but transparent, so the shown ones keep
                // their places as the rest appear.
                let spans: Vec<(&str, Color)> = texts
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        let c = if i < shown {
                            Color::rgb(255, 255, 255)
                        } else {
                            Color::rgba(0, 0, 0, 0)
                        };
                        (t.as_str(), c)
                    })
                    .collect();
                let (w, h) = (scene.spec.width, scene.spec.height);
                // A headline no font can draw is left out, not a failed render.
                Ok(self
                    .text
                    .render(&TextBlock::headline(&spans, w, h))
                    .unwrap_or_else(|_| Overlay::new(0, 0, Vec::new())))
            }
            OverlayKey::Watermark => {
                let Some(wm) = &style.watermark else {
                    return Ok(Overlay::new(0, 0, Vec::new()));
                };
                let height = ((wm.height_px * u).round() as u32).clamp(1, sh);
                match &wm.content {
                    WatermarkContent::Text(t) => {
                        let spans = [(t.as_str(), Color::rgb(255, 255, 255))];
                        self.text.render(&TextBlock {
                            spans: &spans,
                            font_px: height as f32 * 0.6,
                            min_font_px: height as f32 * 0.3,
                            stroke_px: (height as f32 * 0.05).max(1.0),
                            stroke: Color::rgb(0, 0, 0),
                            box_color: Color::rgba(0, 0, 0, 0),
                            padding_px: 0.0,
                            max_size: (sw, height),
                            centered: false,
                        })
                    }
                    WatermarkContent::Image(v) => {
                        let img = decode_visual(v)?;
                        let w = ((u64::from(img.width()) * u64::from(height)
                            / u64::from(img.height().max(1)))
                            as u32)
                            .clamp(1, sw);
                        let img = image::imageops::resize(&img, w, height, FilterType::Triangle);
                        let s = SourceImage::from_rgba(img);
                        Ok(Overlay::new(s.width, s.height, s.rgba))
                    }
                }
            }
        }
    }
}
