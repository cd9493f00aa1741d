//! # ytempire-render
//!
//! Pixels and sound: visual sources, the compositor (wgpu GPU backend and a CPU twin with the
//! same output), captions, audio mixing, H.264/AAC encoding, MP4 muxing and thumbnails.

#![deny(rustdoc::broken_intra_doc_links)]

pub mod frame;

pub use frame::Frame;
