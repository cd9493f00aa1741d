//! The reference job: 1920×1080 Ken Burns (zoom 1.0 → 1.3, centred) over a generated still
//! with a caption. The limit bench and the `render_reference` example build it from here, so
//! both time the same frames.

use std::path::Path;

use ytempire_core::{Error, Motion, Result, Segment, Visual};

/// The caption the reference job shows.
pub const CAPTION: &str = "Hello from the reference caption";

/// The reference picture: a 1920×1080 colour gradient with rings (detail everywhere, so the
/// encoder has real work).
pub fn still() -> image::RgbImage {
    image::RgbImage::from_fn(1920, 1080, |x, y| {
        let (fx, fy) = (x as f32 / 1920.0, y as f32 / 1080.0);
        let rings = ((fx - 0.5).hypot(fy - 0.5) * 40.0).sin() * 0.5 + 0.5;
        image::Rgb([
            (255.0 * fx) as u8,
            (255.0 * (0.3 + 0.7 * rings * fy)) as u8,
            (255.0 * (1.0 - fx) * 0.8) as u8,
        ])
    })
}

/// Write [`still`] as a PNG to `path`.
///
/// # Errors
/// `Io` when the file cannot be written.
pub fn write_still(path: &Path) -> Result<()> {
    still().save(path).map_err(|e| {
        Error::io(
            format!("writing {}", path.display()),
            std::io::Error::other(e),
        )
    })
}

/// The reference segment: `visual` for `secs` seconds with the reference Ken Burns move.
pub fn segment(visual: Visual, secs: f64) -> Segment {
    Segment::new(visual, 0.0, secs).with_motion(Motion::KenBurns {
        from_zoom: 1.0,
        to_zoom: 1.3,
        from_center: (0.5, 0.5),
        to_center: (0.5, 0.5),
    })
}
