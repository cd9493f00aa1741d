//! Loudness normalisation as a search, shared by the in-memory soundtrack
//! ([`super::normalize_loudness`]) and the streaming one ([`super::stream`]).
//!
//! A plain gain to the target is tried first and kept when its true peak stays under the
//! ceiling. Otherwise the *original* mix is gained and run through the look-ahead limiter,
//! and the pre-gain is searched (secant steps on loudness against pre-gain, which rises
//! monotonically) until the limited result lands within ±0.3 LU of the target. Limiting the
//! original each time, never an already limited signal, keeps losses from compounding, so
//! peaky speech settles in two or three limiter passes instead of a dozen. A pass whose true
//! (inter-sample) peak still crosses the ceiling retries with the sample ceiling 0.3 dB lower.

use ytempire_core::Result;

use super::{Loudness, db_to_gain};

/// How close to the target loudness is close enough, in LU.
const TOLERANCE_LU: f64 = 0.3;
/// Limiter passes at most.
const MAX_PASSES: usize = 8;
/// The largest single change of pre-gain, in dB.
const MAX_STEP_DB: f64 = 6.0;

/// Audio that normalisation can measure and limit: a buffer in memory or a spool on disk.
pub(crate) trait Levels: Sized {
    /// Loudness of the audio times `gain`.
    fn measure_gained(&self, gain: f32) -> Result<Loudness>;
    /// The audio times `gain`, sample peaks limited to `ceiling` (linear), and its loudness.
    fn limited(&self, gain: f32, ceiling: f32) -> Result<(Self, Loudness)>;
}

/// Normalise `audio` (measured as `m`) to `target_lufs` with true peak at most `max_tp`:
/// the audio to keep (the input or a limited copy), the gain still to apply to it, and the
/// loudness that results. Silence (below −70 LUFS) is left alone.
pub(crate) fn normalize<A: Levels>(
    audio: A,
    m: Loudness,
    target_lufs: f64,
    max_tp: f64,
) -> Result<(A, f32, Loudness)> {
    if !m.integrated_lufs.is_finite() || m.integrated_lufs < -70.0 {
        return Ok((audio, 1.0, m));
    }
    let gain_db = target_lufs - m.integrated_lufs;
    let gained = audio.measure_gained(db_to_gain(gain_db))?;
    if gained.true_peak_dbtp <= max_tp {
        return Ok((audio, db_to_gain(gain_db), gained));
    }
    // Limit a little under the ceiling: true peaks sit slightly above sample peaks.
    let mut ceiling_db = max_tp - 0.5;
    let mut pre_db = gain_db;
    let mut last: Option<(f64, f64)> = None;
    let mut best = audio.limited(db_to_gain(pre_db), db_to_gain(ceiling_db))?;
    for _ in 1..MAX_PASSES {
        let lm = best.1;
        if lm.true_peak_dbtp > max_tp {
            ceiling_db -= 0.3;
            last = None;
        } else {
            let err = target_lufs - lm.integrated_lufs;
            if err.abs() <= TOLERANCE_LU {
                break;
            }
            let slope = match last {
                Some((p, l)) if (pre_db - p).abs() > 1e-3 => {
                    ((lm.integrated_lufs - l) / (pre_db - p)).clamp(0.2, 1.0)
                }
                _ => 1.0,
            };
            last = Some((pre_db, lm.integrated_lufs));
            pre_db += (err / slope).clamp(-MAX_STEP_DB, MAX_STEP_DB);
        }
        best = audio.limited(db_to_gain(pre_db), db_to_gain(ceiling_db))?;
    }
    let (limited, m) = best;
    // Last adjustments with a plain gain on the limited audio.
    if m.true_peak_dbtp > max_tp {
        // Honour the peak ceiling at the cost of a little loudness.
        let gain = db_to_gain(max_tp - m.true_peak_dbtp - 0.05);
        let m = limited.measure_gained(gain)?;
        return Ok((limited, gain, m));
    }
    if m.integrated_lufs < target_lufs - TOLERANCE_LU {
        // Use whatever peak headroom is left to get closer to the target.
        let up = (target_lufs - m.integrated_lufs).min(max_tp - m.true_peak_dbtp - 0.05);
        if up > 0.0 {
            let gain = db_to_gain(up);
            let m = limited.measure_gained(gain)?;
            return Ok((limited, gain, m));
        }
    }
    Ok((limited, 1.0, m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;

    /// A model of peaky audio: gain moves loudness and true peak alike; limiting to a ceiling
    /// caps the peak 0.2 dB over it and costs loudness in proportion to the overshoot.
    #[derive(Clone)]
    struct Model {
        lufs: f64,
        tp: f64,
        passes: Rc<Cell<usize>>,
    }

    fn db(gain: f32) -> f64 {
        20.0 * f64::from(gain).log10()
    }

    impl Levels for Model {
        fn measure_gained(&self, gain: f32) -> Result<Loudness> {
            Ok(Loudness {
                integrated_lufs: self.lufs + db(gain),
                true_peak_dbtp: self.tp + db(gain),
            })
        }

        fn limited(&self, gain: f32, ceiling: f32) -> Result<(Self, Loudness)> {
            self.passes.set(self.passes.get() + 1);
            let (peak, ceiling) = (self.tp + db(gain), db(ceiling));
            let over = (peak - ceiling).max(0.0);
            let out = Model {
                lufs: self.lufs + db(gain) - 0.35 * over,
                tp: peak.min(ceiling + 0.2),
                passes: self.passes.clone(),
            };
            let m = out.measure_gained(1.0)?;
            Ok((out, m))
        }
    }

    fn run(lufs: f64, tp: f64) -> (Loudness, usize) {
        let passes = Rc::new(Cell::new(0));
        let model = Model {
            lufs,
            tp,
            passes: passes.clone(),
        };
        let m = model.measure_gained(1.0).unwrap_or(Loudness {
            integrated_lufs: f64::NAN,
            true_peak_dbtp: f64::NAN,
        });
        let (out, gain, result) = normalize(model, m, -14.0, -1.0).unwrap_or_else(|_| {
            unreachable!("the model never fails");
        });
        assert_eq!(out.measure_gained(gain).ok(), Some(result));
        (result, passes.get())
    }

    #[test]
    fn plain_gain_when_the_peaks_allow_it() {
        let (m, passes) = run(-25.0, -16.0);
        assert!((m.integrated_lufs + 14.0).abs() < 1e-6, "{m:?}");
        assert_eq!(passes, 0);
    }

    #[test]
    fn peaky_audio_reaches_the_target_in_a_few_limiter_passes() {
        for (lufs, tp) in [(-30.0, -6.0), (-24.0, -3.0), (-40.0, -10.0), (-18.0, -0.5)] {
            let (m, passes) = run(lufs, tp);
            assert!((m.integrated_lufs + 14.0).abs() <= TOLERANCE_LU, "{m:?}");
            assert!(m.true_peak_dbtp <= -1.0, "{m:?}");
            assert!(passes <= 3, "{passes} passes for {lufs} LUFS / {tp} dBTP");
        }
    }

    #[test]
    fn silence_is_left_alone() {
        let (m, passes) = run(f64::NEG_INFINITY, f64::NEG_INFINITY);
        assert!(m.integrated_lufs.is_infinite());
        assert_eq!(passes, 0);
    }
}
