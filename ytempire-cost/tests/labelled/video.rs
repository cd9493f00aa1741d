//! Moving-gradient videos at 192×108 sampled twice a second, and block-letter thumbnails.

use image::{Rgb, RgbImage};
use ytempire_core::{Thumbnail, VideoSpec, WordTiming};
use ytempire_cost::quality::{VideoSample, score_thumbnail, score_video};

use super::Example;

const W: u32 = 192;
const H: u32 = 108;

fn gradient(palette: usize, t: f64, w: u32, h: u32) -> RgbImage {
    let base = [
        [200u8, 60, 30],
        [30, 140, 200],
        [60, 190, 90],
        [190, 170, 40],
    ][palette % 4];
    let offset = t * 24.0;
    RgbImage::from_fn(w, h, |x, y| {
        let u = ((f64::from(x) + offset + f64::from(y) * 0.4) / f64::from(w)).fract();
        let k = 0.35 + 0.65 * (u * std::f64::consts::PI).sin();
        Rgb(base.map(|c| (f64::from(c) * k) as u8 + 20))
    })
}

#[derive(Clone)]
struct Clip2 {
    declared: (u32, u32, f64),
    video_secs: f64,
    audio_secs: f64,
    /// Visual id per segment; segments share the 12 s equally.
    visuals: Vec<&'static str>,
    /// `(from, to)` seconds where the picture is held still.
    still: Option<(f64, f64)>,
    black_at: Vec<f64>,
    /// Fraction of caption lines kept (from the start).
    captions_kept: f64,
    /// Palette per id is taken from this list rather than the id (the blind spot).
    same_picture: bool,
}

fn base_video() -> Clip2 {
    Clip2 {
        declared: (W, H, 30.0),
        video_secs: 12.0,
        audio_secs: 11.6,
        visuals: vec!["forest", "ocean", "desert", "city"],
        still: None,
        black_at: Vec::new(),
        captions_kept: 1.0,
        same_picture: false,
    }
}

fn build_video(c: &Clip2) -> VideoSample {
    let words: Vec<WordTiming> = (0..28)
        .map(|i| {
            let s = 0.2 + f64::from(i) * 0.4;
            WordTiming::new(format!("w{i}"), s, s + 0.34)
        })
        .collect();
    let lines: Vec<(f64, f64)> = words
        .chunks(4)
        .map(|c| (c[0].start_secs, c[c.len() - 1].end_secs))
        .collect();
    let kept = (lines.len() as f64 * c.captions_kept).round() as usize;
    let mut sample = VideoSample::new(VideoSpec::new(W, H, 30))
        .with_declared(c.declared.0, c.declared.1, c.declared.2)
        .with_durations(c.video_secs, c.audio_secs)
        .with_narration_timings(&words)
        .with_captions(lines[..kept].to_vec())
        .with_visuals(c.visuals.iter().copied());
    let seg_len = 12.0 / c.visuals.len() as f64;
    for i in 0..24 {
        let t = f64::from(i) * 0.5;
        let seg = ((t / seg_len) as usize).min(c.visuals.len() - 1);
        let id = c.visuals[seg];
        let palette = if c.same_picture {
            0
        } else {
            [
                "forest", "ocean", "desert", "city", "sky", "reef", "cave", "moon",
            ]
            .iter()
            .position(|v| *v == id)
            .unwrap_or(0)
        };
        let motion_t = match c.still {
            Some((a, b)) if t >= a && t <= b => a,
            _ => t,
        };
        let img = if c.black_at.contains(&t) {
            RgbImage::new(c.declared.0, c.declared.1)
        } else {
            gradient(palette, motion_t, c.declared.0, c.declared.1)
        };
        sample = sample.with_frame(t, img);
    }
    sample
}

fn video_example(name: &'static str, good: bool, clip: Clip2) -> Example {
    Example {
        name,
        good,
        score: score_video(&build_video(&clip)),
    }
}

/// The labelled set, built once per test binary.
pub(crate) fn video_set() -> &'static [Example] {
    static SET: std::sync::OnceLock<Vec<Example>> = std::sync::OnceLock::new();
    SET.get_or_init(build_video_set)
}

fn build_video_set() -> Vec<Example> {
    let b = base_video;
    vec![
        video_example("moving gradients, all correct", true, b()),
        video_example(
            "borderline: 0.7 s longer than audio",
            true,
            Clip2 {
                video_secs: 12.3,
                ..b()
            },
        ),
        video_example(
            "one black frame at a cut (fade)",
            true,
            Clip2 {
                black_at: vec![6.0],
                ..b()
            },
        ),
        video_example(
            "borderline: captions cover 86 %",
            true,
            Clip2 {
                captions_kept: 6.0 / 7.0,
                ..b()
            },
        ),
        video_example(
            "one visual reused in 8 segments",
            true,
            Clip2 {
                visuals: vec![
                    "forest", "ocean", "desert", "city", "sky", "reef", "cave", "forest",
                ],
                ..b()
            },
        ),
        video_example(
            "still picture for 3.5 s",
            true,
            Clip2 {
                still: Some((0.5, 4.0)),
                visuals: vec!["forest", "ocean"],
                ..b()
            },
        ),
        video_example(
            "declared 29.97 fps for 30",
            true,
            Clip2 {
                declared: (W, H, 29.97),
                ..b()
            },
        ),
        video_example(
            "all black",
            false,
            Clip2 {
                black_at: (0..24).map(|i| f64::from(i) * 0.5).collect(),
                ..b()
            },
        ),
        video_example(
            "frozen for the whole video",
            false,
            Clip2 {
                still: Some((0.0, 12.0)),
                visuals: vec!["forest"],
                ..b()
            },
        ),
        video_example(
            "wrong resolution 160×90",
            false,
            Clip2 {
                declared: (160, 90, 30.0),
                ..b()
            },
        ),
        video_example(
            "no captions",
            false,
            Clip2 {
                captions_kept: 0.0,
                ..b()
            },
        ),
        video_example(
            "borderline: captions cover 71 %",
            false,
            Clip2 {
                captions_kept: 5.0 / 7.0,
                ..b()
            },
        ),
        video_example(
            "audio 2.5 s shorter than video",
            false,
            Clip2 {
                audio_secs: 9.5,
                ..b()
            },
        ),
        video_example(
            "two visuals alternating",
            false,
            Clip2 {
                visuals: vec!["forest", "ocean", "forest", "ocean", "forest", "ocean"],
                ..b()
            },
        ),
        video_example(
            "25 fps for 30 requested",
            false,
            Clip2 {
                declared: (W, H, 25.0),
                ..b()
            },
        ),
        video_example(
            "frozen for 8 s",
            false,
            Clip2 {
                still: Some((2.0, 10.0)),
                visuals: vec!["forest"],
                ..b()
            },
        ),
        // Blind spot: repetition is judged from the visual ids given; the same picture under
        // four ids (with motion, so never frozen) is not seen.
        video_example(
            "same picture under 4 ids",
            false,
            Clip2 {
                same_picture: true,
                ..b()
            },
        ),
    ]
}

// Thumbnails: block-letter captions over a gradient.

/// `letter_h`-pixel block letters in `fg` over a vertical gradient from `top` to `bottom`.
fn thumb(
    w: u32,
    h: u32,
    letter_h: u32,
    (top, bottom): ([u8; 3], [u8; 3]),
    fg: [u8; 3],
) -> RgbImage {
    let mut img = RgbImage::from_fn(w, h, |_, y| {
        let k = f64::from(y) / f64::from(h);
        Rgb([0, 1, 2].map(|i| (f64::from(top[i]) * (1.0 - k) + f64::from(bottom[i]) * k) as u8))
    });
    let stroke = (letter_h / 5).max(1);
    let letter_w = letter_h * 3 / 5;
    for i in 0..5 {
        let ox = w / 10 + i * (letter_w + stroke * 2);
        let oy = h / 3;
        for y in oy..(oy + letter_h).min(h) {
            for x in ox..(ox + letter_w).min(w) {
                let (dx, dy) = (x - ox, y - oy);
                let on = dx < stroke
                    || dx >= letter_w - stroke
                    || dy < stroke
                    || (dy >= letter_h / 2 - stroke / 2 && dy < letter_h / 2 + stroke / 2);
                if on {
                    img.put_pixel(x, y, Rgb(fg));
                }
            }
        }
    }
    img
}

/// The labelled set, built once per test binary.
pub(crate) fn thumbnail_set() -> &'static [Example] {
    static SET: std::sync::OnceLock<Vec<Example>> = std::sync::OnceLock::new();
    SET.get_or_init(build_thumbnail_set)
}

fn build_thumbnail_set() -> Vec<Example> {
    let dark = ([120, 170, 230], [20, 25, 40]);
    let yellow = [255, 230, 0];
    let ex = |name, good, img: RgbImage, bytes| Example {
        name,
        good,
        score: score_thumbnail(&img, bytes),
    };
    let mut state = 7u32;
    let noise = RgbImage::from_fn(1280, 720, |_, _| {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let v = (state >> 24) as u8;
        Rgb([v, v.wrapping_mul(3), 255 - v])
    });
    vec![
        ex(
            "1280×720 bold caption",
            true,
            thumb(1280, 720, 200, dark, yellow),
            240_000,
        ),
        ex(
            "1920×1080 bold caption",
            true,
            thumb(1920, 1080, 300, dark, yellow),
            900_000,
        ),
        ex(
            "854×480 bold caption",
            true,
            thumb(854, 480, 130, dark, yellow),
            120_000,
        ),
        ex(
            "borderline: 1280×720 medium caption",
            true,
            thumb(1280, 720, 70, dark, yellow),
            200_000,
        ),
        ex(
            "flat grey, no text",
            false,
            RgbImage::from_pixel(1280, 720, Rgb([128, 128, 128])),
            15_000,
        ),
        ex(
            "tiny caption",
            false,
            thumb(1280, 720, 12, dark, yellow),
            200_000,
        ),
        ex(
            "low-contrast caption",
            false,
            thumb(1280, 720, 200, ([120; 3], [120; 3]), [150, 150, 150]),
            200_000,
        ),
        ex(
            "over 2 MB",
            false,
            thumb(1280, 720, 200, dark, yellow),
            Thumbnail::MAX_BYTES + 1,
        ),
        ex(
            "4:3 640×480",
            false,
            thumb(640, 480, 120, dark, yellow),
            90_000,
        ),
        ex("noise everywhere", false, noise, 1_500_000),
    ]
}
