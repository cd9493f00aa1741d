//! A frame of video in memory: tightly packed RGBA8, row-major, top row first.

use ytempire_core::{Error, Result};

/// One RGBA8 frame (4 bytes per pixel, no row padding).
#[derive(Clone, PartialEq, Eq)]
pub struct Frame {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 4` bytes.
    pub rgba: Vec<u8>,
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frame")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("bytes", &self.rgba.len())
            .finish()
    }
}

impl Frame {
    /// A transparent-black frame; fails on zero sizes or sizes too large to allocate.
    pub fn new(width: u32, height: u32) -> Result<Self> {
        if width == 0 || height == 0 {
            return Err(Error::invalid_request(format!(
                "frame size {width}x{height} must be at least 1x1"
            )));
        }
        let len = usize::try_from(u64::from(width) * u64::from(height) * 4)
            .map_err(|_| Error::invalid_request("frame too large"))?;
        Ok(Self {
            width,
            height,
            rgba: vec![0; len],
        })
    }

    /// Bytes per row.
    pub fn stride(&self) -> usize {
        self.width as usize * 4
    }
}
