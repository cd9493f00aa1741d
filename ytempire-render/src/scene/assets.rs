//! Decoding a scene's images once, into premultiplied RGBA shared by both backends.

use image::RgbaImage;
use ytempire_core::{Error, ErrorKind, Result, Visual, VisualContent};

/// Largest image side kept after decoding; bigger images are downscaled (GPU texture limit).
pub(crate) const MAX_IMAGE_SIDE: u32 = 4096;

/// A decoded still: premultiplied RGBA8, tightly packed.
#[derive(Clone, PartialEq, Eq)]
pub struct SourceImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Premultiplied RGBA8 pixels, row-major.
    pub rgba: Vec<u8>,
    /// Whether every pixel has alpha 255.
    pub opaque: bool,
}

impl std::fmt::Debug for SourceImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceImage")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("opaque", &self.opaque)
            .finish_non_exhaustive()
    }
}

impl SourceImage {
    /// Premultiply a straight-alpha image.
    pub fn from_rgba(img: RgbaImage) -> Self {
        let (width, height) = img.dimensions();
        let mut rgba = img.into_raw();
        let mut opaque = true;
        for px in rgba.chunks_exact_mut(4) {
            let a = u32::from(px[3]);
            if a != 255 {
                opaque = false;
                for c in &mut px[..3] {
                    *c = ((u32::from(*c) * a + 127) / 255) as u8;
                }
            }
        }
        Self {
            width,
            height,
            rgba,
            opaque,
        }
    }
}

/// Decode a visual's image (bytes or file) into straight RGBA, downscaled to
/// [`MAX_IMAGE_SIDE`].
///
/// # Errors
/// `NotFound` for a missing file, `Render` for a corrupt or unsupported image.
pub(crate) fn decode_visual(v: &Visual) -> Result<RgbaImage> {
    let img = match &v.content {
        VisualContent::Bytes { data, .. } => image::load_from_memory(data).map_err(|e| {
            Error::new(
                ErrorKind::Render,
                format!("visual {:?}: cannot decode image bytes: {e}", v.id),
            )
        })?,
        VisualContent::File { path } => {
            let bytes = std::fs::read(path).map_err(|e| {
                let kind = if e.kind() == std::io::ErrorKind::NotFound {
                    ErrorKind::NotFound
                } else {
                    ErrorKind::Io
                };
                Error::new(
                    kind,
                    format!("visual {:?}: cannot read {}: {e}", v.id, path.display()),
                )
            })?;
            image::load_from_memory(&bytes).map_err(|e| {
                Error::new(
                    ErrorKind::Render,
                    format!(
                        "visual {:?}: cannot decode image {}: {e}",
                        v.id,
                        path.display()
                    ),
                )
            })?
        }
    };
    let img = if img.width() > MAX_IMAGE_SIDE || img.height() > MAX_IMAGE_SIDE {
        img.resize(
            MAX_IMAGE_SIDE,
            MAX_IMAGE_SIDE,
            image::imageops::FilterType::Triangle,
        )
    } else {
        img
    };
    if img.width() == 0 || img.height() == 0 {
        return Err(Error::new(
            ErrorKind::Render,
            format!("visual {:?}: image has no pixels", v.id),
        ));
    }
    Ok(img.to_rgba8())
}
