//! RGBA → I420 conversion of whole rows, written straight into the caller's planes: what
//! [`YuvFrame::fill_from_rgba`](crate::YuvFrame::fill_from_rgba), the encoders fed RGBA, and
//! the CPU compositor's bands use.
//!
//! BT.601 limited range with openh264's integer formula, so the bytes are the ones its
//! converter gives (a test compares them on noise): `Y = 16 + (66·R + 129·G + 25·B) >> 8`;
//! chroma from the rounded mean of each 2×2 block, `U = 128 + (−38·R − 74·G + 112·B) >> 8`,
//! `V = 128 + (112·R − 94·G − 18·B) >> 8`. Alpha is ignored.
//!
//! On AVX2, 16 pixels of a row pair per step (`avx2`, chosen at run time with `multiversion`,
//! no `unsafe`: the intrinsics take no pointers and loads go through `bytemuck`); the portable
//! loop converts the columns after the last whole step, and everything elsewhere.

use multiversion::multiversion;
use multiversion::target::match_target;

/// Convert `rgba` (rows of `width` RGBA pixels; `width` and the row count even) into the
/// matching rows of `y` (`width` a row) and `u`, `v` (`width / 2` a row pair). Returns
/// `false`, converting nothing, when the sizes do not fit together.
pub(crate) fn rgba_to_i420(
    rgba: &[u8],
    width: usize,
    y: &mut [u8],
    u: &mut [u8],
    v: &mut [u8],
) -> bool {
    let rows = y.len() / width.max(1);
    let chroma = width / 2 * rows / 2;
    let fits = width > 0
        && width.is_multiple_of(2)
        && rows.is_multiple_of(2)
        && y.len() == width * rows
        && rgba.len() == y.len() * 4
        && u.len() == chroma
        && v.len() == chroma;
    if fits {
        convert_rows(rgba, width, y, u, v);
    }
    fits
}

#[multiversion(targets("x86_64+avx2+fma"))]
fn convert_rows(rgba: &[u8], width: usize, y: &mut [u8], u: &mut [u8], v: &mut [u8]) {
    let half = width / 2;
    let pairs = rgba
        .chunks_exact(width * 8)
        .zip(y.chunks_exact_mut(width * 2))
        .zip(u.chunks_exact_mut(half).zip(v.chunks_exact_mut(half)));
    for ((src, luma), (u, v)) in pairs {
        let (s0, s1) = src.split_at(width * 4);
        let (y0, y1) = luma.split_at_mut(width);
        let done = match_target! {
            "x86_64+avx2" => avx2::row_pair(s0, s1, y0, y1, u, v),
            _ => 0,
        };
        row_pair(s0, s1, y0, y1, u, v, done);
    }
}

/// Luma of one RGBA pixel.
#[inline(always)]
fn luma(p: &[u8]) -> u8 {
    let [r, g, b] = [0, 1, 2].map(|k| u32::from(p.get(k).copied().unwrap_or(0)));
    (((66 * r + 129 * g + 25 * b) >> 8) + 16) as u8
}

/// Columns `from..` of a row pair, a pixel (and a 2×2 block) at a time.
#[inline(always)]
fn row_pair(
    s0: &[u8],
    s1: &[u8],
    y0: &mut [u8],
    y1: &mut [u8],
    u: &mut [u8],
    v: &mut [u8],
    from: usize,
) {
    for (row, out) in [(s0, y0), (s1, y1)] {
        for (o, p) in out.iter_mut().zip(row.chunks_exact(4)).skip(from) {
            *o = luma(p);
        }
    }
    let blocks = s0.chunks_exact(8).zip(s1.chunks_exact(8));
    for ((u, v), (a, b)) in u.iter_mut().zip(v.iter_mut()).zip(blocks).skip(from / 2) {
        let [r, g, bl] = [0, 1, 2].map(|k| {
            let sum = [a[k], a[k + 4], b[k], b[k + 4]]
                .map(i32::from)
                .iter()
                .sum::<i32>();
            (sum + 2) / 4
        });
        *u = (((-38 * r - 74 * g + 112 * bl) >> 8) + 128) as u8;
        *v = (((112 * r - 94 * g - 18 * bl) >> 8) + 128) as u8;
    }
}

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2 {
    //! 16 pixels of a row pair per step: 32 luma and 8 + 8 chroma bytes.

    use std::arch::x86_64::{
        __m256i, _mm256_add_epi16, _mm256_add_epi32, _mm256_hadd_epi32, _mm256_madd_epi16,
        _mm256_packs_epi32, _mm256_packus_epi16, _mm256_packus_epi32, _mm256_permutevar8x32_epi32,
        _mm256_set1_epi16, _mm256_set1_epi32, _mm256_setr_epi16, _mm256_setr_epi32,
        _mm256_setzero_si256, _mm256_shuffle_epi32, _mm256_srai_epi32, _mm256_srli_epi16,
        _mm256_srli_epi32, _mm256_unpackhi_epi8, _mm256_unpacklo_epi8, _mm256_unpacklo_epi64,
    };

    /// 32 bytes of `s` from byte `at` (8 RGBA pixels), or `None` past its end; the one safe
    /// load of the AVX2 kernels here and in `cpu::simd`.
    #[inline]
    pub(crate) fn load(s: &[u8], at: usize) -> Option<__m256i> {
        s.get(at..at + 32).map(bytemuck::pod_read_unaligned)
    }

    /// `[R, G, B, A]` weights repeated, for `madd`.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn weights(r: i16, g: i16, b: i16) -> __m256i {
        _mm256_setr_epi16(r, g, b, 0, r, g, b, 0, r, g, b, 0, r, g, b, 0)
    }

    /// Luma of 8 pixels, in order, one per 32-bit lane.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn luma8(px: __m256i) -> __m256i {
        let zero = _mm256_setzero_si256();
        let w = weights(66, 129, 25);
        // lo: pixels 0, 1 | 4, 5; hi: 2, 3 | 6, 7; hadd puts them back in order.
        let lo = _mm256_madd_epi16(_mm256_unpacklo_epi8(px, zero), w);
        let hi = _mm256_madd_epi16(_mm256_unpackhi_epi8(px, zero), w);
        let sum = _mm256_hadd_epi32(lo, hi);
        _mm256_add_epi32(_mm256_srli_epi32::<8>(sum), _mm256_set1_epi32(16))
    }

    /// Rounded means of the four 2×2 blocks of 8 pixels of two rows, as 16-bit RGBA:
    /// blocks 0, 1 | 2, 3.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn means4(p0: __m256i, p1: __m256i) -> __m256i {
        let zero = _mm256_setzero_si256();
        let lo = _mm256_add_epi16(
            _mm256_unpacklo_epi8(p0, zero),
            _mm256_unpacklo_epi8(p1, zero),
        );
        let hi = _mm256_add_epi16(
            _mm256_unpackhi_epi8(p0, zero),
            _mm256_unpackhi_epi8(p1, zero),
        );
        // Add each pixel to its neighbour (the other 64-bit half of its 128-bit lane).
        let lo = _mm256_add_epi16(lo, _mm256_shuffle_epi32::<0x4E>(lo));
        let hi = _mm256_add_epi16(hi, _mm256_shuffle_epi32::<0x4E>(hi));
        let sums = _mm256_unpacklo_epi64(lo, hi);
        _mm256_srli_epi16::<2>(_mm256_add_epi16(sums, _mm256_set1_epi16(2)))
    }

    /// One chroma plane's 8 samples from two [`means4`], in order, one per 32-bit lane.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn chroma8(a: __m256i, b: __m256i, w: __m256i) -> __m256i {
        // hadd gives samples 0, 1, 4, 5 | 2, 3, 6, 7.
        let sum = _mm256_hadd_epi32(_mm256_madd_epi16(a, w), _mm256_madd_epi16(b, w));
        let sum = _mm256_permutevar8x32_epi32(sum, _mm256_setr_epi32(0, 1, 4, 5, 2, 3, 6, 7));
        _mm256_add_epi32(_mm256_srai_epi32::<8>(sum), _mm256_set1_epi32(128))
    }

    /// Whole 16-pixel steps of a row pair; returns the pixels converted.
    #[target_feature(enable = "avx2")]
    pub(super) fn row_pair(
        s0: &[u8],
        s1: &[u8],
        y0: &mut [u8],
        y1: &mut [u8],
        u: &mut [u8],
        v: &mut [u8],
    ) -> usize {
        let steps = (y0.len() / 16)
            .min(y1.len() / 16)
            .min(u.len() / 8)
            .min(v.len() / 8);
        let (wu, wv) = (weights(-38, -74, 112), weights(112, -94, -18));
        // Luma bytes come out as rows 0, 1 in 4-pixel groups 0, 2, 1, 3 of each lane.
        let luma_order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
        for k in 0..steps {
            let at = k * 64;
            let (Some(a0), Some(b0), Some(a1), Some(b1)) = (
                load(s0, at),
                load(s0, at + 32),
                load(s1, at),
                load(s1, at + 32),
            ) else {
                return k * 16;
            };
            let r0 = _mm256_packus_epi32(luma8(a0), luma8(b0));
            let r1 = _mm256_packus_epi32(luma8(a1), luma8(b1));
            let bytes = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(r0, r1), luma_order);
            let bytes: [u8; 32] = bytemuck::cast(bytes);
            y0[k * 16..k * 16 + 16].copy_from_slice(&bytes[..16]);
            y1[k * 16..k * 16 + 16].copy_from_slice(&bytes[16..]);

            let (ma, mb) = (means4(a0, a1), means4(b0, b1));
            let uv = _mm256_packs_epi32(chroma8(ma, mb, wu), chroma8(ma, mb, wv));
            // Bytes: U 0–3, V 0–3 | U 4–7, V 4–7 (each lane's first 8).
            let bytes: [u8; 32] = bytemuck::cast(_mm256_packus_epi16(uv, uv));
            u[k * 8..k * 8 + 4].copy_from_slice(&bytes[..4]);
            u[k * 8 + 4..k * 8 + 8].copy_from_slice(&bytes[16..20]);
            v[k * 8..k * 8 + 4].copy_from_slice(&bytes[4..8]);
            v[k * 8 + 4..k * 8 + 8].copy_from_slice(&bytes[20..24]);
        }
        steps * 16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The portable loop alone gives the bytes the dispatched path gives (AVX2 where this CPU
    /// has it), which `frame`'s tests compare with openh264's own converter.
    #[test]
    fn the_portable_loop_equals_the_dispatched_conversion() {
        let (w, h) = (1926usize, 6usize);
        let mut state = 0x2545_f491_u32;
        let rgba: Vec<u8> = (0..w * h * 4)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state >> 24) as u8
            })
            .collect();
        let planes = || (vec![0u8; w * h], vec![0u8; w * h / 4], vec![0u8; w * h / 4]);
        let (mut y, mut u, mut v) = planes();
        assert!(rgba_to_i420(&rgba, w, &mut y, &mut u, &mut v));
        let (mut py, mut pu, mut pv) = planes();
        let half = w / 2;
        for r in 0..h / 2 {
            let (s0, s1) = rgba[r * w * 8..(r + 1) * w * 8].split_at(w * 4);
            let (y0, y1) = py[r * w * 2..(r + 1) * w * 2].split_at_mut(w);
            let (u, v) = (&mut pu[r * half..][..half], &mut pv[r * half..][..half]);
            row_pair(s0, s1, y0, y1, u, v, 0);
        }
        assert!(y == py && u == pu && v == pv);
    }

    #[test]
    fn sizes_that_do_not_fit_convert_nothing() {
        let rgba = vec![255u8; 4 * 2 * 4];
        let (mut y, mut u, mut v) = (vec![0u8; 8], vec![0u8; 2], vec![0u8; 2]);
        assert!(!rgba_to_i420(&rgba, 3, &mut y, &mut u, &mut v), "odd width");
        assert!(
            !rgba_to_i420(&rgba, 4, &mut y, &mut u, &mut v[..1]),
            "short V"
        );
        assert!(
            !rgba_to_i420(&rgba[..30], 4, &mut y, &mut u, &mut v),
            "short RGBA"
        );
        assert!(y.iter().all(|&b| b == 0), "nothing written");
        assert!(rgba_to_i420(&rgba, 4, &mut y, &mut u, &mut v));
        assert_eq!((y[0], u[0], v[0]), (235, 128, 128));
    }
}
