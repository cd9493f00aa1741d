//! `GpuCompositor`: headless wgpu rendering of a scene plan.
//!
//! Every layer is drawn as a quad by the pipeline for its type (`pipelines`); per-draw
//! parameters live in 256-byte slots of one uniform buffer (dynamic offsets). Images are
//! uploaded once in `prepare`; caption overlays are uploaded when they change and evicted when
//! unused; video clip frames are written into one reused texture per clip on screen whenever
//! the frame changes (`clip`). The frame is rendered into an `Rgba8Unorm` texture, copied to
//! a buffer with rows padded to 256 bytes, mapped and unpadded into the [`Frame`].
//!
//! Images and clip frames are filtered by the shader's integer bilinear filter by default, so
//! the output equals the CPU compositor's; [`ImageFilter::Sampler`] uses the texture unit's
//! filter instead (faster, within 2 levels of the CPU's result).

mod clip;
mod pipelines;

use std::collections::HashMap;
use std::sync::Arc;

use ytempire_core::{Error, ErrorKind, Result, VideoSpec};

use crate::Frame;
use crate::compositor::{Backend, Compositor};
use crate::cpu::check_frame;
use crate::scene::plan::DrawOp;
use crate::scene::{Background, RenderPlan, SegmentMedia, Stills};
use crate::text::OverlayStore;
use clip::{ClipTextures, LayerLayout, new_layer_texture, write_layer};

const SLOT: u64 = 256;
/// Frames an unused overlay texture survives.
const OVERLAY_TTL: u64 = 90;

fn gpu_err(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Render, msg)
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Params {
    rect: [f32; 4],
    m0: [f32; 4],
    m1: [f32; 4],
    c0: [f32; 4],
    c1: [f32; 4],
    info: [f32; 4],
    off: [i32; 4],
}

struct Target {
    texture: wgpu::Texture,
    view: wgpu::TextureView,
    readback: wgpu::Buffer,
    padded_row: u32,
    spec: VideoSpec,
}

struct Tex {
    bind: wgpu::BindGroup,
    last_used: u64,
    _texture: wgpu::Texture,
}

/// How the GPU compositor filters images and video frames.
///
/// ```
/// use ytempire_render::gpu::ImageFilter;
///
/// assert_eq!(ImageFilter::default(), ImageFilter::Exact);
/// assert_eq!(ImageFilter::parse("sampler"), Some(ImageFilter::Sampler));
/// assert_eq!(ImageFilter::parse("nearest"), None);
/// assert_eq!(ImageFilter::parse(ImageFilter::Exact.as_str()), Some(ImageFilter::Exact));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImageFilter {
    /// The shader's own 8-bit bilinear filter, the integer math of the CPU compositor: images
    /// come out the same on both backends (the corpus differs by at most 1 level, where the
    /// GPU's blender rounds a blended layer differently).
    #[default]
    Exact,
    /// The texture unit's bilinear filter. About 40 % less time per 1080p Ken Burns frame on
    /// Mesa's lavapipe; the pixels differ from the CPU compositor's by at most 2 levels (the
    /// CPU/GPU comparison corpus checks both filters).
    Sampler,
}

impl ImageFilter {
    /// `"exact"` or `"sampler"`, the names [`ImageFilter::parse`] takes.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Exact => "exact",
            Self::Sampler => "sampler",
        }
    }

    /// `"exact"` or `"sampler"` (any case).
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Exact, Self::Sampler]
            .into_iter()
            .find(|f| name.eq_ignore_ascii_case(f.as_str()))
    }

    /// The filter `YTEMPIRE_GPU_FILTER` names (`exact` or `sampler`); unset: `Exact`. An unknown
    /// value is logged and ignored.
    pub fn from_env() -> Self {
        let Ok(v) = std::env::var("YTEMPIRE_GPU_FILTER") else {
            return Self::Exact;
        };
        Self::parse(&v).unwrap_or_else(|| {
            tracing::warn!(value = %v, "YTEMPIRE_GPU_FILTER is not exact or sampler; using exact");
            Self::Exact
        })
    }
}

/// Renders scenes with wgpu (any adapter, including Mesa lavapipe).
pub struct GpuCompositor {
    device: wgpu::Device,
    queue: wgpu::Queue,
    adapter_name: String,
    pipelines: pipelines::Pipelines,
    filter: ImageFilter,
    layers: LayerLayout,
    uniform_layout: wgpu::BindGroupLayout,
    uniform: wgpu::Buffer,
    uniform_bind: wgpu::BindGroup,
    slots: u64,
    dummy: Tex,
    media: SegmentMedia,
    /// One entry per segment: its still's texture (`None` for clips).
    image_tex: Vec<Option<Arc<Tex>>>,
    clip_tex: ClipTextures,
    overlay_tex: HashMap<u64, Tex>,
    overlays: OverlayStore,
    target: Option<Target>,
    ops: Vec<DrawOp>,
    params: Vec<u8>,
    frame_no: u64,
    prepared: Option<u64>,
}

impl std::fmt::Debug for GpuCompositor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpuCompositor")
            .field("adapter", &self.adapter_name)
            .field("filter", &self.filter)
            .field("prepared", &self.prepared)
            .finish_non_exhaustive()
    }
}

impl GpuCompositor {
    /// Create a device on the first adapter wgpu finds (no surface needed). Images are
    /// filtered as `YTEMPIRE_GPU_FILTER` says ([`ImageFilter::from_env`]).
    ///
    /// # Errors
    /// `Render` when no adapter or device is available.
    pub fn new() -> Result<Self> {
        Self::open(true)
    }

    /// [`new`](Self::new), but refusing software adapters (Mesa's lavapipe, reported as
    /// `DeviceType::Cpu`): on those the CPU compositor is the faster choice, which is what
    /// [`crate::auto_compositor`] uses this for.
    ///
    /// # Errors
    /// `Render` when no hardware adapter or device is available.
    pub fn new_hardware() -> Result<Self> {
        Self::open(false)
    }

    fn open(allow_software: bool) -> Result<Self> {
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle());
        let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            ..Default::default()
        }))
        .map_err(|e| gpu_err(format!("no wgpu adapter: {e}")))?;
        let info = adapter.get_info();
        if !allow_software && info.device_type == wgpu::DeviceType::Cpu {
            return Err(gpu_err(format!(
                "only a software adapter was found ({}); the CPU compositor is faster there",
                info.name
            )));
        }
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("ytempire-compositor"),
            required_limits: wgpu::Limits::downlevel_defaults().using_resolution(adapter.limits()),
            ..Default::default()
        }))
        .map_err(|e| gpu_err(format!("cannot open device on {}: {e}", info.name)))?;
        let mut g = Self::with_device(device, queue);
        g.adapter_name = format!("{} ({:?})", info.name, info.backend);
        Ok(g)
    }

    /// Use the caller's device and queue (images filtered as [`ImageFilter::from_env`] says).
    pub fn with_device(device: wgpu::Device, queue: wgpu::Queue) -> Self {
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("compositor"),
            source: wgpu::ShaderSource::Wgsl(include_str!("shader.wgsl").into()),
        });
        let uniform_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("params"),
            entries: &[wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: true,
                    min_binding_size: wgpu::BufferSize::new(std::mem::size_of::<Params>() as u64),
                },
                count: None,
            }],
        });
        let layers = LayerLayout::new(&device);
        let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("compositor"),
            bind_group_layouts: &[Some(&uniform_layout), Some(&layers.layout)],
            immediate_size: 0,
        });
        let pipelines = pipelines::Pipelines::new(shader, layout);
        let slots = 64;
        let (uniform, uniform_bind) = make_uniform(&device, &uniform_layout, slots);
        let dummy = upload(&device, &queue, &layers, 1, 1, &[0, 0, 0, 0], 0);
        Self {
            device,
            queue,
            adapter_name: "caller-provided device".to_owned(),
            pipelines,
            filter: ImageFilter::from_env(),
            layers,
            uniform_layout,
            uniform,
            uniform_bind,
            slots,
            dummy,
            media: SegmentMedia::default(),
            image_tex: Vec::new(),
            clip_tex: ClipTextures::default(),
            overlay_tex: HashMap::new(),
            overlays: OverlayStore::default(),
            target: None,
            ops: Vec::new(),
            params: Vec::new(),
            frame_no: 0,
            prepared: None,
        }
    }

    /// Name and API of the adapter in use.
    pub fn adapter_name(&self) -> &str {
        &self.adapter_name
    }

    /// How images and video frames are filtered.
    pub fn image_filter(&self) -> ImageFilter {
        self.filter
    }

    /// Filter images and video frames with `filter` from the next frame on.
    pub fn set_image_filter(&mut self, filter: ImageFilter) {
        self.filter = filter;
    }

    fn ensure_target(&mut self, spec: VideoSpec) {
        if self.target.as_ref().is_some_and(|t| t.spec == spec) {
            return;
        }
        let texture = self.device.create_texture(&wgpu::TextureDescriptor {
            label: Some("frame"),
            size: wgpu::Extent3d {
                width: spec.width,
                height: spec.height,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: wgpu::TextureFormat::Rgba8Unorm,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
            view_formats: &[],
        });
        let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
        let padded_row = (spec.width * 4).next_multiple_of(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT);
        let readback = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: u64::from(padded_row) * u64::from(spec.height),
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        self.target = Some(Target {
            texture,
            view,
            readback,
            padded_row,
            spec,
        });
    }

    fn params_for(&mut self, scene: &RenderPlan) {
        let spec = scene.spec();
        let (w, h) = (spec.width as f32, spec.height as f32);
        self.params.clear();
        for op in &self.ops {
            let mut p = Params {
                rect: [0.0, 0.0, w, h],
                m0: [0.0; 4],
                m1: [0.0; 4],
                c0: [0.0; 4],
                c1: [0.0; 4],
                info: [0.0, 255.0, w, h],
                off: [0; 4],
            };
            let f4 = |c: [u8; 4]| c.map(f32::from);
            match op {
                DrawOp::Background(Background::Solid(c)) => p.c0 = f4(c.premultiplied()),
                DrawOp::Background(Background::VerticalGradient { top, bottom }) => {
                    p.c0 = f4(top.premultiplied());
                    p.c1 = f4(bottom.premultiplied());
                }
                DrawOp::Image {
                    affine,
                    opacity,
                    clip,
                    ..
                } => {
                    p.info[1] = f32::from(*opacity);
                    p.rect = [clip.x0, clip.y0, clip.x1, clip.y1].map(|v| v as f32);
                    p.m0 = [affine.a, affine.b, affine.c, 0.0];
                    p.m1 = [affine.d, affine.e, affine.f, 0.0];
                }
                DrawOp::Rect { rect, color } => {
                    p.rect = [rect.x0, rect.y0, rect.x1, rect.y1].map(|v| v as f32);
                    p.c0 = f4(*color);
                }
                DrawOp::Overlay {
                    overlay,
                    x,
                    y,
                    opacity,
                } => {
                    p.info[1] = f32::from(*opacity);
                    let x0 = (*x).clamp(0, spec.width as i32);
                    let y0 = (*y).clamp(0, spec.height as i32);
                    let x1 = (x + overlay.width as i32).clamp(0, spec.width as i32);
                    let y1 = (y + overlay.height as i32).clamp(0, spec.height as i32);
                    p.rect = [x0, y0, x1, y1].map(|v| v as f32);
                    p.off = [*x, *y, 0, 0];
                }
            }
            let start = self.params.len();
            self.params.extend_from_slice(bytemuck::bytes_of(&p));
            self.params.resize(start + SLOT as usize, 0);
        }
    }
}

fn make_uniform(
    device: &wgpu::Device,
    layout: &wgpu::BindGroupLayout,
    slots: u64,
) -> (wgpu::Buffer, wgpu::BindGroup) {
    let buf = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("params"),
        size: slots * SLOT,
        usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("params"),
        layout,
        entries: &[wgpu::BindGroupEntry {
            binding: 0,
            resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                buffer: &buf,
                offset: 0,
                size: wgpu::BufferSize::new(std::mem::size_of::<Params>() as u64),
            }),
        }],
    });
    (buf, bind)
}

fn upload(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    layers: &LayerLayout,
    width: u32,
    height: u32,
    rgba: &[u8],
    frame_no: u64,
) -> Tex {
    let (texture, bind) = new_layer_texture(device, layers, width, height);
    write_layer(queue, &texture, width, height, rgba);
    Tex {
        bind,
        last_used: frame_no,
        _texture: texture,
    }
}

impl Compositor for GpuCompositor {
    fn backend(&self) -> Backend {
        Backend::Gpu
    }

    fn prepare(&mut self, scene: &RenderPlan) -> Result<()> {
        self.prepared = None;
        let max = self.device.limits().max_texture_dimension_2d;
        let spec = scene.spec();
        if spec.width > max || spec.height > max {
            return Err(Error::invalid_request(format!(
                "{}x{} exceeds this GPU's texture limit {max}",
                spec.width, spec.height
            )));
        }
        // Release the previous scene's decoders and textures before loading this one.
        self.media = SegmentMedia::default();
        self.image_tex.clear();
        self.clip_tex.clear();
        self.media = SegmentMedia::load(scene, Stills::Eager)?;
        for i in 0..self.media.len() {
            let Some(img) = self.media.still(i) else {
                self.image_tex.push(None);
                continue;
            };
            if img.width > max || img.height > max {
                return Err(Error::invalid_request(format!(
                    "image {}x{} exceeds this GPU's texture limit {max}",
                    img.width, img.height
                )));
            }
            let same = (0..i).find(|&j| self.media.still(j).is_some_and(|o| Arc::ptr_eq(o, img)));
            let tex = match same
                .and_then(|j| self.image_tex.get(j))
                .and_then(Option::as_ref)
            {
                Some(t) => Arc::clone(t),
                None => Arc::new(upload(
                    &self.device,
                    &self.queue,
                    &self.layers,
                    img.width,
                    img.height,
                    &img.rgba,
                    0,
                )),
            };
            self.image_tex.push(Some(tex));
        }
        self.overlay_tex.clear();
        self.overlays.prepare(scene)?;
        self.ensure_target(spec);
        self.prepared = Some(scene.id);
        Ok(())
    }

    fn render_frame(&mut self, scene: &RenderPlan, t_secs: f64, out: &mut Frame) -> Result<()> {
        check_frame(scene, self.prepared, out)?;
        self.media.update(scene, t_secs)?;
        scene.plan(t_secs, &self.media, &mut self.overlays, &mut self.ops)?;
        self.clip_tex.sync(
            &self.device,
            &self.queue,
            &self.layers,
            &self.media,
            &self.ops,
        )?;
        self.frame_no += 1;
        let frame_no = self.frame_no;
        // Upload overlays that are new, drop those unused for a while.
        for op in &self.ops {
            if let DrawOp::Overlay { overlay, .. } = op {
                let tex = self.overlay_tex.entry(overlay.id).or_insert_with(|| {
                    upload(
                        &self.device,
                        &self.queue,
                        &self.layers,
                        overlay.width,
                        overlay.height,
                        &overlay.rgba,
                        frame_no,
                    )
                });
                tex.last_used = frame_no;
            }
        }
        self.overlay_tex
            .retain(|_, t| frame_no.saturating_sub(t.last_used) <= OVERLAY_TTL);
        self.params_for(scene);
        let keys: Vec<_> = self
            .ops
            .iter()
            .map(|op| pipelines::key(op, &self.media, self.filter))
            .collect();
        for key in &keys {
            self.pipelines.ensure(&self.device, *key);
        }
        let chosen = keys
            .iter()
            .map(|k| {
                self.pipelines
                    .get(*k)
                    .ok_or_else(|| gpu_err(format!("no pipeline built for {k:?}")))
            })
            .collect::<Result<Vec<_>>>()?;
        let needed = self.ops.len() as u64;
        if needed > self.slots {
            self.slots = needed.next_power_of_two();
            let (b, g) = make_uniform(&self.device, &self.uniform_layout, self.slots);
            self.uniform = b;
            self.uniform_bind = g;
        }
        self.queue.write_buffer(&self.uniform, 0, &self.params);
        let target = self
            .target
            .as_ref()
            .ok_or_else(|| Error::invalid_request("compositor is not prepared"))?;
        let mut enc = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("frame"),
            });
        {
            let mut pass = enc.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("frame"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &target.view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color::TRANSPARENT),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                depth_stencil_attachment: None,
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            for (i, (op, pipeline)) in self.ops.iter().zip(&chosen).enumerate() {
                pass.set_pipeline(pipeline);
                let tex = match op {
                    DrawOp::Image { image, .. } => match self.image_tex.get(*image) {
                        Some(Some(t)) => Some(&t.bind),
                        _ => self.clip_tex.bind(*image),
                    },
                    DrawOp::Overlay { overlay, .. } => {
                        self.overlay_tex.get(&overlay.id).map(|t| &t.bind)
                    }
                    _ => None,
                };
                pass.set_bind_group(0, &self.uniform_bind, &[(i as u64 * SLOT) as u32]);
                pass.set_bind_group(1, tex.unwrap_or(&self.dummy.bind), &[]);
                pass.draw(0..6, 0..1);
            }
        }
        let spec = target.spec;
        enc.copy_texture_to_buffer(
            wgpu::TexelCopyTextureInfo {
                texture: &target.texture,
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            wgpu::TexelCopyBufferInfo {
                buffer: &target.readback,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(target.padded_row),
                    rows_per_image: Some(spec.height),
                },
            },
            wgpu::Extent3d {
                width: spec.width,
                height: spec.height,
                depth_or_array_layers: 1,
            },
        );
        self.queue.submit([enc.finish()]);
        let slice = target.readback.slice(..);
        let (tx, rx) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| gpu_err(format!("GPU poll failed: {e}")))?;
        rx.recv()
            .map_err(|_| gpu_err("readback callback never ran"))?
            .map_err(|e| gpu_err(format!("cannot map readback buffer: {e}")))?;
        {
            let data = slice
                .get_mapped_range()
                .map_err(|e| gpu_err(format!("cannot read readback buffer: {e}")))?;
            let row = out.stride();
            let padded = target.padded_row as usize;
            for (dst, src) in out.rgba.chunks_exact_mut(row).zip(data.chunks(padded)) {
                dst.copy_from_slice(&src[..row]);
            }
        }
        target.readback.unmap();
        Ok(())
    }
}
