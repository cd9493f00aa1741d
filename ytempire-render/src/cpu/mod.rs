//! `CpuCompositor`: the multi-threaded CPU twin of the GPU compositor.
//!
//! Each frame is cut into bands of rows rendered in parallel with rayon (the global pool, or
//! a pool of its own once [`Compositor::leave_cores`] left cores to the encoder); every band
//! applies the scene plan's layers bottom to top with integer kernels (see `raster`). Video
//! clips are decoded on this thread before the bands start, and their current frame is
//! sampled like a still.

mod raster;

use rayon::prelude::*;
use ytempire_core::{Error, ErrorKind, Result};

use crate::Frame;
use crate::compositor::{Backend, Compositor};
use crate::scene::plan::DrawOp;
use crate::scene::{RenderPlan, SegmentMedia};
use crate::text::OverlayStore;

/// Rows per parallel task.
const BAND_ROWS: usize = 16;

/// Renders scenes on the CPU with the same math as the GPU shader.
#[derive(Debug, Default)]
pub struct CpuCompositor {
    media: SegmentMedia,
    overlays: OverlayStore,
    ops: Vec<DrawOp>,
    prepared: Option<u64>,
    /// The bands' own pool when cores were left to the encoder; `None` uses rayon's global
    /// pool.
    pool: Option<rayon::ThreadPool>,
}

impl CpuCompositor {
    /// A compositor with nothing loaded.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Checks shared by both backends before drawing a frame.
pub(crate) fn check_frame(scene: &RenderPlan, prepared: Option<u64>, out: &Frame) -> Result<()> {
    let spec = scene.spec();
    if prepared != Some(scene.id) {
        return Err(Error::invalid_request(
            "compositor is not prepared for this scene; call prepare(scene) first",
        ));
    }
    if out.width != spec.width
        || out.height != spec.height
        || out.rgba.len() != out.stride() * out.height as usize
    {
        return Err(Error::invalid_request(format!(
            "output frame is {}x{} but the scene is {}x{}",
            out.width, out.height, spec.width, spec.height
        )));
    }
    Ok(())
}

impl Compositor for CpuCompositor {
    fn backend(&self) -> Backend {
        Backend::Cpu
    }

    fn prepare(&mut self, scene: &RenderPlan) -> Result<()> {
        self.prepared = None;
        // Release the previous scene's pictures and clip decoders before loading this one.
        self.media = SegmentMedia::default();
        self.media = SegmentMedia::load(scene, true)?;
        self.overlays.prepare(scene)?;
        self.prepared = Some(scene.id);
        Ok(())
    }

    fn leave_cores(&mut self, cores: usize) -> Result<()> {
        let threads = band_threads(crate::encode::available_cores(), cores);
        self.pool = if threads == rayon::current_num_threads() {
            None
        } else {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .thread_name(|i| format!("ytempire-compositor-{i}"))
                .build()
                .map_err(|e| {
                    Error::new(
                        ErrorKind::Render,
                        format!("starting {threads} compositor threads: {e}"),
                    )
                })?;
            Some(pool)
        };
        Ok(())
    }

    fn render_frame(&mut self, scene: &RenderPlan, t_secs: f64, out: &mut Frame) -> Result<()> {
        check_frame(scene, self.prepared, out)?;
        self.media.update(scene, t_secs)?;
        scene.plan(t_secs, &self.media, &mut self.overlays, &mut self.ops)?;
        let (width, height) = (out.width, out.height);
        let stride = out.stride();
        let ops = &self.ops;
        let media = &self.media;
        // Column taps of unrotated images, computed once and shared by every band.
        let taps: Vec<Option<raster::Taps>> = ops
            .iter()
            .map(|op| match op {
                DrawOp::Image {
                    image,
                    affine,
                    clip,
                    ..
                } => media
                    .image(*image)
                    .and_then(|img| raster::column_taps(img, affine, *clip)),
                _ => None,
            })
            .collect();
        let mut draw = || draw_bands(&mut out.rgba, stride, width, height, ops, &taps, media);
        match &self.pool {
            Some(pool) => pool.install(draw),
            None => draw(),
        }
        Ok(())
    }
}

/// Threads for the bands when `left` of `all` cores are left to other work: the rest, or
/// every core when nothing would remain.
fn band_threads(all: usize, left: usize) -> usize {
    if left < all { all - left } else { all }
}

/// Every band of a frame, in parallel on the current rayon pool.
fn draw_bands(
    rgba: &mut [u8],
    stride: usize,
    width: u32,
    height: u32,
    ops: &[DrawOp],
    taps: &[Option<raster::Taps>],
    media: &SegmentMedia,
) {
    rgba.par_chunks_mut(stride * BAND_ROWS)
        .enumerate()
        .for_each(|(i, px)| {
            let mut band = raster::Band {
                px,
                y0: (i * BAND_ROWS) as u32,
                width,
                height,
            };
            for (op, taps) in ops.iter().zip(taps) {
                match op {
                    DrawOp::Background(bg) => raster::background(&mut band, bg),
                    DrawOp::Image {
                        image,
                        affine,
                        opacity,
                        clip,
                    } => {
                        if let Some(img) = media.image(*image) {
                            let taps = taps.as_deref();
                            raster::image(&mut band, img, affine, taps, *opacity, *clip);
                        }
                    }
                    DrawOp::Rect { rect, color } => raster::rect(&mut band, *rect, *color),
                    DrawOp::Overlay {
                        overlay,
                        x,
                        y,
                        opacity,
                    } => raster::overlay(&mut band, overlay, *x, *y, *opacity),
                }
            }
        });
}

#[cfg(test)]
mod tests {
    use super::band_threads;

    #[test]
    fn bands_take_the_cores_the_encoder_leaves() {
        assert_eq!(band_threads(2, 1), 1, "2 cores, openh264 on one");
        assert_eq!(band_threads(16, 1), 15);
        assert_eq!(
            band_threads(8, 8),
            8,
            "libx264 on every core: share them all"
        );
        assert_eq!(band_threads(1, 1), 1);
        assert_eq!(band_threads(4, 0), 4);
    }
}
