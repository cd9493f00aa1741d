//! AVX2 kernels of the separable image path (x86-64): the horizontal filter of one source row
//! and the vertical blend of two filtered rows, with exactly the integers of the portable
//! loops in `raster` (tests compare them on every weight).
//!
//! The horizontal filter is where the portable path spends its time: each output pixel reads
//! two source pixels at a per-column offset, a gather the compiler leaves scalar. Here a block
//! of 8 output columns whose taps span at most 16 source pixels is served from one or two
//! 8-pixel loads and a lane permute (`vpermd`); [`Block`]s are planned once per frame with the
//! column taps. Blocks that span more (a picture shrunk more than about 2×) and the columns
//! after the last whole block are filtered one pixel at a time.
//!
//! The I420 path (`cpu::yuv`) filters planes of one byte a pixel: [`filter_plane_row`] serves
//! 16 output columns per step, each half of them picked with one byte shuffle (`vpshufb`) from
//! 16 source bytes, and the vertical blend is [`vertical_row`], which works on any lanes.
//!
//! No `unsafe`: these functions enable AVX2 with `#[target_feature]` and are only called from
//! the AVX2 clones of `multiversion` functions (`match_target!`), where calling them is safe;
//! the intrinsics used take no pointers, and loads and stores go through `bytemuck`
//! (`__m256i` is `Pod`).

use std::arch::x86_64::{
    __m128i, __m256i, _mm256_add_epi16, _mm256_add_epi32, _mm256_blendv_epi8, _mm256_cmpgt_epi32,
    _mm256_madd_epi16, _mm256_mullo_epi16, _mm256_packus_epi16, _mm256_packus_epi32,
    _mm256_permute2x128_si256, _mm256_permute4x64_epi64, _mm256_permutevar8x32_epi32,
    _mm256_set_m128i, _mm256_set1_epi16, _mm256_set1_epi32, _mm256_setzero_si256,
    _mm256_shuffle_epi8, _mm256_srli_epi32, _mm256_sub_epi16, _mm256_unpackhi_epi8,
    _mm256_unpackhi_epi16, _mm256_unpacklo_epi8, _mm256_unpacklo_epi16, _mm256_xor_si256,
};

use super::raster::{Block, Span, Taps, horizontal_tap, vertical_tap};
use super::yuv::{PlaneTaps, plane_tap};
use crate::convert::avx2::load;

/// The pixels `idx` (0..8) picks from the 8 pixels at byte `at` of `s`.
#[inline]
#[target_feature(enable = "avx2")]
fn pick8(s: &[u8], at: usize, idx: __m256i) -> Option<__m256i> {
    Some(_mm256_permutevar8x32_epi32(load(s, at)?, idx))
}

/// The pixels `idx` (0..16) picks from the 16 pixels at byte `at` of `s`.
#[inline]
#[target_feature(enable = "avx2")]
fn pick16(s: &[u8], at: usize, idx: __m256i) -> Option<__m256i> {
    let lo = _mm256_permutevar8x32_epi32(load(s, at)?, idx);
    let hi = _mm256_permutevar8x32_epi32(load(s, at + 32)?, idx);
    let upper = _mm256_cmpgt_epi32(idx, _mm256_set1_epi32(7));
    Some(_mm256_blendv_epi8(lo, hi, upper))
}

/// Pixels `c0` and `c0 + 1` of every column of `block`, as two registers of 8 RGBA pixels;
/// `None` for a block filtered pixel by pixel.
#[inline]
#[target_feature(enable = "avx2")]
fn block_pixels(row: &[u8], block: &Block) -> Option<(__m256i, __m256i)> {
    let at = block.base as usize * 4;
    let idx: __m256i = bytemuck::cast(block.idx);
    match block.span {
        Span::Eight => Some((pick8(row, at, idx)?, pick8(row, at + 4, idx)?)),
        Span::Sixteen => Some((pick16(row, at, idx)?, pick16(row, at + 4, idx)?)),
        Span::Wider => None,
    }
}

/// [`super::raster`]'s horizontal filter of one source row (`width` RGBA pixels) at every
/// column of `taps`, into 4 lanes per column of `out`: `p0·(256 − fx) + p1·fx` per channel.
#[target_feature(enable = "avx2")]
pub(super) fn filter_row(row: &[u8], taps: &Taps, out: &mut [u16]) {
    let zero = _mm256_setzero_si256();
    let full = _mm256_set1_epi16(256);
    let mut blocks = out.chunks_exact_mut(32).zip(&taps.blocks);
    for (o, block) in blocks.by_ref() {
        let Some((p0, p1)) = block_pixels(row, block) else {
            let first = block.first as usize;
            for (lanes, t) in o.chunks_exact_mut(4).zip(taps.cols.iter().skip(first)) {
                horizontal_tap(row, *t, lanes);
            }
            continue;
        };
        // Lo: pixels 0, 1 | 4, 5 widened to 16 bits; hi: 2, 3 | 6, 7 (unpack works in lanes).
        let [w1_lo, w1_hi]: [__m256i; 2] = block.w1.map(bytemuck::cast);
        let (w0_lo, w0_hi) = (_mm256_sub_epi16(full, w1_lo), _mm256_sub_epi16(full, w1_hi));
        // At most 255·256 per channel: exact in 16 bits.
        let lo = _mm256_add_epi16(
            _mm256_mullo_epi16(_mm256_unpacklo_epi8(p0, zero), w0_lo),
            _mm256_mullo_epi16(_mm256_unpacklo_epi8(p1, zero), w1_lo),
        );
        let hi = _mm256_add_epi16(
            _mm256_mullo_epi16(_mm256_unpackhi_epi8(p0, zero), w0_hi),
            _mm256_mullo_epi16(_mm256_unpackhi_epi8(p1, zero), w1_hi),
        );
        let first: [u16; 16] = bytemuck::cast(_mm256_permute2x128_si256::<0x20>(lo, hi));
        let second: [u16; 16] = bytemuck::cast(_mm256_permute2x128_si256::<0x31>(lo, hi));
        o[..16].copy_from_slice(&first);
        o[16..].copy_from_slice(&second);
    }
    let done = taps.blocks.len() * 8;
    let rest = taps.cols.iter().skip(done);
    for (lanes, t) in out
        .get_mut(done * 4..)
        .unwrap_or_default()
        .chunks_exact_mut(4)
        .zip(rest)
    {
        horizontal_tap(row, *t, lanes);
    }
}

/// `cpu::yuv`'s horizontal filter of one plane row (a byte a pixel) at every column of `taps`,
/// into one lane per column of `out`: `p0·(256 − fx) + p1·fx`.
#[target_feature(enable = "avx2")]
pub(super) fn filter_plane_row(row: &[u8], taps: &PlaneTaps, out: &mut [u16]) {
    let zero = _mm256_setzero_si256();
    let full = _mm256_set1_epi16(256);
    let load16 = |at: u32| -> Option<__m128i> {
        let at = at as usize;
        row.get(at..at + 16).map(bytemuck::pod_read_unaligned)
    };
    let mut blocks = out.chunks_exact_mut(16).zip(&taps.blocks);
    for (o, block) in blocks.by_ref() {
        let picked = match (block.fits, load16(block.base[0]), load16(block.base[1])) {
            (true, Some(lo), Some(hi)) => Some(_mm256_set_m128i(hi, lo)),
            _ => None,
        };
        let Some(window) = picked else {
            let first = block.first as usize;
            for (lane, t) in o.iter_mut().zip(taps.cols.iter().skip(first)) {
                *lane = plane_tap(row, *t);
            }
            continue;
        };
        // Each 128-bit half: bytes 0..8 are the columns' `p0`, bytes 8..16 their `p1`.
        let p = _mm256_shuffle_epi8(window, bytemuck::cast(block.shuf));
        let w1: __m256i = bytemuck::cast(block.w1);
        let w0 = _mm256_sub_epi16(full, w1);
        // At most 255·256: exact in 16 bits.
        let sum = _mm256_add_epi16(
            _mm256_mullo_epi16(_mm256_unpacklo_epi8(p, zero), w0),
            _mm256_mullo_epi16(_mm256_unpackhi_epi8(p, zero), w1),
        );
        o.copy_from_slice(&bytemuck::cast::<__m256i, [u16; 16]>(sum));
    }
    let done = taps.blocks.len() * 16;
    let rest = taps.cols.iter().skip(done);
    for (lane, t) in out.iter_mut().skip(done).zip(rest) {
        *lane = plane_tap(row, *t);
    }
}

/// [`super::raster`]'s vertical blend of two filtered rows with weight `fy` on `bot`:
/// `(top·(256 − fy) + bot·fy + 32768) >> 16` per lane, as bytes.
#[target_feature(enable = "avx2")]
pub(super) fn vertical_row(top: &[u16], bot: &[u16], fy: u32, out: &mut [u8]) {
    // madd multiplies signed 16-bit pairs: lanes are biased by −32768 and the bias
    // (32768·256) added back with the rounding constant, in 32 bits.
    let flip = _mm256_set1_epi16(i16::MIN);
    let w = _mm256_set1_epi32(((fy << 16) | (256 - fy)) as i32);
    let round = _mm256_set1_epi32(32768 * 256 + 32768);
    let blend = |a: __m256i, b: __m256i| {
        let (a, b) = (_mm256_xor_si256(a, flip), _mm256_xor_si256(b, flip));
        let lo = _mm256_madd_epi16(_mm256_unpacklo_epi16(a, b), w);
        let hi = _mm256_madd_epi16(_mm256_unpackhi_epi16(a, b), w);
        _mm256_packus_epi32(
            _mm256_srli_epi32::<16>(_mm256_add_epi32(lo, round)),
            _mm256_srli_epi32::<16>(_mm256_add_epi32(hi, round)),
        )
    };
    let mut chunks = out
        .chunks_exact_mut(32)
        .zip(top.chunks_exact(32).zip(bot.chunks_exact(32)));
    for (o, (a, b)) in chunks.by_ref() {
        let lanes = |s: &[u16]| -> [__m256i; 2] {
            bytemuck::cast(<[u16; 32]>::try_from(s).unwrap_or([0; 32]))
        };
        let ([a0, a1], [b0, b1]) = (lanes(a), lanes(b));
        // packus works within 128-bit lanes: 64-bit quarters come out as 0, 2, 1, 3.
        let bytes = _mm256_packus_epi16(blend(a0, b0), blend(a1, b1));
        let bytes: [u8; 32] = bytemuck::cast(_mm256_permute4x64_epi64::<0b11_01_10_00>(bytes));
        o.copy_from_slice(&bytes);
    }
    let done = out.len() / 32 * 32;
    let rest = top.iter().zip(bot).skip(done);
    for (o, (&a, &b)) in out.iter_mut().skip(done).zip(rest) {
        *o = vertical_tap(a, b, fy);
    }
}
