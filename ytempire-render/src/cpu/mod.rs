//! `CpuCompositor`: the multi-threaded CPU twin of the GPU compositor.
//!
//! Each frame is cut into bands of rows rendered in parallel with rayon; every band applies
//! the scene plan's layers bottom to top with integer kernels (see `raster`). Video clips are
//! decoded on this thread before the bands start, and their current frame is sampled like a
//! still.

mod raster;

use rayon::prelude::*;
use ytempire_core::{Error, Result};

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

    fn render_frame(&mut self, scene: &RenderPlan, t_secs: f64, out: &mut Frame) -> Result<()> {
        check_frame(scene, self.prepared, out)?;
        self.media.update(scene, t_secs)?;
        scene.plan(t_secs, &self.media, &mut self.overlays, &mut self.ops)?;
        let (width, height) = (out.width, out.height);
        let stride = out.stride();
        let ops = &self.ops;
        let media = &self.media;
        // Column taps of unrotated images, computed once and shared by every band.
        let taps: Vec<Option<Vec<(usize, usize, u32)>>> = ops
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
        out.rgba
            .par_chunks_mut(stride * BAND_ROWS)
            .enumerate()
            .for_each(|(i, px)| {
                let mut band = raster::Band {
                    px,
                    y0: (i * BAND_ROWS) as u32,
                    width,
                    height,
                };
                for (op, taps) in ops.iter().zip(&taps) {
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
        Ok(())
    }
}
