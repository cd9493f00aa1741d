//! Frames of video in memory: [`Frame`], tightly packed RGBA8, row-major, top row first, as
//! the compositors draw them; [`YuvFrame`], the I420 planes the encoders code, and the
//! conversion between them.

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

/// One frame in I420: 8-bit 4:2:0 planar YUV, BT.601 limited range (Y 16–235, U/V 16–240),
/// no row padding. What every encoder here codes; [`YuvFrame::fill_from_rgba`] converts an
/// RGBA [`Frame`], and the CPU compositor can draw straight into one
/// ([`Compositor::render_frame_yuv`](crate::Compositor::render_frame_yuv)).
///
/// ```
/// use ytempire_render::{Frame, YuvFrame};
/// let mut rgba = Frame::new(4, 2)?;
/// rgba.rgba.fill(255); // opaque white
/// let yuv = YuvFrame::from_rgba(&rgba)?;
/// assert_eq!((yuv.y[0], yuv.u[0], yuv.v[0]), (235, 128, 128));
/// # Ok::<(), ytempire_core::Error>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct YuvFrame {
    /// Width in pixels (even).
    pub width: u32,
    /// Height in pixels (even).
    pub height: u32,
    /// Luma, `width * height` bytes.
    pub y: Vec<u8>,
    /// Blue-difference chroma, `width / 2 * height / 2` bytes.
    pub u: Vec<u8>,
    /// Red-difference chroma, `width / 2 * height / 2` bytes.
    pub v: Vec<u8>,
}

impl std::fmt::Debug for YuvFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("YuvFrame")
            .field("width", &self.width)
            .field("height", &self.height)
            .finish_non_exhaustive()
    }
}

impl YuvFrame {
    /// A black frame; fails unless both sizes are even and positive (4:2:0 halves them).
    pub fn new(width: u32, height: u32) -> Result<Self> {
        if width == 0 || height == 0 || !width.is_multiple_of(2) || !height.is_multiple_of(2) {
            return Err(Error::invalid_request(format!(
                "a 4:2:0 frame needs even, positive sizes; got {width}x{height}"
            )));
        }
        let luma = usize::try_from(u64::from(width) * u64::from(height))
            .map_err(|_| Error::invalid_request("frame too large"))?;
        Ok(Self {
            width,
            height,
            y: vec![16; luma],
            u: vec![128; luma / 4],
            v: vec![128; luma / 4],
        })
    }

    /// `frame` converted (see [`fill_from_rgba`](Self::fill_from_rgba)).
    pub fn from_rgba(frame: &Frame) -> Result<Self> {
        let mut yuv = Self::new(frame.width, frame.height)?;
        yuv.fill_from_rgba(frame)?;
        Ok(yuv)
    }

    /// Convert `frame` (same size, opaque: alpha is ignored) into this one, BT.601 limited
    /// range (`Y = 16 + (66·R + 129·G + 25·B) / 256`), each chroma sample from the mean of
    /// its 2×2 pixels: openh264's integer formula, 16 pixels a step on AVX2. One thread;
    /// `InvalidRequest` when the sizes differ.
    pub fn fill_from_rgba(&mut self, frame: &Frame) -> Result<()> {
        if (frame.width, frame.height) != (self.width, self.height)
            || frame.rgba.len() != frame.stride() * frame.height as usize
        {
            return Err(Error::invalid_request(format!(
                "cannot convert a {}x{} frame into a {}x{} one",
                frame.width, frame.height, self.width, self.height
            )));
        }
        let (w, y, u, v) = (self.width as usize, &mut self.y, &mut self.u, &mut self.v);
        if crate::convert::rgba_to_i420(&frame.rgba, w, y, u, v) {
            Ok(())
        } else {
            Err(Error::invalid_request(format!(
                "the {}x{} frame's planes do not fit its size",
                self.width, self.height
            )))
        }
    }

    /// Whether the planes have the sizes `width` and `height` call for.
    pub(crate) fn planes_fit(&self) -> bool {
        let luma = self.width as usize * self.height as usize;
        self.y.len() == luma && self.u.len() == luma / 4 && self.v.len() == luma / 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openh264::formats::{RgbaSliceU8, YUVBuffer, YUVSource};

    fn solid(w: u32, h: u32, rgb: [u8; 3]) -> Frame {
        let mut f = Frame::new(w, h).unwrap();
        for px in f.rgba.chunks_exact_mut(4) {
            px.copy_from_slice(&[rgb[0], rgb[1], rgb[2], 255]);
        }
        f
    }

    /// BT.601 limited range from the real-valued definition (Kr 0.299, Kb 0.114).
    fn reference(rgb: [u8; 3]) -> [f64; 3] {
        let [r, g, b] = rgb.map(|c| f64::from(c) / 255.0);
        let y = 0.299 * r + 0.587 * g + 0.114 * b;
        let (u, v) = ((b - y) / 1.772, (r - y) / 1.402);
        [16.0 + 219.0 * y, 128.0 + 224.0 * u, 128.0 + 224.0 * v]
    }

    #[test]
    fn conversion_follows_bt601_limited_range() {
        let colours = [
            [0, 0, 0],
            [255, 255, 255],
            [255, 0, 0],
            [0, 255, 0],
            [0, 0, 255],
            [200, 60, 30],
            [17, 140, 222],
            [128, 128, 128],
        ];
        for rgb in colours {
            let yuv = YuvFrame::from_rgba(&solid(38, 4, rgb)).unwrap();
            let got = [yuv.y[7], yuv.u[2], yuv.v[5]].map(f64::from);
            for (k, (g, want)) in got.iter().zip(reference(rgb)).enumerate() {
                assert!(
                    (g - want).abs() < 1.5,
                    "{rgb:?} plane {k}: {g} vs {want:.2}"
                );
            }
            assert!(yuv.y.iter().all(|&v| v == yuv.y[0]) && yuv.u.iter().all(|&v| v == yuv.u[0]));
        }
        let black = YuvFrame::from_rgba(&solid(2, 2, [0, 0, 0])).unwrap();
        assert_eq!((black.y[0], black.u[0], black.v[0]), (16, 128, 128));
    }

    #[test]
    fn chroma_is_the_mean_of_each_two_by_two_block_and_luma_is_per_pixel() {
        // Left 2×2 block: two white and two black pixels; right block: all red.
        let mut f = solid(4, 2, [255, 0, 0]);
        for (i, px) in f.rgba.chunks_exact_mut(4).enumerate() {
            if i % 4 < 2 {
                let v = if i < 4 { 255 } else { 0 };
                px.copy_from_slice(&[v, v, v, 255]);
            }
        }
        let yuv = YuvFrame::from_rgba(&f).unwrap();
        let [white, black, red] = [[255, 255, 255], [0, 0, 0], [255, 0, 0]].map(reference);
        let luma = [white, white, red, red, black, black, red, red].map(|c| c[0]);
        for (got, want) in yuv.y.iter().zip(luma) {
            assert!((f64::from(*got) - want).abs() < 1.5, "{:?}", yuv.y);
        }
        // The left block's mean is mid grey: neutral chroma; the right block's is red's.
        let near = |got: u8, want: f64| (f64::from(got) - want).abs() < 1.5;
        assert!(near(yuv.u[0], 128.0) && near(yuv.v[0], 128.0), "{yuv:?}");
        assert!(near(yuv.u[1], red[1]) && near(yuv.v[1], red[2]), "{yuv:?}");
    }

    /// Our conversion gives openh264's whole-frame conversion byte for byte, on noise, at
    /// 1080p and at a width that is no multiple of the 16-pixel SIMD step (1926).
    #[test]
    fn conversion_equals_openh264_on_the_whole_frame() {
        for (w, h) in [(1920, 1080), (1926, 34)] {
            let mut f = Frame::new(w, h).unwrap();
            let mut state = 0x9e37_79b9_u32;
            for b in &mut f.rgba {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                *b = (state >> 24) as u8;
            }
            let ours = YuvFrame::from_rgba(&f).unwrap();
            let mut whole = YUVBuffer::new(w as usize, h as usize);
            whole.read_rgba8(RgbaSliceU8::new(&f.rgba, (w as usize, h as usize)));
            assert!(
                ours.y == whole.y() && ours.u == whole.u() && ours.v == whole.v(),
                "{w}x{h}"
            );
        }
    }

    #[test]
    fn sizes_are_checked() {
        for (w, h) in [(0, 2), (2, 0), (3, 2), (2, 5)] {
            assert!(YuvFrame::new(w, h).is_err(), "{w}x{h}");
        }
        assert!(YuvFrame::from_rgba(&solid(3, 2, [0, 0, 0])).is_err());
        let mut yuv = YuvFrame::new(4, 4).unwrap();
        let err = yuv.fill_from_rgba(&solid(4, 2, [1, 2, 3])).unwrap_err();
        assert!(err.to_string().contains("4x2"), "{err}");
        let mut short = solid(4, 4, [1, 2, 3]);
        short.rgba.pop();
        assert!(yuv.fill_from_rgba(&short).is_err());
    }
}
