//! A look-ahead peak limiter used by loudness normalisation.
//!
//! The gain needed at each sample (`ceiling / |x|`, capped at 1) is spread with a sliding
//! minimum over ±1.5 ms, then smoothed with a moving average half that wide: the average of
//! values that are each at most the requirement of every sample they cover stays at or under
//! it, so the ceiling holds for sample peaks while the gain changes smoothly. A 100 ms release
//! lets the gain recover without pumping.

use std::collections::VecDeque;

/// Limit sample peaks of `samples` to `ceiling` (linear).
pub(crate) fn limit(samples: &mut [f32], rate: u32, ceiling: f32) {
    let n = samples.len();
    if n == 0 || ceiling <= 0.0 {
        return;
    }
    let radius = ((rate as usize * 3) / 2000).max(1); // 1.5 ms
    let need: Vec<f32> = samples
        .iter()
        .map(|s| {
            let a = s.abs();
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
    for (i, s) in samples.iter_mut().enumerate() {
        let lo = i.saturating_sub(half);
        let hi = (i + half + 1).min(n);
        let avg = (prefix[hi] - prefix[lo]) / (hi - lo) as f64;
        *s *= (avg as f32).min(need[i]);
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
        limit(&mut s, 48_000, 0.5);
        assert!(s.iter().all(|v| v.abs() <= 0.5 + 1e-6));
        assert_eq!(s[5_000], before);
        assert!(s[20_500].abs() > 0.2 || s[20_501].abs() > 0.2);
    }
}
