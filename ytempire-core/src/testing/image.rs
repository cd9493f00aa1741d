//! [`FakeImage`]: an image source that draws real PNGs.

use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;

use super::{Script, fake_common};
use crate::{
    Capabilities, Error, ImageRequest, ImageResponse, ImageSource, ProviderInfo, Result, Usage,
    Visual,
};

/// Largest image the fake draws (pixels per side).
const MAX_SIDE: u32 = 8192;
/// Most candidates per call.
const MAX_COUNT: u32 = 16;

/// An image source that returns real PNG gradients of exactly the requested size, with ids
/// `fake-image:N` that never repeat and never match `exclude`.
///
/// ```
/// use ytempire_core::testing::FakeImage;
/// use ytempire_core::{ImageRequest, ImageSource};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> ytempire_core::Result<()> {
/// let resp = FakeImage::new().fetch(&ImageRequest::new("sunset", 64, 32)).await?;
/// assert_eq!((resp.visuals[0].width, resp.visuals[0].height), (64, 32));
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct FakeImage {
    info: ProviderInfo,
    script: Script,
    next_id: AtomicU64,
}

impl Default for FakeImage {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeImage {
    /// `fake/image`.
    pub fn new() -> Self {
        Self {
            info: ProviderInfo::new("fake", "image", Capabilities::new()),
            script: Script::default(),
            next_id: AtomicU64::new(1),
        }
    }

    fn fresh_id(&self, exclude: &[String]) -> String {
        loop {
            let id = format!("fake-image:{}", self.next_id.fetch_add(1, Ordering::SeqCst));
            if !exclude.contains(&id) {
                return id;
            }
        }
    }
}

fake_common!(FakeImage);

/// Encode a `width`×`height` gradient tinted by `seed` as PNG.
fn draw_png(width: u32, height: u32, seed: u8) -> Result<Vec<u8>> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        let r = (u64::from(x) * 255 / u64::from(width.max(1))) as u8;
        let g = (u64::from(y) * 255 / u64::from(height.max(1))) as u8;
        image::Rgb([r, g, seed])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| {
            Error::new(
                crate::ErrorKind::Encode,
                format!("PNG encoding failed: {e}"),
            )
        })?;
    Ok(out.into_inner())
}

#[async_trait]
impl ImageSource for FakeImage {
    fn info(&self) -> ProviderInfo {
        self.info.clone()
    }

    async fn fetch(&self, request: &ImageRequest) -> Result<ImageResponse> {
        self.script.count();
        let label = self.info.label();
        request
            .validate()
            .map_err(|e| e.with_provider(label.clone()))?;
        if request.width > MAX_SIDE || request.height > MAX_SIDE || request.count > MAX_COUNT {
            return Err(Error::invalid_request(format!(
                "the fake draws at most {MAX_COUNT} images of {MAX_SIDE}x{MAX_SIDE}"
            ))
            .with_provider(label));
        }
        if let Some(err) = self.script.next_error() {
            return Err(err);
        }
        let (width, height) = (request.width, request.height);
        let visuals = (0..request.count)
            .map(|i| {
                let id = self.fresh_id(&request.exclude);
                let png = draw_png(width, height, (i * 40) as u8)?;
                Ok(Visual::image_bytes(id, width, height, "image/png", png)
                    .with_origin(label.clone(), request.query.clone()))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ImageResponse::new(
            visuals,
            Usage::images(u64::from(request.count)),
        ))
    }
}
