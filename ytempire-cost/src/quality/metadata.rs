//! Metadata and thumbnail scoring.
//!
//! [`score_metadata`] checks a [`VideoMetadata`] against YouTube's rules (with
//! [`VideoMetadata::validate`]) and for completeness:
//!
//! | sub-score | 10 when |
//! |---|---|
//! | `rules` | `validate()` passes (else 0, listing every violation) |
//! | `title_length` | 20–70 characters (1–19: 5, 71–100: 6, empty or over 100: 0) |
//! | `description` | at least 200 characters (5 points, pro rata), mentions a word of four letters or more from the title (3), and has two or more sentences or lines (2) |
//! | `tags` | three or more tags (1–2: 7, none: 3) |
//!
//! [`score_thumbnail`] measures the decoded picture and its encoded size:
//!
//! | sub-score | what is measured |
//! |---|---|
//! | `dimensions` | 1280×720 scores 10; another 16:9 size at least 640 wide 8; 16:9 narrower than 640 3; not 16:9 2 (0 under 640 wide) |
//! | `file_size` | encoded bytes against YouTube's 2 MB limit (over it, or empty: 0) |
//! | `contrast` | RMS contrast (standard deviation of BT.601 luma, as a fraction of 255): 0.04 or less scores 0, 0.20 or more 10 |
//! | `text_prominence` | the largest 8-connected region of cells (a 32×18 grid) that hold a strong luma edge (a step of 64+ levels over at least half the cell's width) *and* span 96+ luma levels, as a fraction of the frame |
//!
//! What `text_prominence` is, honestly: a proxy. Bold text on a plain background outlines a
//! connected region of high-contrast edge cells whose size grows with the text's size; the
//! score rises from 1 (no such region) to 10 at 4 % of the frame and falls again, to 2, as the
//! region approaches the whole frame (detail everywhere: text would not stand out). It does not
//! read text: large high-contrast shapes or a detailed object score like text, and thin or
//! low-contrast text can be missed. Both scorers use the weakest-link rule
//! ([`QualityScore::from_parts_capped`]).

use image::RgbImage;
use serde::Serialize;
use ytempire_core::{Thumbnail, VideoMetadata, youtube_tags_length};

use super::{QualityScore, SubScore, WEAKEST_LINK_SLACK, luma, title_length_part};

const STOPWORDS: &[&str] = &[
    "that", "this", "with", "from", "your", "have", "what", "when", "will", "they", "them", "than",
    "then", "were", "about", "into", "just", "does", "why", "how",
];

fn lower_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Score upload metadata; see the [module docs](self) for the scale.
///
/// ```
/// use ytempire_core::VideoMetadata;
/// use ytempire_cost::quality::score_metadata;
///
/// let meta = VideoMetadata::new("Why octopuses have three hearts")
///     .with_description(
///         "Octopuses have three hearts and blue blood. Two hearts push blood through the \
///          gills, the third through the body, and it stops while they swim. Here is why \
///          that design works for an animal that lives in cold, oxygen-poor water.",
///     )
///     .with_tags(["octopus", "marine biology", "animal facts"])
///     .with_made_for_kids(false)
///     .with_synthetic_media(true);
/// assert_eq!(score_metadata(&meta).overall, 10.0);
///
/// let undeclared = VideoMetadata::new("Octopus");
/// let q = score_metadata(&undeclared);
/// assert_eq!(q.part("rules").map(|p| p.score), Some(0.0));
/// assert!(q.overall <= 4.0);
/// ```
pub fn score_metadata(metadata: &VideoMetadata) -> QualityScore {
    let mut parts = Vec::with_capacity(4);
    parts.push(match metadata.validate() {
        Ok(()) => SubScore::new("rules", 10.0, "passes YouTube's metadata rules"),
        Err(e) => SubScore::new("rules", 0.0, e.to_string()),
    });
    parts.push(title_length_part(&metadata.title));

    let description = metadata.description.trim();
    let chars = description.chars().count();
    if chars == 0 {
        parts.push(SubScore::new("description", 0.0, "description is empty"));
    } else {
        let length_points = 5.0 * (chars as f64 / 200.0).min(1.0);
        let keywords: Vec<String> = lower_words(&metadata.title)
            .into_iter()
            .filter(|w| w.chars().count() >= 4 && !STOPWORDS.contains(&w.as_str()))
            .collect();
        let described = lower_words(description);
        let on_topic = keywords.is_empty() || keywords.iter().any(|k| described.contains(k));
        let sentences = description
            .split(['.', '!', '?', '\n'])
            .filter(|s| !s.trim().is_empty())
            .count();
        let mut missing = Vec::new();
        if chars < 200 {
            missing.push(format!("only {chars} characters (aim for 200+)"));
        }
        if !on_topic {
            missing.push("no word from the title".to_owned());
        }
        if sentences < 2 {
            missing.push("a single sentence".to_owned());
        }
        let score = length_points
            + if on_topic { 3.0 } else { 0.0 }
            + if sentences >= 2 { 2.0 } else { 0.0 };
        parts.push(SubScore::new(
            "description",
            score,
            if missing.is_empty() {
                format!("{chars} characters, {sentences} sentences, mentions the title's topic")
            } else {
                format!("description: {}", missing.join(", "))
            },
        ));
    }

    let n = metadata.tags.len();
    parts.push(SubScore::new(
        "tags",
        match n {
            0 => 3.0,
            1 | 2 => 7.0,
            _ => 10.0,
        },
        format!(
            "{n} tags ({} of 500 characters counted YouTube's way){}",
            youtube_tags_length(&metadata.tags),
            if n < 3 {
                "; add a few topical tags"
            } else {
                ""
            }
        ),
    ));
    QualityScore::from_parts_capped(parts, WEAKEST_LINK_SLACK)
}

/// Figures measured from a thumbnail by [`measure_thumbnail`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ThumbnailMeasurements {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Encoded size in bytes.
    pub encoded_bytes: usize,
    /// Standard deviation of luma as a fraction of 255.
    pub rms_contrast: f64,
    /// 95th minus 5th percentile of luma, 0–255.
    pub luma_spread: f64,
    /// The largest region of busy, high-contrast cells as a fraction of the frame.
    pub text_region_fraction: f64,
}

/// Cells per row and column of the text-prominence grid.
const CELLS_X: u32 = 32;
const CELLS_Y: u32 = 18;
/// A pixel is an edge when its horizontal plus vertical luma step is at least this.
const EDGE_STEP: f32 = 64.0;
/// A cell holds a high-contrast edge when its luma spans at least this many levels and it
/// has edge pixels amounting to at least half a line across the cell.
const BUSY_RANGE: f32 = 96.0;

/// Measure a decoded thumbnail; `encoded_bytes` is the size of the file to upload.
///
/// ```
/// use image::{Rgb, RgbImage};
/// use ytempire_cost::quality::measure_thumbnail;
///
/// let flat = RgbImage::from_pixel(1280, 720, Rgb([90, 90, 90]));
/// let m = measure_thumbnail(&flat, 20_000);
/// assert_eq!(m.rms_contrast, 0.0);
/// assert_eq!(m.text_region_fraction, 0.0);
/// ```
pub fn measure_thumbnail(image: &RgbImage, encoded_bytes: usize) -> ThumbnailMeasurements {
    let (w, h) = image.dimensions();
    let lum: Vec<f32> = image.pixels().map(|p| luma(p) as f32).collect();
    let n = lum.len().max(1) as f64;
    let mean = lum.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let var = lum
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / n;
    let mut histogram = [0usize; 256];
    for &v in &lum {
        histogram[(v.round() as usize).min(255)] += 1;
    }
    let percentile = |q: f64| {
        let target = (q * lum.len() as f64).ceil() as usize;
        let mut seen = 0;
        for (level, count) in histogram.iter().enumerate() {
            seen += count;
            if seen >= target.max(1) {
                return level as f64;
            }
        }
        255.0
    };
    let luma_spread = if lum.is_empty() {
        0.0
    } else {
        percentile(0.95) - percentile(0.05)
    };
    ThumbnailMeasurements {
        width: w,
        height: h,
        encoded_bytes,
        rms_contrast: var.sqrt() / 255.0,
        luma_spread,
        text_region_fraction: text_region_fraction(&lum, w, h),
    }
}

fn text_region_fraction(lum: &[f32], w: u32, h: u32) -> f64 {
    if w < 2 || h < 2 {
        return 0.0;
    }
    let (cx, cy) = (CELLS_X.min(w), CELLS_Y.min(h));
    let (w_us, h_us) = (w as usize, h as usize);
    let mut edges = vec![0usize; (cx * cy) as usize];
    let mut pixels = vec![0usize; (cx * cy) as usize];
    let mut lo = vec![f32::MAX; (cx * cy) as usize];
    let mut hi = vec![f32::MIN; (cx * cy) as usize];
    for y in 0..h_us {
        let cell_y = y * cy as usize / h_us;
        for x in 0..w_us {
            let cell = cell_y * cx as usize + x * cx as usize / w_us;
            let v = lum[y * w_us + x];
            let right = if x + 1 < w_us {
                lum[y * w_us + x + 1]
            } else {
                v
            };
            let down = if y + 1 < h_us {
                lum[(y + 1) * w_us + x]
            } else {
                v
            };
            pixels[cell] += 1;
            lo[cell] = lo[cell].min(v);
            hi[cell] = hi[cell].max(v);
            if (right - v).abs() + (down - v).abs() >= EDGE_STEP {
                // The step belongs to this cell even where the far side lies in the next one.
                edges[cell] += 1;
                lo[cell] = lo[cell].min(right).min(down);
                hi[cell] = hi[cell].max(right).max(down);
            }
        }
    }
    let min_edges = ((w / cx).min(h / cy) / 2).max(1) as usize;
    let busy: Vec<bool> = (0..edges.len())
        .map(|c| pixels[c] > 0 && edges[c] >= min_edges && hi[c] - lo[c] >= BUSY_RANGE)
        .collect();
    // Largest 8-connected component of busy cells.
    let mut seen = vec![false; busy.len()];
    let mut largest = 0usize;
    for start in 0..busy.len() {
        if !busy[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        let mut stack = vec![start];
        let mut size = 0usize;
        while let Some(c) = stack.pop() {
            size += 1;
            let (x, y) = ((c % cx as usize) as i64, (c / cx as usize) as i64);
            for dy in -1..=1i64 {
                for dx in -1..=1i64 {
                    let (nx, ny) = (x + dx, y + dy);
                    if nx < 0 || ny < 0 || nx >= i64::from(cx) || ny >= i64::from(cy) {
                        continue;
                    }
                    let nc = (ny * i64::from(cx) + nx) as usize;
                    if busy[nc] && !seen[nc] {
                        seen[nc] = true;
                        stack.push(nc);
                    }
                }
            }
        }
        largest = largest.max(size);
    }
    largest as f64 / busy.len() as f64
}

/// Score a thumbnail from its decoded picture and encoded size; see the [module docs](self).
/// Pass `dynamic.to_rgb8()` for an [`image::DynamicImage`].
///
/// ```
/// use image::{Rgb, RgbImage};
/// use ytempire_cost::quality::score_thumbnail;
///
/// // Dark background with a big, bright block-letter caption.
/// let mut img = RgbImage::from_pixel(1280, 720, Rgb([20, 30, 60]));
/// for letter in 0..5 {
///     for y in 200..420 {
///         for x in 0..130 {
///             let stroke = x < 30 || x >= 100 || (200..240).contains(&y) || (290..330).contains(&y);
///             if stroke {
///                 img.put_pixel(160 + letter * 200 + x, y, Rgb([255, 220, 0]));
///             }
///         }
///     }
/// }
/// let q = score_thumbnail(&img, 180_000);
/// assert!(q.overall >= 9.0, "{:?}", q.problems());
///
/// let flat = RgbImage::from_pixel(1280, 720, Rgb([120, 120, 120]));
/// assert!(score_thumbnail(&flat, 20_000).overall <= 4.0);
/// ```
pub fn score_thumbnail(image: &RgbImage, encoded_bytes: usize) -> QualityScore {
    let m = measure_thumbnail(image, encoded_bytes);
    let (w, h) = (m.width, m.height);
    let sixteen_nine =
        h > 0 && (f64::from(w) / f64::from(h) - 16.0 / 9.0).abs() <= 16.0 / 9.0 * 0.01;
    let (dim_score, dim_reason) = match (w, h) {
        (1280, 720) => (10.0, "1280×720, YouTube's recommended size".to_owned()),
        _ if sixteen_nine && w >= 640 => (
            8.0,
            format!("{w}×{h} is 16:9 and at least 640 wide; 1280×720 is recommended"),
        ),
        _ if sixteen_nine => (
            3.0,
            format!("{w}×{h} is below YouTube's 640-pixel minimum width"),
        ),
        _ if w >= 640 => (
            2.0,
            format!("{w}×{h} is not 16:9; YouTube will letterbox or crop it"),
        ),
        _ => (0.0, format!("{w}×{h} is neither 16:9 nor 640 pixels wide")),
    };
    let mut parts = vec![SubScore::new("dimensions", dim_score, dim_reason)];

    let limit = Thumbnail::MAX_BYTES;
    parts.push(if encoded_bytes == 0 {
        SubScore::new("file_size", 0.0, "the encoded thumbnail is empty")
    } else if encoded_bytes > limit {
        SubScore::new(
            "file_size",
            0.0,
            format!(
                "{:.2} MB is over YouTube's 2 MB limit",
                encoded_bytes as f64 / (1024.0 * 1024.0)
            ),
        )
    } else {
        SubScore::new(
            "file_size",
            10.0,
            format!("{} kB (limit 2048 kB)", encoded_bytes.div_ceil(1024)),
        )
    });

    parts.push(SubScore::new(
        "contrast",
        (m.rms_contrast - 0.04) / 0.16 * 10.0,
        format!(
            "RMS contrast {:.3} (luma standard deviation / 255; 0.20+ is strong), 5–95% luma spread {:.0} levels",
            m.rms_contrast, m.luma_spread
        ),
    ));

    let f = m.text_region_fraction;
    let (text_score, text_reason) = if f > 0.6 {
        (
            10.0 - (f - 0.6) * 20.0,
            format!(
                "high-contrast detail over {:.0}% of the frame: text would not stand out",
                f * 100.0
            ),
        )
    } else if f >= 0.04 {
        (
            10.0,
            format!(
                "largest high-contrast detailed region (text, if any) covers {:.1}% of the frame",
                f * 100.0
            ),
        )
    } else if f > 0.0 {
        (
            1.0 + 9.0 * f / 0.04,
            format!(
                "largest high-contrast detailed region covers only {:.1}% of the frame: text, if any, is small or faint",
                f * 100.0
            ),
        )
    } else {
        (
            1.0,
            "no high-contrast detailed region: no legible text found".to_owned(),
        )
    };
    parts.push(SubScore::new("text_prominence", text_score, text_reason));
    QualityScore::from_parts_capped(parts, WEAKEST_LINK_SLACK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn block_text(w: u32, h: u32, scale: u32, bg: Rgb<u8>, fg: Rgb<u8>) -> RgbImage {
        let mut img = RgbImage::from_fn(w, h, |x, _| {
            let shade = (x * 40 / w.max(1)) as u8;
            Rgb([
                bg.0[0].saturating_add(shade),
                bg.0[1],
                bg.0[2].saturating_add(shade / 2),
            ])
        });
        // Three "letters" of scale-pixel strokes: an H, an I and a T.
        let strokes: [&[(u32, u32, u32, u32)]; 3] = [
            &[(0, 0, 1, 5), (2, 0, 1, 5), (0, 2, 3, 1)],
            &[(1, 0, 1, 5), (0, 0, 3, 1), (0, 4, 3, 1)],
            &[(0, 0, 3, 1), (1, 0, 1, 5)],
        ];
        for (i, letter) in strokes.iter().enumerate() {
            let ox = w / 8 + i as u32 * 4 * scale;
            let oy = h / 3;
            for &(sx, sy, sw, sh) in *letter {
                for y in oy + sy * scale..oy + (sy + sh) * scale {
                    for x in ox + sx * scale..ox + (sx + sw) * scale {
                        if x < w && y < h {
                            img.put_pixel(x, y, fg);
                        }
                    }
                }
            }
        }
        img
    }

    #[test]
    fn larger_text_makes_a_larger_region() {
        let bg = Rgb([10, 10, 40]);
        let fg = Rgb([255, 255, 255]);
        let big = measure_thumbnail(&block_text(1280, 720, 60, bg, fg), 1);
        let small = measure_thumbnail(&block_text(1280, 720, 6, bg, fg), 1);
        assert!(big.text_region_fraction >= 0.04, "{big:?}");
        assert!(
            small.text_region_fraction < big.text_region_fraction / 4.0,
            "{small:?} vs {big:?}"
        );
        let q = score_thumbnail(&block_text(1280, 720, 6, bg, fg), 1);
        assert!(q.part("text_prominence").unwrap().score < 7.0);
    }

    #[test]
    fn low_contrast_text_is_not_prominent() {
        let faint = block_text(1280, 720, 60, Rgb([110, 110, 110]), Rgb([140, 140, 140]));
        let q = score_thumbnail(&faint, 50_000);
        assert!(q.part("contrast").unwrap().score < 3.0, "{q:?}");
        assert_eq!(q.part("text_prominence").unwrap().score, 1.0, "{q:?}");
    }

    #[test]
    fn noise_everywhere_is_too_busy() {
        let mut state = 12345u32;
        let noisy = RgbImage::from_fn(640, 360, |_, _| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let v = (state >> 16) as u8;
            Rgb([v, v, v])
        });
        let q = score_thumbnail(&noisy, 100_000);
        let t = q.part("text_prominence").unwrap();
        assert!(t.score <= 2.5, "{t:?}");
        assert!(t.reason.contains("would not stand out"));
        assert_eq!(q.part("dimensions").unwrap().score, 8.0);
    }

    #[test]
    fn dimension_and_size_rules() {
        let text = |w, h| block_text(w, h, h / 12, Rgb([0, 0, 0]), Rgb([255, 255, 0]));
        let score = |img: &RgbImage, bytes| score_thumbnail(img, bytes);
        assert_eq!(
            score(&text(1280, 720), 1).part("dimensions").unwrap().score,
            10.0
        );
        assert_eq!(
            score(&text(480, 270), 1).part("dimensions").unwrap().score,
            3.0
        );
        assert_eq!(
            score(&text(1000, 1000), 1)
                .part("dimensions")
                .unwrap()
                .score,
            2.0
        );
        assert_eq!(
            score(&text(300, 300), 1).part("dimensions").unwrap().score,
            0.0
        );
        let over = score(&text(1280, 720), Thumbnail::MAX_BYTES + 1);
        let fs = over.part("file_size").unwrap();
        assert_eq!(fs.score, 0.0);
        assert!(fs.reason.contains("over YouTube's 2 MB limit"));
        assert!(over.overall <= WEAKEST_LINK_SLACK);
        assert_eq!(
            score(&text(1280, 720), Thumbnail::MAX_BYTES)
                .part("file_size")
                .unwrap()
                .score,
            10.0
        );
        assert_eq!(
            score(&text(1280, 720), 0).part("file_size").unwrap().score,
            0.0
        );
    }

    #[test]
    fn metadata_completeness() {
        let base = VideoMetadata::new("Why octopuses have three hearts")
            .with_made_for_kids(false)
            .with_synthetic_media(true);
        let q = score_metadata(&base);
        assert_eq!(q.part("description").unwrap().score, 0.0);
        assert_eq!(q.part("tags").unwrap().score, 3.0);
        let off_topic = base
            .clone()
            .with_description("Subscribe for more. New every day.");
        let d = score_metadata(&off_topic)
            .part("description")
            .unwrap()
            .clone();
        assert!(d.reason.contains("no word from the title"), "{d:?}");
        // 34 characters: 0.85 length points + 2 for two sentences.
        assert!((d.score - (5.0 * 34.0 / 200.0 + 2.0)).abs() < 1e-9, "{d:?}");
        let one = base
            .clone()
            .with_description("All about octopuses")
            .with_tags(["a", "b"]);
        let q = score_metadata(&one);
        assert!(
            q.part("description")
                .unwrap()
                .reason
                .contains("a single sentence")
        );
        assert_eq!(q.part("tags").unwrap().score, 7.0);
        let mut broken = base;
        broken.title = "a <b> title".to_owned();
        let r = score_metadata(&broken).part("rules").unwrap().clone();
        assert_eq!(r.score, 0.0);
        assert!(r.reason.contains("title contains '<'"), "{r:?}");
    }
}
