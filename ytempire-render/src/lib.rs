//! # ytempire-render
//!
//! Pixels and sound: visual sources, the compositor (wgpu GPU backend and a CPU twin with the
//! same output) for still images and H.264 video clips ([`clip`]), captions, audio mixing,
//! H.264/AAC encoding, MP4 muxing and thumbnails.
//!
//! The pipeline's render and thumbnail stages are [`VideoRenderer`] and [`ThumbnailMaker`]
//! ([`stage`]); the `gpu` feature (default) adds the wgpu compositor, and without it the crate
//! renders on the CPU only.

#![deny(rustdoc::broken_intra_doc_links)]

pub mod audio;
pub mod clip;
pub mod compositor;
mod convert;
pub mod cpu;
pub mod encode;
pub mod frame;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
#[cfg(feature = "gpu")]
pub mod gpu;
pub mod mux;
pub mod reference;
mod rng;
pub mod scene;
pub mod sources;
pub mod stage;
pub mod text;
pub mod thumbnail;
pub mod video;

pub use compositor::{Backend, Compositor, auto_compositor};
pub use cpu::CpuCompositor;
pub use frame::{Frame, YuvFrame};
#[cfg(feature = "gpu")]
pub use gpu::GpuCompositor;
pub use scene::{RenderPlan, SceneStyle};
pub use stage::{MusicPlan, ThumbnailMaker, VideoRenderer};
