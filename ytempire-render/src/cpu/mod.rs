//! `CpuCompositor`: the multi-threaded CPU twin of the GPU compositor.
//!
//! Each frame is cut into bands of rows rendered in parallel with rayon (the global pool, or
//! a pool of its own once [`Compositor::leave_cores`] left cores to the encoder); every band
//! applies the scene plan's layers bottom to top with integer kernels (see `raster`). Video
//! clips are decoded on this thread before the bands start, and their current frame is
//! sampled like a still. Drawing I420 ([`Compositor::render_frame_yuv`]), a frame made of
//! opaque stills under overlays is drawn in the planes directly (`yuv`); any other is drawn band
//! by band into a small RGBA buffer of its thread's own and converted into the planes while it
//! is still in cache, so no full RGBA frame is ever written.

mod raster;
#[cfg(target_arch = "x86_64")]
mod simd;
mod yuv;

use rayon::prelude::*;
use ytempire_core::{Error, ErrorKind, Result};

use crate::compositor::{Backend, Compositor};
use crate::scene::plan::DrawOp;
use crate::scene::{RenderPlan, SegmentMedia, Stills};
use crate::text::OverlayStore;
use crate::{Frame, YuvFrame};

/// Rows per parallel task.
const BAND_ROWS: usize = 32;

/// Decoded stills kept from `prepare`'s check for segments still to come, in frames' worth of
/// RGBA (four 1080p stills: 33 MB), so the first scenes' stills are not decoded a second time
/// when they come on screen; later ones are (see `scene::media`).
const AHEAD_FRAMES: usize = 4;

thread_local! {
    /// The RGBA band an I420 frame's band is drawn into before conversion, kept by each
    /// thread from frame to frame: 240 kB at 1080p, which a fresh allocation would take from
    /// the kernel as zeroed pages every time.
    static BAND: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

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
    /// Stills and layers converted to I420 for the frames drawn in planes.
    planes: yuv::PlaneCache,
    /// Frames drawn in planes (`yuv`) rather than in RGBA and converted.
    planes_drawn: u64,
}

impl CpuCompositor {
    /// A compositor with nothing loaded.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many frames [`render_frame_yuv`](Compositor::render_frame_yuv) drew in the I420
    /// planes directly (opaque stills under overlays) rather than in RGBA converted band by
    /// band, since this compositor was made: what a benchmark or test checks to see which path
    /// its frames took.
    ///
    /// ```
    /// use ytempire_render::CpuCompositor;
    /// assert_eq!(CpuCompositor::new().frames_drawn_in_planes(), 0);
    /// ```
    pub fn frames_drawn_in_planes(&self) -> u64 {
        self.planes_drawn
    }
}

/// Checks shared by both backends before drawing a frame.
pub(crate) fn check_frame(scene: &RenderPlan, prepared: Option<u64>, out: &Frame) -> Result<()> {
    let fits = out.rgba.len() == out.stride() * out.height as usize;
    check_target(scene, prepared, (out.width, out.height), fits)
}

/// [`check_frame`] for an I420 frame.
fn check_yuv_frame(scene: &RenderPlan, prepared: Option<u64>, out: &YuvFrame) -> Result<()> {
    check_target(scene, prepared, (out.width, out.height), out.planes_fit())
}

/// The compositor is prepared for `scene`, and the frame drawn into is the scene's size with
/// buffers that fit it (`fits`).
fn check_target(
    scene: &RenderPlan,
    prepared: Option<u64>,
    (width, height): (u32, u32),
    fits: bool,
) -> Result<()> {
    let spec = scene.spec();
    if prepared != Some(scene.id) {
        return Err(Error::invalid_request(
            "compositor is not prepared for this scene; call prepare(scene) first",
        ));
    }
    if (width, height) != (spec.width, spec.height) || !fits {
        return Err(Error::invalid_request(format!(
            "output frame is {width}x{height} but the scene is {}x{}",
            spec.width, spec.height
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
        self.planes = yuv::PlaneCache::default();
        let spec = scene.spec();
        let frame_bytes = spec.width as usize * spec.height as usize * 4;
        let stills = Stills::Lazy {
            ahead_bytes: AHEAD_FRAMES * frame_bytes,
        };
        // On rayon's global pool, over every core: the encoder has nothing to code before the
        // first frame.
        self.media = SegmentMedia::load(scene, stills)?;
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
        let taps = self.plan(scene, t_secs)?;
        let stride = out.stride();
        let frame = self.frame_ops(&taps, out.width, out.height);
        let draw = || {
            out.rgba
                .par_chunks_mut(stride * BAND_ROWS)
                .enumerate()
                .for_each(|(i, px)| frame.draw_band(i, px));
        };
        self.run(draw);
        Ok(())
    }

    fn draws_yuv(&self) -> bool {
        true
    }

    fn render_frame_yuv(
        &mut self,
        scene: &RenderPlan,
        t_secs: f64,
        out: &mut YuvFrame,
    ) -> Result<()> {
        check_yuv_frame(scene, self.prepared, out)?;
        self.plan_ops(scene, t_secs)?;
        let w = out.width as usize;
        let size = (out.width, out.height);
        if let Some(ops) = self.planes.ops(&self.ops, &self.media, size) {
            self.planes_drawn += 1;
            self.draw_yuv_bands(out, |i, y, u, v| {
                yuv::draw_band(&ops, (i, BAND_ROWS), w, y, u, v);
            });
            return Ok(());
        }
        let taps = self.column_taps();
        let frame = self.frame_ops(&taps, out.width, out.height);
        self.draw_yuv_bands(out, |i, y, u, v| {
            BAND.with_borrow_mut(|rgba| {
                rgba.resize(y.len() * 4, 0);
                frame.draw_band(i, rgba);
                crate::convert::rgba_to_i420(rgba, w, y, u, v);
            });
        });
        Ok(())
    }
}

impl CpuCompositor {
    /// Bring clips to `t_secs` and plan the frame's draw ops into `self.ops`.
    fn plan_ops(&mut self, scene: &RenderPlan, t_secs: f64) -> Result<()> {
        self.media.update(scene, t_secs)?;
        scene.plan(t_secs, &self.media, &mut self.overlays, &mut self.ops)
    }

    /// [`plan_ops`](Self::plan_ops), and the column taps of unrotated images, computed once
    /// for every band to share.
    fn plan(&mut self, scene: &RenderPlan, t_secs: f64) -> Result<Vec<Option<raster::Taps>>> {
        self.plan_ops(scene, t_secs)?;
        Ok(self.column_taps())
    }

    /// The column taps of the planned ops' unrotated images.
    fn column_taps(&self) -> Vec<Option<raster::Taps>> {
        let media = &self.media;
        self.ops
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
            .collect()
    }

    /// What the bands of a `width × height` frame draw, with the planned ops and `taps`.
    fn frame_ops<'a>(
        &'a self,
        taps: &'a [Option<raster::Taps>],
        width: u32,
        height: u32,
    ) -> FrameOps<'a> {
        FrameOps {
            width,
            height,
            ops: &self.ops,
            taps,
            media: &self.media,
        }
    }

    /// Call `band(i, y, u, v)` on every band of `out` (`BAND_ROWS` luma rows and half as
    /// many chroma rows), in parallel on the bands' pool.
    fn draw_yuv_bands(
        &self,
        out: &mut YuvFrame,
        band: impl Fn(usize, &mut [u8], &mut [u8], &mut [u8]) + Sync,
    ) {
        let w = out.width as usize;
        let chroma = w / 2 * BAND_ROWS / 2;
        let draw = || {
            out.y
                .par_chunks_mut(w * BAND_ROWS)
                .zip(out.u.par_chunks_mut(chroma))
                .zip(out.v.par_chunks_mut(chroma))
                .enumerate()
                .for_each(|(i, ((y, u), v))| band(i, y, u, v));
        };
        self.run(draw);
    }

    /// Run `draw` on the bands' own pool, or on rayon's global one.
    fn run(&self, draw: impl FnOnce() + Send) {
        match &self.pool {
            Some(pool) => pool.install(draw),
            None => draw(),
        }
    }
}

/// Threads for the bands when `left` of `all` cores are left to other work: the rest, or
/// every core when nothing would remain.
fn band_threads(all: usize, left: usize) -> usize {
    if left < all { all - left } else { all }
}

/// What every band of one frame draws.
struct FrameOps<'a> {
    width: u32,
    height: u32,
    ops: &'a [DrawOp],
    taps: &'a [Option<raster::Taps>],
    media: &'a SegmentMedia,
}

impl FrameOps<'_> {
    /// Band `i` (rows `i · BAND_ROWS ..`, as many as `px` holds), every op bottom to top.
    fn draw_band(&self, i: usize, px: &mut [u8]) {
        let mut band = raster::Band {
            px,
            y0: (i * BAND_ROWS) as u32,
            width: self.width,
            height: self.height,
        };
        for (op, taps) in self.ops.iter().zip(self.taps) {
            match op {
                DrawOp::Background(bg) => raster::background(&mut band, bg),
                DrawOp::Image {
                    image,
                    affine,
                    opacity,
                    clip,
                } => {
                    if let Some(img) = self.media.image(*image) {
                        let taps = taps.as_ref();
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
    }
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
