//! The compositor's render pipelines: one fragment entry point per layer type, each with and
//! without blending, built on first use. Images have two: the exact integer filter and the
//! texture unit's (see [`super::ImageFilter`]).
//!
//! Layers that cover what is below with fully opaque pixels (the background, which is always
//! drawn first onto a cleared target, and opaque images at full opacity) draw without
//! blending; premultiplied source-over with an opaque source gives the source exactly, so the
//! result is the same while the rasteriser skips reading the target back.

use super::ImageFilter;
use crate::scene::plan::DrawOp;
use crate::scene::{Background, SegmentMedia};

/// The fragment entry point a layer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Solid,
    Gradient,
    Image,
    Overlay,
    SampledImage,
}

impl Kind {
    fn entry(self) -> &'static str {
        match self {
            Kind::Solid => "fs_solid",
            Kind::Gradient => "fs_gradient",
            Kind::Image => "fs_image",
            Kind::Overlay => "fs_overlay",
            Kind::SampledImage => "fs_image_sampled",
        }
    }

    fn vertex_entry(self) -> &'static str {
        match self {
            Kind::SampledImage => "vs_image",
            _ => "vs_main",
        }
    }
}

/// Which pipeline draws `op` with images filtered by `filter`: its entry point and whether it
/// must blend.
pub(super) fn key(op: &DrawOp, media: &SegmentMedia, filter: ImageFilter) -> (Kind, bool) {
    match op {
        DrawOp::Background(Background::Solid(_)) => (Kind::Solid, false),
        DrawOp::Background(Background::VerticalGradient { .. }) => (Kind::Gradient, false),
        DrawOp::Image { image, opacity, .. } => {
            let opaque = *opacity == 255 && media.image(*image).is_some_and(|i| i.opaque);
            let kind = match filter {
                ImageFilter::Exact => Kind::Image,
                ImageFilter::Sampler => Kind::SampledImage,
            };
            (kind, !opaque)
        }
        DrawOp::Rect { .. } => (Kind::Solid, true),
        DrawOp::Overlay { .. } => (Kind::Overlay, true),
    }
}

/// The shader, the layout and the pipelines built so far.
pub(super) struct Pipelines {
    shader: wgpu::ShaderModule,
    layout: wgpu::PipelineLayout,
    built: [Option<wgpu::RenderPipeline>; 10],
}

fn slot(kind: Kind, blend: bool) -> usize {
    kind as usize * 2 + usize::from(blend)
}

impl Pipelines {
    pub(super) fn new(shader: wgpu::ShaderModule, layout: wgpu::PipelineLayout) -> Self {
        Self {
            shader,
            layout,
            built: Default::default(),
        }
    }

    /// Build the pipeline for `(kind, blend)` unless it exists.
    pub(super) fn ensure(&mut self, device: &wgpu::Device, (kind, blend): (Kind, bool)) {
        let i = slot(kind, blend);
        if self.built.get(i).is_some_and(Option::is_some) {
            return;
        }
        let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some(kind.entry()),
            layout: Some(&self.layout),
            vertex: wgpu::VertexState {
                module: &self.shader,
                entry_point: Some(kind.vertex_entry()),
                compilation_options: Default::default(),
                buffers: &[],
            },
            primitive: wgpu::PrimitiveState::default(),
            depth_stencil: None,
            multisample: wgpu::MultisampleState::default(),
            fragment: Some(wgpu::FragmentState {
                module: &self.shader,
                entry_point: Some(kind.entry()),
                compilation_options: Default::default(),
                targets: &[Some(wgpu::ColorTargetState {
                    format: wgpu::TextureFormat::Rgba8Unorm,
                    blend: blend.then_some(wgpu::BlendState::PREMULTIPLIED_ALPHA_BLENDING),
                    write_mask: wgpu::ColorWrites::ALL,
                })],
            }),
            multiview_mask: None,
            cache: None,
        });
        if let Some(entry) = self.built.get_mut(i) {
            *entry = Some(pipeline);
        }
    }

    /// The pipeline for `key`, if [`Pipelines::ensure`] built it.
    pub(super) fn get(&self, (kind, blend): (Kind, bool)) -> Option<&wgpu::RenderPipeline> {
        self.built.get(slot(kind, blend))?.as_ref()
    }
}
