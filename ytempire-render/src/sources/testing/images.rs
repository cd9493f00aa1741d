//! Real pictures and clips for the fakes to serve.

use std::io::Cursor;
use std::sync::atomic::{AtomicU64, Ordering};

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, Rgb, RgbImage};
use ytempire_core::{Error, ErrorKind, Result};

use crate::encode::{EncoderSettings, OpenH264Encoder, Preset};
use crate::mux::Mp4Writer;
use crate::video::encode_frames;

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A photo-like test picture: a gradient in a seed-chosen direction and palette with a few
/// large discs and bars, so different seeds give perceptually different pictures (their
/// perceptual hashes differ) and the same seed always gives the same one.
///
/// ```
/// let a = ytempire_render::sources::testing::picture(1, 64, 48);
/// assert_eq!(a.dimensions(), (64, 48));
/// assert_eq!(a, ytempire_render::sources::testing::picture(1, 64, 48));
/// ```
pub fn picture(seed: u64, width: u32, height: u32) -> RgbImage {
    let r = |k: u64| mix(seed.wrapping_mul(31).wrapping_add(k));
    let unit = |k: u64| (r(k) >> 11) as f32 / (1u64 << 53) as f32;
    let angle = unit(1) * std::f32::consts::TAU;
    let (dx, dy) = (angle.cos(), angle.sin());
    let base = [unit(2) * 255.0, unit(3) * 255.0, unit(4) * 255.0];
    let discs: Vec<(f32, f32, f32, u8)> = (0..3)
        .map(|i| {
            (
                unit(10 + i),
                unit(20 + i),
                0.12 + 0.2 * unit(30 + i),
                if r(40 + i) % 2 == 0 { 20 } else { 235 },
            )
        })
        .collect();
    let bars = 2 + (r(50) % 5) as u32;
    let (w, h) = (width.max(1) as f32, height.max(1) as f32);
    RgbImage::from_fn(width, height, |x, y| {
        let (fx, fy) = (x as f32 / w, y as f32 / h);
        let t = ((fx - 0.5) * dx + (fy - 0.5) * dy + 0.5).clamp(0.0, 1.0);
        let mut px = [
            (base[0] * (1.0 - t) + 255.0 * t * 0.6) as u8,
            (base[1] * t + 40.0) as u8,
            (base[2] * (1.0 - t)) as u8,
        ];
        if ((fx * bars as f32) as u32 + u32::from(fy > 0.5)).is_multiple_of(2) && fy > 0.75 {
            px = [px[0] / 3, px[1] / 3, px[2] / 3];
        }
        for &(cx, cy, rad, v) in &discs {
            let (ex, ey) = ((fx - cx) * w / h.max(w), (fy - cy) * h / h.max(w));
            if ex * ex + ey * ey < rad * rad * 0.5 {
                px = [v, v.wrapping_add(10), v.wrapping_sub(10)];
            }
        }
        Rgb(px)
    })
}

/// Encode as JPEG (quality 85).
///
/// # Errors
/// `Render` if encoding fails.
pub fn encode_jpeg(image: &RgbImage) -> Result<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&DynamicImage::ImageRgb8(image.clone()))
        .map_err(|e| Error::new(ErrorKind::Render, format!("JPEG encoding failed: {e}")))?;
    Ok(out.into_inner())
}

/// A real H.264 MP4 clip of `frames` frames at 24 fps (the bundled openh264 encoder),
/// `width`×`height` rounded down to even, showing `picture(seed)` sliding sideways.
///
/// # Errors
/// `Encode`/`Io` if encoding or writing the temporary file fails.
pub fn clip_mp4(seed: u64, width: u32, height: u32, frames: u64) -> Result<Vec<u8>> {
    static N: AtomicU64 = AtomicU64::new(0);
    let (w, h) = ((width & !1).max(16), (height & !1).max(16));
    let path = std::env::temp_dir().join(format!(
        "ytempire-fake-clip-{}-{}.mp4",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let still = picture(seed, w + 64, h);
    let settings = EncoderSettings {
        width: w,
        height: h,
        fps: 24,
        bitrate_bps: 1_000_000,
        crf: None,
        gop: 24,
        preset: Preset::Ultrafast,
    };
    let result = (|| {
        let encoder = OpenH264Encoder::new(settings)?;
        let writer = Mp4Writer::create(&path, 24, frames, None)?;
        encode_frames(w, h, frames, Box::new(encoder), writer, 2, |i, frame| {
            let shift = (i * 4 % 64) as u32;
            for (p, px) in frame.rgba.chunks_exact_mut(4).enumerate() {
                let (x, y) = (p as u32 % w, p as u32 / w);
                let Rgb(c) = *still.get_pixel(x + shift, y);
                px.copy_from_slice(&[c[0], c[1], c[2], 255]);
            }
            Ok(())
        })?;
        std::fs::read(&path).map_err(|e| Error::io("reading the fake clip", e))
    })();
    let _ = std::fs::remove_file(&path);
    result
}
