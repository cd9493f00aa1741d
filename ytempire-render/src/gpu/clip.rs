//! Video clip frames on the GPU, and the layer-texture helpers every upload uses.
//!
//! Each clip drawn in a frame has one texture, created the first time the clip is drawn (or
//! when its frame size changes) and rewritten in place with `queue.write_texture` whenever the
//! decoder moves to another frame (tracked by the frame's serial number, so a clip held on its
//! last frame, or a 24 fps clip in a 30 fps video, is not uploaded again). A clip that is not
//! drawn in a frame loses its texture.

use ytempire_core::{Error, Result};

use crate::scene::SegmentMedia;
use crate::scene::plan::DrawOp;

/// The bind group layout of every layer texture (the texture, visible to both stages, and a
/// bilinear clamp-to-edge sampler for [`super::ImageFilter::Sampler`]) and that sampler.
pub(super) struct LayerLayout {
    pub(super) layout: wgpu::BindGroupLayout,
    sampler: wgpu::Sampler,
}

impl LayerLayout {
    pub(super) fn new(device: &wgpu::Device) -> Self {
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("texture"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    // The vertex stage reads the size for `vs_image`'s texture coordinates.
                    visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: true },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                    count: None,
                },
            ],
        });
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("bilinear"),
            address_mode_u: wgpu::AddressMode::ClampToEdge,
            address_mode_v: wgpu::AddressMode::ClampToEdge,
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });
        Self { layout, sampler }
    }
}

/// A sampled RGBA8 texture and its bind group.
pub(super) fn new_layer_texture(
    device: &wgpu::Device,
    layers: &LayerLayout,
    width: u32,
    height: u32,
) -> (wgpu::Texture, wgpu::BindGroup) {
    let texture = device.create_texture(&wgpu::TextureDescriptor {
        label: Some("layer"),
        size: wgpu::Extent3d {
            width: width.max(1),
            height: height.max(1),
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: wgpu::TextureFormat::Rgba8Unorm,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
    let bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("layer"),
        layout: &layers.layout,
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::TextureView(&view),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: wgpu::BindingResource::Sampler(&layers.sampler),
            },
        ],
    });
    (texture, bind)
}

/// Write tightly packed RGBA8 pixels over the whole texture.
pub(super) fn write_layer(
    queue: &wgpu::Queue,
    texture: &wgpu::Texture,
    width: u32,
    height: u32,
    rgba: &[u8],
) {
    if width == 0 || height == 0 || rgba.len() != width as usize * height as usize * 4 {
        return;
    }
    queue.write_texture(
        wgpu::TexelCopyTextureInfo {
            texture,
            mip_level: 0,
            origin: wgpu::Origin3d::ZERO,
            aspect: wgpu::TextureAspect::All,
        },
        rgba,
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(width * 4),
            rows_per_image: Some(height),
        },
        wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
    );
}

struct ClipTex {
    segment: usize,
    texture: wgpu::Texture,
    bind: wgpu::BindGroup,
    width: u32,
    height: u32,
    serial: u64,
}

/// The textures of the clips drawn in the current frame.
#[derive(Default)]
pub(super) struct ClipTextures {
    slots: Vec<ClipTex>,
    drawn: Vec<usize>,
}

impl ClipTextures {
    /// Forget every texture (a new scene).
    pub(super) fn clear(&mut self) {
        self.slots.clear();
    }

    /// Make the textures of the clips that `ops` draws hold their current frames.
    ///
    /// # Errors
    /// `InvalidRequest` when a clip frame exceeds the GPU's texture limit.
    pub(super) fn sync(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        layers: &LayerLayout,
        media: &SegmentMedia,
        ops: &[DrawOp],
    ) -> Result<()> {
        let max = device.limits().max_texture_dimension_2d;
        self.drawn.clear();
        for op in ops {
            let DrawOp::Image { image, .. } = op else {
                continue;
            };
            let Some((serial, frame)) = media.clip_frame(*image) else {
                continue;
            };
            self.drawn.push(*image);
            if frame.width > max || frame.height > max {
                return Err(Error::invalid_request(format!(
                    "segment {image}: clip frame {}x{} exceeds this GPU's texture limit {max}",
                    frame.width, frame.height
                )));
            }
            let pos = self.slots.iter().position(|s| s.segment == *image);
            let slot = match pos.and_then(|p| self.slots.get_mut(p)) {
                Some(s) if s.width == frame.width && s.height == frame.height => s,
                _ => {
                    let (texture, bind) =
                        new_layer_texture(device, layers, frame.width, frame.height);
                    let fresh = ClipTex {
                        segment: *image,
                        texture,
                        bind,
                        width: frame.width,
                        height: frame.height,
                        serial: 0,
                    };
                    self.slots.retain(|s| s.segment != *image);
                    self.slots.push(fresh);
                    let Some(s) = self.slots.last_mut() else {
                        continue;
                    };
                    s
                }
            };
            if slot.serial != serial {
                write_layer(queue, &slot.texture, frame.width, frame.height, &frame.rgba);
                slot.serial = serial;
            }
        }
        let drawn = &self.drawn;
        self.slots.retain(|s| drawn.contains(&s.segment));
        Ok(())
    }

    /// The bind group of segment `i`'s clip texture, if it is drawn this frame.
    pub(super) fn bind(&self, i: usize) -> Option<&wgpu::BindGroup> {
        self.slots.iter().find(|s| s.segment == i).map(|s| &s.bind)
    }
}
