//! A look-ahead peak limiter used by loudness normalisation.
//!
//! The limiter is linked: for interleaved multi-channel audio one gain per frame, set by the
//! frame's loudest channel, applies to every channel, so limiting never shifts the stereo
//! image. The gain needed at each frame (`ceiling / max |x|`, capped at 1) is spread with a sliding
//! minimum over ±1.5 ms, then smoothed with a moving average half that wide: the average of
//! values that are each at most the requirement of every sample they cover stays at or under
//! it, so the ceiling holds for sample peaks while the gain changes smoothly. A 100 ms release
//! lets the gain recover without pumping.

use std::collections::VecDeque;

/// Limit sample peaks of interleaved `samples` (`channels` per frame) to `ceiling` (linear),
/// with one gain per frame shared by all channels.
pub(crate) fn limit(samples: &mut [f32], channels: usize, rate: u32, ceiling: f32) {
    let channels = channels.max(1);
    let n = samples.len() / channels;
    if n == 0 || ceiling <= 0.0 {
        return;
    }
    let radius = ((rate as usize * 3) / 2000).max(1); // 1.5 ms
    let need: Vec<f32> = samples
        .chunks_exact(channels)
        .map(|f| {
            let a = f.iter().fold(0.0f32, |m, s| m.max(s.abs()));
            if a > ceiling { ceiling / a } else { 1.0 }
        })
        .collect();
    // Sliding minimum over [i - radius, i + radius] (monotonic deque).
    let mut spread = vec![1.0f32; n];
    let mut dq: VecDeque<usize> = VecDeque::new();
    let mut next = 0usize;
    for (i, out) in spread.iter_mut().enumerate() {
        let hi = (i + radius).min(n - 1);
        while next <= hi {
            while dq.back().is_some_and(|&b| need[b] >= need[next]) {
                dq.pop_back();
            }
            dq.push_back(next);
            next += 1;
        }
        while dq.front().is_some_and(|&f| f + radius < i) {
            dq.pop_front();
        }
        *out = dq.front().map_or(1.0, |&f| need[f]);
    }
    // Release: the gain may fall instantly but rises back slowly.
    let release = 1.0 - (-1.0 / (0.1 * rate as f32)).exp();
    let mut g = 1.0f32;
    for v in &mut spread {
        g = if *v < g { *v } else { g + (*v - g) * release };
        *v = g;
    }
    // Moving average of width `radius` (centred), which stays under the requirement.
    let half = radius / 2;
    let mut prefix = Vec::with_capacity(n + 1);
    prefix.push(0.0f64);
    for v in &spread {
        let last = prefix.last().copied().unwrap_or(0.0);
        prefix.push(last + f64::from(*v));
    }
    for (i, frame) in samples.chunks_exact_mut(channels).enumerate() {
        let lo = i.saturating_sub(half);
        let hi = (i + half + 1).min(n);
        let avg = (prefix[hi] - prefix[lo]) / (hi - lo) as f64;
        let g = (avg as f32).min(need[i]);
        for s in frame {
            *s *= g;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peaks_stay_under_the_ceiling_and_quiet_parts_are_untouched() {
        let mut s: Vec<f32> = (0..48_000)
            .map(|i| {
                let amp = if (20_000..21_000).contains(&i) {
                    1.0
                } else {
                    0.1
                };
                amp * (i as f32 * 0.05).sin()
            })
            .collect();
        let before = s[5_000];
        limit(&mut s, 1, 48_000, 0.5);
        assert!(s.iter().all(|v| v.abs() <= 0.5 + 1e-6));
        assert_eq!(s[5_000], before);
        assert!(s[20_500].abs() > 0.2 || s[20_501].abs() > 0.2);
    }

    #[test]
    fn stereo_is_limited_with_one_gain_so_the_image_holds() {
        // A loud burst on the left only; the right is quiet throughout.
        let frames = 48_000;
        let mut s = Vec::with_capacity(2 * frames);
        for i in 0..frames {
            let l = if (20_000..21_000).contains(&i) {
                1.0
            } else {
                0.1
            };
            let v = (i as f32 * 0.05).sin();
            s.push(l * v);
            s.push(0.1 * v);
        }
        let orig = s.clone();
        limit(&mut s, 2, 48_000, 0.5);
        assert!(s.iter().all(|v| v.abs() <= 0.5 + 1e-6));
        // Where the left is limited the right is turned down by the same factor.
        let i = 20_500;
        let (gl, gr) = (s[2 * i] / orig[2 * i], s[2 * i + 1] / orig[2 * i + 1]);
        assert!(gl < 0.9, "{gl}");
        assert!((gl - gr).abs() < 1e-4, "left gain {gl}, right gain {gr}");
        assert_eq!(s[10_000], orig[10_000]);
    }
}
