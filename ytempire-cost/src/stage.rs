//! The pipeline's quality stage and cost probe, and the default chain that assembles a whole
//! pipeline with budgets around the paid providers.
//!
//! - [`QualityGate`] implements core's [`QualityStage`]: every scorer of [`crate::quality`]
//!   over the job's artifacts (script, narration WAV, rendered MP4 sampled with
//!   ytempire-render's decoder, metadata, thumbnails), combined into a [`QualityReport`] and
//!   gated by a threshold and the content-policy checklist. Progress is reported per step.
//! - [`score_job`], [`audio_expectations`] and [`sample_video`]: the same scoring, callable
//!   on their own (reports, re-scoring a finished job).
//! - [`LedgerProbe`] implements [`CostProbe`]: a job's spend so far from the [`CostLedger`].
//! - [`DefaultChain`]: the default pipeline (script, narration, visuals, render, thumbnails,
//!   quality, cost) over the providers an application gives, each paid one wrapped in
//!   [`Budgeted`](crate::Budgeted).
//!
//! The frame sampling uses ytempire-render built without its `gpu` feature (decoding needs no
//! GPU), so this crate does not pull wgpu.
//!
//! [`QualityStage`]: ytempire_core::pipeline::QualityStage
//! [`QualityReport`]: crate::QualityReport

mod chain;
mod score;

use std::sync::Arc;

use async_trait::async_trait;
use ytempire_core::pipeline::{
    CostProbe, QualityInputs, QualityStage, QualityVerdict, report_progress,
};
use ytempire_core::{Error, Result};

use crate::quality::{GateDecision, GatePolicy, QualityScore, ScoreKind, SubScore};
use crate::{CostLedger, Decimal};

pub use chain::DefaultChain;
pub use score::{audio_expectations, sample_video, score_job};

/// [`QualityStage`]: every scorer over the job's artifacts, gated by `threshold` and the
/// content-policy checklist ([`gate_report`](crate::quality::gate_report)).
#[derive(Debug, Clone)]
pub struct QualityGate {
    /// Minimum overall score (0–10) to pass.
    pub threshold: f64,
    /// What happens below the threshold.
    pub policy: GatePolicy,
    /// Seconds between sampled video frames (at most 90 frames are decoded in all).
    pub sample_every_secs: f64,
}

impl Default for QualityGate {
    /// Threshold 6.0, blocking, a frame every two seconds.
    fn default() -> Self {
        Self {
            threshold: 6.0,
            policy: GatePolicy::Block,
            sample_every_secs: 2.0,
        }
    }
}

impl QualityGate {
    /// A gate at `threshold` with `policy`.
    pub fn new(threshold: f64, policy: GatePolicy) -> Self {
        Self {
            threshold,
            policy,
            ..Self::default()
        }
    }
}

#[async_trait]
impl QualityStage for QualityGate {
    async fn assess(&self, inputs: QualityInputs<'_>) -> Result<QualityVerdict> {
        // The narration streamed from its WAV, then a few frames of the video: both off the
        // async threads, neither held whole in memory.
        let wav = inputs.narration_audio.to_path_buf();
        let silence = audio_expectations(&inputs).silence_dbfs;
        let audio = tokio::task::spawn_blocking(move || crate::quality::measure_wav(&wav, silence))
            .await
            .map_err(|e| Error::internal(format!("narration measuring task failed: {e}")))??;
        report_progress(0.3);
        let (path, spec) = (inputs.video.to_path_buf(), inputs.job.video);
        let (audio_secs, every) = (audio.duration_secs, self.sample_every_secs);
        let sample =
            tokio::task::spawn_blocking(move || sample_video(&path, spec, audio_secs, every))
                .await
                .map_err(|e| Error::internal(format!("video sampling task failed: {e}")))?;
        report_progress(0.8);
        let report = match sample {
            Ok(sample) => score_job(&inputs, &audio, Some(&sample)),
            Err(e) => {
                let mut report = score_job(&inputs, &audio, None);
                report.insert(
                    ScoreKind::Video,
                    QualityScore::from_parts(vec![SubScore::new(
                        "decodes",
                        0.0,
                        format!("the rendered video does not decode: {e}"),
                    )]),
                );
                report
            }
        };
        let decision = crate::quality::gate_report(
            &report,
            self.threshold,
            self.policy,
            &inputs.script.metadata,
            &inputs.job.channel.banned_terms,
        );
        let mut reasons: Vec<String> = report
            .scores()
            .iter()
            .flat_map(|(kind, score)| {
                score.parts.iter().map(move |p| {
                    format!("{}/{} {:.1}: {}", kind.as_str(), p.name, p.score, p.reason)
                })
            })
            .collect();
        let passed = match decision {
            GateDecision::Pass => true,
            GateDecision::Warn(w) => {
                reasons.extend(w);
                true
            }
            GateDecision::Review(r) | GateDecision::Block(r) => {
                reasons.extend(r);
                false
            }
        };
        report_progress(1.0);
        Ok(QualityVerdict {
            score: report.overall(),
            passed,
            reasons,
        })
    }
}

/// [`CostProbe`] reading a job's spend (priced entries) from the cost ledger.
#[derive(Debug, Clone)]
pub struct LedgerProbe(pub Arc<CostLedger>);

impl CostProbe for LedgerProbe {
    fn job_cost_usd(&self, job: &str) -> Option<f64> {
        let entries = self.0.entries().ok()?;
        let total: Decimal = entries
            .iter()
            .filter(|e| e.job.as_deref() == Some(job))
            .filter_map(|e| e.cost.usd())
            .sum();
        total.to_string().parse().ok()
    }
}

#[cfg(test)]
mod tests;
