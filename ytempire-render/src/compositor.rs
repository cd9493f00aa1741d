//! The `Compositor` trait and automatic backend choice.
//!
//! Both backends draw the same [`RenderPlan`] plan with the same sampling and blending rules (see
//! `scene::plan`), and decode video clips with the same decoder (see [`crate::clip`]), so their
//! frames agree within ±2 per channel.

use ytempire_core::{Error, ErrorKind, Result};

use crate::cpu::CpuCompositor;
use crate::scene::RenderPlan;
use crate::{Frame, YuvFrame};

/// Which implementation draws the frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// wgpu (a real GPU or Mesa's software Vulkan driver).
    Gpu,
    /// Multi-threaded CPU rasteriser.
    Cpu,
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Gpu => "gpu",
            Self::Cpu => "cpu",
        })
    }
}

/// Turns a scene into RGBA frames.
///
/// # Contract
/// - Call [`prepare`](Compositor::prepare) once per scene (it decodes images, probes video
///   clips, uploads textures and rasterises fixed text); it may be called again for another
///   scene.
/// - [`render_frame`](Compositor::render_frame) draws time `t_secs` into `out`, which must be
///   `spec.width × spec.height`; it is cheap and allocation-light, meant to run 30×/s. Video
///   clips on screen are decoded up to the frame shown at `t_secs`, so rendering in time
///   order (the normal case) decodes each clip frame once; going back in time re-decodes from
///   the keyframe before it.
/// - Errors are typed: `InvalidRequest` (wrong frame size, not prepared, text that cannot
///   fit, an MP4 without a video track), `NotFound` (missing image or clip file), `Render`
///   (corrupt image or clip, GPU failure), `Unsupported` (a clip that is not H.264).
pub trait Compositor: Send {
    /// Which backend this is.
    fn backend(&self) -> Backend;
    /// Load everything the scene needs.
    fn prepare(&mut self, scene: &RenderPlan) -> Result<()>;
    /// Draw one frame.
    fn render_frame(&mut self, scene: &RenderPlan, t_secs: f64, out: &mut Frame) -> Result<()>;
    /// Whether [`render_frame_yuv`](Compositor::render_frame_yuv) draws I420 itself. The CPU
    /// compositor does: in the planes directly for opaque stills under overlays, else
    /// converting each band of rows while it is still in cache, which saves the encoder a pass
    /// over every RGBA frame; the render then hands its frames to
    /// [`Encoder::encode_yuv`](crate::encode::Encoder::encode_yuv). Default: false.
    fn draws_yuv(&self) -> bool {
        false
    }

    /// Draw one frame into I420 planes: the pixels of
    /// [`render_frame`](Compositor::render_frame) followed by
    /// [`YuvFrame::fill_from_rgba`], up to rounding where the planes are drawn directly (the
    /// CPU compositor's opaque stills under overlays: luma within a few levels, chroma
    /// filtered at half resolution) and bit for bit elsewhere. Default (compositors that do
    /// not [draw I420](Compositor::draws_yuv)): `Unsupported`.
    fn render_frame_yuv(
        &mut self,
        scene: &RenderPlan,
        t_secs: f64,
        out: &mut YuvFrame,
    ) -> Result<()> {
        let _ = (scene, t_secs, out);
        Err(Error::new(
            ErrorKind::Unsupported,
            format!("the {} compositor draws RGBA frames only", self.backend()),
        ))
    }

    /// Leave `cores` cores to work running beside the compositor (the encoder thread): the
    /// CPU compositor then draws its bands on the other cores (at least one; all of them
    /// when `cores` would leave none), so the encoder never waits for a core the compositor
    /// holds. The GPU compositor has nothing to leave. Default: nothing changes.
    fn leave_cores(&mut self, cores: usize) -> Result<()> {
        let _ = cores;
        Ok(())
    }
}

/// A GPU compositor on a hardware wgpu adapter, else the CPU one. Logs the choice with
/// `tracing`.
///
/// A software adapter (Mesa's lavapipe) is not chosen automatically: it rasterises on the
/// CPU and measured 22–28 ms per 1080p Ken Burns frame on a 2-core machine (16 ms with the
/// texture unit's image filter, `gpu::ImageFilter::Sampler`) against about 2 ms for the CPU
/// compositor. Ask for it with `CompositorChoice::Gpu` (the CPU/GPU comparison tests do), or
/// set `YTEMPIRE_COMPOSITOR=gpu` (any adapter) or `cpu`. On Linux wgpu is only asked when a
/// GPU device node exists (`/dev/dri/renderD*`, `/dev/nvidia*`), so machines without one do
/// not load the software drivers just to decline them.
pub fn auto_compositor() -> Box<dyn Compositor> {
    compositor_for(
        &std::env::var("YTEMPIRE_COMPOSITOR").unwrap_or_default(),
        gpu_device_present(),
    )
}

/// Whether a GPU device node exists. On Linux a hardware adapter needs one (`/dev/dri/renderD*`
/// for Mesa's drivers, `/dev/nvidia*` for NVIDIA's); without one, asking wgpu would only load
/// the software Vulkan and GL drivers (about 55 MB resident, 100 MB more while probing) to
/// find nothing usable. Elsewhere wgpu is asked.
fn gpu_device_present() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    let any = |dir: &str, prefix: &str| {
        std::fs::read_dir(dir).is_ok_and(|entries| {
            entries
                .filter_map(|e| e.ok())
                .any(|e| e.file_name().to_string_lossy().starts_with(prefix))
        })
    };
    any("/dev/dri", "renderD") || any("/dev", "nvidia")
}

/// [`auto_compositor`] with the override given (`""`, `"cpu"` or `"gpu"`) and whether a GPU
/// device node exists (only consulted for the automatic choice).
fn compositor_for(forced: &str, device_present: bool) -> Box<dyn Compositor> {
    if forced.eq_ignore_ascii_case("cpu") {
        tracing::info!("compositor backend: cpu (YTEMPIRE_COMPOSITOR=cpu)");
        return Box::new(CpuCompositor::new());
    }
    if forced.is_empty() && !device_present {
        tracing::info!(
            "compositor backend: cpu (no GPU device: no /dev/dri/renderD*, /dev/nvidia*)"
        );
        return Box::new(CpuCompositor::new());
    }
    #[cfg(feature = "gpu")]
    {
        let gpu = if forced.eq_ignore_ascii_case("gpu") {
            crate::gpu::GpuCompositor::new()
        } else {
            crate::gpu::GpuCompositor::new_hardware()
        };
        match gpu {
            Ok(g) => {
                tracing::info!(adapter = %g.adapter_name(), "compositor backend: gpu");
                return Box::new(g);
            }
            Err(e) => tracing::info!(reason = %e, "compositor backend: cpu"),
        }
    }
    #[cfg(not(feature = "gpu"))]
    tracing::info!("compositor backend: cpu (built without the `gpu` feature)");
    Box::new(CpuCompositor::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_override_and_no_automatic_software_gpu() {
        for device in [true, false] {
            assert_eq!(compositor_for("cpu", device).backend(), Backend::Cpu);
            assert_eq!(compositor_for("CPU", device).backend(), Backend::Cpu);
        }
        // No device node: the automatic choice is the CPU without asking wgpu.
        assert_eq!(compositor_for("", false).backend(), Backend::Cpu);
        // Automatic choice takes a GPU only where a hardware adapter opens.
        #[cfg(feature = "gpu")]
        if compositor_for("", true).backend() == Backend::Gpu {
            assert!(crate::gpu::GpuCompositor::new_hardware().is_ok());
        }
        #[cfg(not(feature = "gpu"))]
        assert_eq!(compositor_for("gpu", true).backend(), Backend::Cpu);
    }
}
