//! The pre-upload gate: content-policy checklist, then the channel's threshold and policy.

use serde::Serialize;
use ytempire_core::VideoMetadata;

use super::{QualityScore, SubScore, WEAKEST_LINK_SLACK, clamp10};

/// What to do when a score is below the channel's threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum GatePolicy {
    /// Do not upload.
    Block,
    /// Upload, but log a warning.
    Warn,
    /// Hold for a person to approve.
    RequireReview,
}

/// The gate's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum GateDecision {
    /// Upload.
    Pass,
    /// Upload with these warnings.
    Warn(Vec<String>),
    /// Hold for review, with reasons.
    Review(Vec<String>),
    /// Do not upload, with reasons.
    Block(Vec<String>),
}

/// Which artifact a score is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ScoreKind {
    /// The script ([`score_script`](super::score_script)).
    Script,
    /// The narration or final mix ([`score_audio`](super::score_audio)).
    Audio,
    /// The rendered video ([`score_video`](super::score_video)).
    Video,
    /// Title, description, tags ([`score_metadata`](super::score_metadata)).
    Metadata,
    /// The thumbnail ([`score_thumbnail`](super::score_thumbnail)).
    Thumbnail,
}

impl ScoreKind {
    /// The lowercase name (`script`, `audio`, `video`, `metadata`, `thumbnail`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Script => "script",
            Self::Audio => "audio",
            Self::Video => "video",
            Self::Metadata => "metadata",
            Self::Thumbnail => "thumbnail",
        }
    }
}

/// The scores of one video, one per [`ScoreKind`], combined for the gate.
///
/// The overall is the mean of the kinds' overalls, capped at the lowest sub-score of any kind
/// plus [`WEAKEST_LINK_SLACK`] (the weakest-link rule), so a banned term in the script or a
/// silent narration cannot be averaged away by a good thumbnail. Adding a kind twice replaces
/// the earlier score.
///
/// ```
/// use ytempire_cost::quality::{QualityReport, QualityScore, ScoreKind, SubScore};
///
/// let good = QualityScore::from_parts(vec![SubScore::new("x", 9.0, "fine")]);
/// let bad = QualityScore::from_parts(vec![
///     SubScore::new("y", 10.0, "fine"),
///     SubScore::new("z", 1.0, "silent"),
/// ]);
/// let report = QualityReport::new()
///     .with(ScoreKind::Script, good)
///     .with(ScoreKind::Audio, bad);
/// assert_eq!(report.overall(), 5.0); // mean 7.25, capped at 1 + 4
/// assert_eq!(report.problems(), vec!["audio/z: silent".to_owned()]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QualityReport {
    scores: Vec<(ScoreKind, QualityScore)>,
}

impl QualityReport {
    /// An empty report (overall 0).
    pub fn new() -> Self {
        Self::default()
    }

    /// Add (or replace) the score of one kind.
    #[must_use]
    pub fn with(mut self, kind: ScoreKind, score: QualityScore) -> Self {
        self.insert(kind, score);
        self
    }

    /// Add (or replace) the score of one kind in place.
    pub fn insert(&mut self, kind: ScoreKind, score: QualityScore) {
        self.scores.retain(|(k, _)| *k != kind);
        self.scores.push((kind, score));
        self.scores.sort_by_key(|(k, _)| *k);
    }

    /// The score of `kind`, if present.
    pub fn get(&self, kind: ScoreKind) -> Option<&QualityScore> {
        self.scores.iter().find(|(k, _)| *k == kind).map(|(_, s)| s)
    }

    /// Every kind present with its score, in [`ScoreKind`] order.
    pub fn scores(&self) -> &[(ScoreKind, QualityScore)] {
        &self.scores
    }

    /// The combined 0–10 figure (see the type docs); 0 when empty.
    pub fn overall(&self) -> f64 {
        if self.scores.is_empty() {
            return 0.0;
        }
        let avg =
            self.scores.iter().map(|(_, s)| s.overall).sum::<f64>() / self.scores.len() as f64;
        let lowest = self
            .scores
            .iter()
            .flat_map(|(_, s)| s.parts.iter().map(|p| p.score))
            .reduce(f64::min);
        clamp10(match lowest {
            Some(lowest) => avg.min(lowest + WEAKEST_LINK_SLACK),
            None => avg,
        })
    }

    /// Every sub-score below 7, as `"kind/name: reason"`.
    pub fn problems(&self) -> Vec<String> {
        self.scores
            .iter()
            .flat_map(|(k, s)| {
                s.problems()
                    .into_iter()
                    .map(move |p| format!("{}/{p}", k.as_str()))
            })
            .collect()
    }

    /// Flatten into one [`QualityScore`] for callers of [`gate`]: one sub-score per kind
    /// (named after the kind, scored with that kind's overall, its reason listing the kind's
    /// problems) and the report's [`overall`](Self::overall).
    ///
    /// ```
    /// use ytempire_cost::quality::{QualityReport, QualityScore, ScoreKind, SubScore};
    /// let report = QualityReport::new().with(
    ///     ScoreKind::Video,
    ///     QualityScore::from_parts(vec![SubScore::new("black_frames", 2.0, "80% black")]),
    /// );
    /// let flat = report.to_quality_score();
    /// assert_eq!(flat.parts[0].name, "video");
    /// assert!(flat.parts[0].reason.contains("80% black"));
    /// ```
    pub fn to_quality_score(&self) -> QualityScore {
        let parts = self
            .scores
            .iter()
            .map(|(k, s)| {
                let problems = s.problems();
                let reason = if problems.is_empty() {
                    format!("{} sub-scores, none below 7", s.parts.len())
                } else {
                    problems.join("; ")
                };
                SubScore::new(k.as_str(), s.overall, reason)
            })
            .collect();
        QualityScore {
            overall: self.overall(),
            parts,
        }
    }
}

/// Apply the channel threshold and the content-policy checklist to one score. Checklist
/// failures always block: made-for-kids unset, synthetic-media disclosure unset, or a banned
/// term in the metadata.
///
/// ```
/// use ytempire_core::VideoMetadata;
/// use ytempire_cost::quality::{gate, GateDecision, GatePolicy, QualityScore, SubScore};
///
/// let score = QualityScore::from_parts(vec![SubScore::new("length", 5.0, "too short")]);
/// let meta = VideoMetadata::new("Facts").with_made_for_kids(false).with_synthetic_media(true);
/// assert!(matches!(gate(&score, 7.0, GatePolicy::Warn, &meta, &[]), GateDecision::Warn(_)));
/// assert_eq!(gate(&score, 4.0, GatePolicy::Block, &meta, &[]), GateDecision::Pass);
/// ```
pub fn gate(
    score: &QualityScore,
    threshold: f64,
    policy: GatePolicy,
    metadata: &VideoMetadata,
    banned: &[String],
) -> GateDecision {
    decide(
        score.overall,
        score.problems(),
        threshold,
        policy,
        metadata,
        banned,
    )
}

/// [`gate`] over a [`QualityReport`]: the checklist, then the report's
/// [`overall`](QualityReport::overall) against `threshold`, with every kind's problems
/// (`"kind/name: reason"`) as the reasons.
///
/// ```
/// use ytempire_core::VideoMetadata;
/// use ytempire_cost::quality::{
///     gate_report, GateDecision, GatePolicy, QualityReport, QualityScore, ScoreKind, SubScore,
/// };
///
/// let report = QualityReport::new().with(
///     ScoreKind::Thumbnail,
///     QualityScore::from_parts(vec![SubScore::new("contrast", 9.0, "RMS contrast 0.31")]),
/// );
/// let meta = VideoMetadata::new("Facts").with_made_for_kids(false).with_synthetic_media(true);
/// assert_eq!(gate_report(&report, 7.0, GatePolicy::Block, &meta, &[]), GateDecision::Pass);
/// let undeclared = VideoMetadata::new("Facts");
/// assert!(matches!(
///     gate_report(&report, 7.0, GatePolicy::Warn, &undeclared, &[]),
///     GateDecision::Block(_)
/// ));
/// ```
pub fn gate_report(
    report: &QualityReport,
    threshold: f64,
    policy: GatePolicy,
    metadata: &VideoMetadata,
    banned: &[String],
) -> GateDecision {
    decide(
        report.overall(),
        report.problems(),
        threshold,
        policy,
        metadata,
        banned,
    )
}

fn decide(
    overall: f64,
    problems: Vec<String>,
    threshold: f64,
    policy: GatePolicy,
    metadata: &VideoMetadata,
    banned: &[String],
) -> GateDecision {
    let mut checklist = Vec::new();
    if metadata.made_for_kids.is_none() {
        checklist.push("made-for-kids is not set".to_owned());
    }
    if metadata.contains_synthetic_media.is_none() {
        checklist.push("synthetic-media disclosure is not set".to_owned());
    }
    let text = format!(
        "{} {} {}",
        metadata.title,
        metadata.description,
        metadata.tags.join(" ")
    )
    .to_lowercase();
    for b in banned.iter().filter(|b| text.contains(&b.to_lowercase())) {
        checklist.push(format!("banned term {b:?} in metadata"));
    }
    if !checklist.is_empty() {
        return GateDecision::Block(checklist);
    }
    if overall >= threshold {
        return GateDecision::Pass;
    }
    let mut reasons = vec![format!("score {overall:.1} below threshold {threshold:.1}")];
    reasons.extend(problems);
    match policy {
        GatePolicy::Block => GateDecision::Block(reasons),
        GatePolicy::Warn => GateDecision::Warn(reasons),
        GatePolicy::RequireReview => GateDecision::Review(reasons),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(parts: &[(&'static str, f64)]) -> QualityScore {
        QualityScore::from_parts(
            parts
                .iter()
                .map(|(n, s)| SubScore::new(n, *s, format!("{n} measured {s}")))
                .collect(),
        )
    }

    fn declared() -> VideoMetadata {
        VideoMetadata::new("Facts")
            .with_made_for_kids(false)
            .with_synthetic_media(true)
    }

    #[test]
    fn report_replaces_kinds_and_orders_them() {
        let mut r = QualityReport::new()
            .with(ScoreKind::Video, score(&[("a", 2.0)]))
            .with(ScoreKind::Script, score(&[("b", 9.0)]));
        r.insert(ScoreKind::Video, score(&[("a", 8.0)]));
        let kinds: Vec<ScoreKind> = r.scores().iter().map(|(k, _)| *k).collect();
        assert_eq!(kinds, vec![ScoreKind::Script, ScoreKind::Video]);
        assert_eq!(r.get(ScoreKind::Video).map(|s| s.overall), Some(8.0));
        assert_eq!(r.overall(), 8.5);
        assert!(r.get(ScoreKind::Audio).is_none());
        assert_eq!(QualityReport::new().overall(), 0.0);
    }

    #[test]
    fn weakest_part_of_any_kind_caps_the_report() {
        // Script mean is 7.5 (a plain mean hides the banned term), thumbnail perfect.
        let r = QualityReport::new()
            .with(
                ScoreKind::Script,
                score(&[
                    ("banned_terms", 0.0),
                    ("length", 10.0),
                    ("hook", 10.0),
                    ("reading_level", 10.0),
                ]),
            )
            .with(ScoreKind::Thumbnail, score(&[("contrast", 10.0)]));
        assert!((r.get(ScoreKind::Script).map_or(0.0, |s| s.overall) - 7.5).abs() < 1e-9);
        assert_eq!(r.overall(), WEAKEST_LINK_SLACK);
        let decision = gate_report(&r, 7.0, GatePolicy::RequireReview, &declared(), &[]);
        match decision {
            GateDecision::Review(reasons) => {
                assert!(
                    reasons[0].contains("4.0 below threshold 7.0"),
                    "{reasons:?}"
                );
                assert!(
                    reasons
                        .iter()
                        .any(|r| r == "script/banned_terms: banned_terms measured 0")
                );
            }
            other => panic!("expected review, got {other:?}"),
        }
    }

    #[test]
    fn flattened_report_gates_like_the_report() {
        let r = QualityReport::new()
            .with(ScoreKind::Audio, score(&[("loudness", 3.0)]))
            .with(ScoreKind::Metadata, score(&[("tags", 10.0)]));
        let flat = r.to_quality_score();
        assert_eq!(flat.overall, r.overall());
        assert_eq!(flat.parts.len(), 2);
        assert_eq!(flat.parts[0].name, "audio");
        assert!(flat.parts[0].reason.contains("loudness measured 3"));
        assert_eq!(flat.parts[1].reason, "1 sub-scores, none below 7");
        for policy in [
            GatePolicy::Block,
            GatePolicy::Warn,
            GatePolicy::RequireReview,
        ] {
            let a = gate(&flat, 7.0, policy, &declared(), &[]);
            let b = gate_report(&r, 7.0, policy, &declared(), &[]);
            assert_eq!(
                std::mem::discriminant(&a),
                std::mem::discriminant(&b),
                "{a:?} vs {b:?}"
            );
            assert_ne!(a, GateDecision::Pass);
        }
        assert_eq!(
            gate_report(&r, 5.0, GatePolicy::Block, &declared(), &[]),
            GateDecision::Pass
        );
    }

    #[test]
    fn checklist_blocks_before_threshold() {
        let r = QualityReport::new().with(ScoreKind::Script, score(&[("a", 10.0)]));
        let meta = declared().with_tags(["Miracle cure"]);
        assert_eq!(
            gate_report(
                &r,
                1.0,
                GatePolicy::Warn,
                &meta,
                &["miracle CURE".to_owned()]
            ),
            GateDecision::Block(vec!["banned term \"miracle CURE\" in metadata".to_owned()])
        );
    }
}
