//! Colour of decoded clip frames: which YUV → RGB matrix a clip uses, read from its SPS
//! (parsed with `h264-reader`), and the conversion for the matrices openh264's converter
//! does not cover.
//!
//! openh264 converts with BT.601 limited range only. Stock footage is mostly HD and
//! BT.709; read as BT.601 its colours shift (reds go orange, greens go yellow). The rule, as
//! players apply it: the matrix the SPS's VUI names (1 → BT.709; 5 or 6 → BT.601), else BT.709
//! for pictures 720 rows or taller and BT.601 below; the range from the VUI's full-range
//! flag, else limited.

use h264_reader::nal::sps::SeqParameterSet;
use h264_reader::nal::{Nal, RefNal};
use rayon::prelude::*;

/// The YUV → RGB matrix of a clip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ColorMatrix {
    /// ITU-R BT.601 (SD video).
    #[default]
    Bt601,
    /// ITU-R BT.709 (HD video).
    Bt709,
}

/// How a clip's samples map to colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClipColor {
    /// The matrix.
    pub matrix: ColorMatrix,
    /// Full range (0–255) instead of limited (16–235 luma, 16–240 chroma).
    pub full_range: bool,
}

impl ClipColor {
    /// The colour of a clip with this SPS (one NAL unit, header byte included, no start
    /// code) and picture height. An SPS that cannot be parsed, or has no colour description,
    /// falls back to the height rule.
    pub fn from_sps(sps: &[u8], height: u32) -> Self {
        // `RefNal::new` needs at least the header byte.
        let signal = (!sps.is_empty())
            .then(|| SeqParameterSet::from_bits(RefNal::new(sps, &[], true).rbsp_bits()).ok())
            .flatten()
            .and_then(|s| s.vui_parameters)
            .and_then(|v| v.video_signal_type);
        let full_range = signal.as_ref().is_some_and(|s| s.video_full_range_flag);
        let named =
            signal
                .and_then(|s| s.colour_description)
                .and_then(|c| match c.matrix_coefficients {
                    1 => Some(ColorMatrix::Bt709),
                    5 | 6 => Some(ColorMatrix::Bt601),
                    _ => None,
                });
        let matrix = named.unwrap_or(if height >= 720 {
            ColorMatrix::Bt709
        } else {
            ColorMatrix::Bt601
        });
        Self { matrix, full_range }
    }

    /// Whether openh264's own converter (BT.601, limited range) is exact for this clip.
    pub(crate) fn is_openh264_native(self) -> bool {
        self == Self::default()
    }

    /// Fixed-point (×2¹³) coefficients: luma scale, then R·V, G·U, G·V, B·U, and the luma
    /// offset.
    fn coefficients(self) -> [i32; 6] {
        let (kr, kb) = match self.matrix {
            ColorMatrix::Bt601 => (0.299, 0.114),
            ColorMatrix::Bt709 => (0.2126, 0.0722),
        };
        let kg = 1.0 - kr - kb;
        let (y_scale, c_scale, y_off) = if self.full_range {
            (1.0, 1.0, 0)
        } else {
            (255.0 / 219.0, 255.0 / 224.0, 16)
        };
        let fixed = |v: f64| (v * 8192.0).round() as i32;
        [
            fixed(y_scale),
            fixed(c_scale * 2.0 * (1.0 - kr)),
            fixed(-c_scale * 2.0 * (1.0 - kb) * kb / kg),
            fixed(-c_scale * 2.0 * (1.0 - kr) * kr / kg),
            fixed(c_scale * 2.0 * (1.0 - kb)),
            y_off,
        ]
    }
}

/// Planes of an I420 picture and their strides.
pub(crate) struct Planes<'a> {
    pub(crate) y: &'a [u8],
    pub(crate) u: &'a [u8],
    pub(crate) v: &'a [u8],
    pub(crate) strides: (usize, usize, usize),
}

/// Convert an I420 picture of `width`×`height` to opaque RGBA in `out` (`width·height·4`
/// bytes), rows in parallel. Rows or planes shorter than the dimensions say leave the rest
/// of `out` untouched.
pub(crate) fn i420_to_rgba(
    p: &Planes<'_>,
    width: usize,
    height: usize,
    color: ClipColor,
    out: &mut [u8],
) {
    let [ys, rv, gu, gv, bu, y_off] = color.coefficients();
    let clamp = |v: i32| ((v + 4096) >> 13).clamp(0, 255) as u8;
    out.par_chunks_mut(width * 4)
        .take(height)
        .enumerate()
        .for_each(|(row, dst)| {
            let c = row / 2;
            let (Some(yr), Some(ur), Some(vr)) = (
                p.y.get(row * p.strides.0..row * p.strides.0 + width),
                p.u.get(c * p.strides.1..c * p.strides.1 + width.div_ceil(2)),
                p.v.get(c * p.strides.2..c * p.strides.2 + width.div_ceil(2)),
            ) else {
                return;
            };
            for (x, (px, &y)) in dst.chunks_exact_mut(4).zip(yr).enumerate() {
                let (u, v) = (i32::from(ur[x / 2]) - 128, i32::from(vr[x / 2]) - 128);
                let l = (i32::from(y) - y_off) * ys;
                px.copy_from_slice(&[
                    clamp(l + rv * v),
                    clamp(l + gu * u + gv * v),
                    clamp(l + bu * u),
                    255,
                ]);
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SPS NAL units written by x264 for a 320×240 picture, with `-colorspace bt709` and
    /// with `-colorspace smpte170m -color_range pc`.
    const SPS_709: &[u8] = &[
        0x67, 0x64, 0x00, 0x0d, 0xac, 0xd9, 0x41, 0x41, 0xfb, 0x01, 0x6a, 0x02, 0x02, 0x02, 0x80,
        0x00, 0x00, 0x03, 0x00, 0x80, 0x00, 0x00, 0x19, 0x07, 0x8a, 0x14, 0xcb,
    ];
    const SPS_601_FULL: &[u8] = &[
        0x67, 0x64, 0x00, 0x0d, 0xac, 0xd9, 0x41, 0x41, 0xfb, 0x01, 0x6e, 0x0c, 0x0c, 0x0c, 0x80,
        0x00, 0x00, 0x03, 0x00, 0x80, 0x00, 0x00, 0x19, 0x07, 0x8a, 0x14, 0xcb,
    ];

    #[test]
    fn the_sps_names_the_matrix_and_range_else_the_height_decides() {
        let c = ClipColor::from_sps(SPS_709, 240);
        assert_eq!(
            c.matrix,
            ColorMatrix::Bt709,
            "named, though the picture is SD"
        );
        assert!(!c.full_range);
        let c = ClipColor::from_sps(SPS_601_FULL, 1080);
        assert_eq!(
            c.matrix,
            ColorMatrix::Bt601,
            "named, though the picture is HD"
        );
        assert!(c.full_range);
        assert_eq!(
            ClipColor::from_sps(&[0x67], 1080).matrix,
            ColorMatrix::Bt709
        );
        assert_eq!(ClipColor::from_sps(&[], 480), ClipColor::default());
        assert!(ClipColor::default().is_openh264_native());
    }

    fn convert(y: u8, u: u8, v: u8, color: ClipColor) -> [u8; 4] {
        let planes = Planes {
            y: &[y; 4],
            u: &[u],
            v: &[v],
            strides: (2, 1, 1),
        };
        let mut out = [0u8; 16];
        i420_to_rgba(&planes, 2, 2, color, &mut out);
        assert!(out.chunks(4).all(|px| px == &out[..4]));
        [out[0], out[1], out[2], out[3]]
    }

    #[test]
    fn primaries_and_greys_come_out_right_in_each_matrix() {
        let bt709 = ClipColor {
            matrix: ColorMatrix::Bt709,
            full_range: false,
        };
        let close = |got: [u8; 4], want: [u8; 3]| {
            got.iter()
                .zip(want)
                .all(|(g, w)| (i32::from(*g) - i32::from(w)).abs() <= 2)
                && got[3] == 255
        };
        // Limited-range BT.709 colour bars (ITU-R BT.709 / SMPTE RP 219 values).
        assert!(close(convert(63, 102, 240, bt709), [255, 0, 0]));
        assert!(close(convert(173, 42, 26, bt709), [0, 255, 0]));
        assert!(close(convert(32, 240, 118, bt709), [0, 0, 255]));
        assert!(close(convert(16, 128, 128, bt709), [0, 0, 0]));
        assert!(close(convert(235, 128, 128, bt709), [255, 255, 255]));
        // The same red read as BT.601 is visibly off: what the clip path used to do.
        assert!(!close(
            convert(63, 102, 240, ClipColor::default()),
            [255, 0, 0]
        ));
        // BT.601 limited red, and full-range grey.
        assert!(close(
            convert(81, 90, 240, ClipColor::default()),
            [255, 0, 0]
        ));
        let full = ClipColor {
            matrix: ColorMatrix::Bt601,
            full_range: true,
        };
        assert!(close(convert(128, 128, 128, full), [128, 128, 128]));
    }
}
