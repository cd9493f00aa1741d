//! Quality scoring (scripts) and the pre-upload gate.
//!
//! [`score_script`] gives a [`QualityScore`] from 0 to 10 with sub-scores and human-readable
//! reasons: length against the target, a hook in the first sentence, repetition, reading level,
//! banned terms and title length. [`gate`] applies a channel threshold with a [`GatePolicy`]
//! and the content-policy checklist (made-for-kids set, synthetic-media disclosure set, no
//! banned terms) that must pass before upload.

use serde::Serialize;
use std::collections::HashMap;
use ytempire_core::{Script, VideoMetadata};

/// One scored aspect, 0–10.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SubScore {
    /// What was measured.
    pub name: &'static str,
    /// 0–10.
    pub score: f64,
    /// Why, in words.
    pub reason: String,
}

impl SubScore {
    /// A sub-score, clamped to 0–10.
    pub fn new(name: &'static str, score: f64, reason: impl Into<String>) -> Self {
        Self {
            name,
            score: if score.is_finite() {
                score.clamp(0.0, 10.0)
            } else {
                0.0
            },
            reason: reason.into(),
        }
    }
}

/// An overall 0–10 score: the mean of its sub-scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct QualityScore {
    /// 0–10.
    pub overall: f64,
    /// The parts.
    pub parts: Vec<SubScore>,
}

impl QualityScore {
    /// Combine sub-scores (mean; 0 when empty).
    pub fn from_parts(parts: Vec<SubScore>) -> Self {
        let overall = if parts.is_empty() {
            0.0
        } else {
            parts.iter().map(|p| p.score).sum::<f64>() / parts.len() as f64
        };
        Self { overall, parts }
    }

    /// Reasons of sub-scores below 7.
    pub fn problems(&self) -> Vec<String> {
        self.parts
            .iter()
            .filter(|p| p.score < 7.0)
            .map(|p| format!("{}: {}", p.name, p.reason))
            .collect()
    }
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn syllables(word: &str) -> usize {
    let mut count = 0;
    let mut prev_vowel = false;
    for c in word.chars() {
        let v = "aeiouy".contains(c);
        if v && !prev_vowel {
            count += 1;
        }
        prev_vowel = v;
    }
    if word.ends_with('e') && count > 1 {
        count -= 1;
    }
    count.max(1)
}

fn clamp10(x: f64) -> f64 {
    x.clamp(0.0, 10.0)
}

/// Score a script for a target spoken length at `words_per_minute`, flagging `banned` terms.
pub fn score_script(
    script: &Script,
    target_secs: f64,
    words_per_minute: u32,
    banned: &[String],
) -> QualityScore {
    let body: String = std::iter::once(script.hook.as_str())
        .chain(script.scenes.iter().map(|s| s.narration.as_str()))
        .chain(std::iter::once(script.outro.as_str()))
        .collect::<Vec<_>>()
        .join(" ");
    let ws = words(&body);
    let mut parts = Vec::new();

    let secs = ws.len() as f64 * 60.0 / f64::from(words_per_minute.max(1));
    let dev = if target_secs > 0.0 {
        (secs - target_secs).abs() / target_secs
    } else {
        1.0
    };
    parts.push(SubScore {
        name: "length",
        score: clamp10(10.0 - dev * 20.0),
        reason: format!(
            "{} words ≈ {secs:.0}s spoken vs target {target_secs:.0}s",
            ws.len()
        ),
    });

    let first = script
        .hook
        .split(['.', '!', '?'])
        .next()
        .unwrap_or("")
        .trim();
    let hook_words = words(first);
    let hooky = first.contains('?')
        || script.hook.trim_start().starts_with(first) && script.hook.contains('?')
        || hook_words.iter().any(|w| {
            [
                "you", "your", "why", "how", "what", "secret", "never", "imagine",
            ]
            .contains(&w.as_str())
        })
        || hook_words
            .iter()
            .any(|w| w.chars().any(|c| c.is_ascii_digit()));
    let hook_score = match (hook_words.len(), hooky) {
        (0, _) => 0.0,
        (n, true) if n <= 20 => 10.0,
        (_, true) => 6.0,
        (n, false) if n <= 20 => 4.0,
        _ => 2.0,
    };
    parts.push(SubScore {
        name: "hook",
        score: hook_score,
        reason: if hooky {
            format!(
                "first sentence ({} words) addresses the viewer or poses a question",
                hook_words.len()
            )
        } else {
            "first sentence has no question, number or direct address".to_owned()
        },
    });

    let mut trigrams: HashMap<String, usize> = HashMap::new();
    for w in ws.windows(3) {
        *trigrams.entry(w.join(" ")).or_default() += 1;
    }
    let repeated: usize = trigrams.values().filter(|&&n| n > 1).map(|n| n - 1).sum();
    let ratio = repeated as f64 / (ws.len().saturating_sub(2).max(1)) as f64;
    parts.push(SubScore {
        name: "repetition",
        score: clamp10(10.0 - ratio * 40.0),
        reason: format!("{:.0}% of three-word phrases repeat", ratio * 100.0),
    });

    let sentences = body
        .split(['.', '!', '?'])
        .filter(|s| !words(s).is_empty())
        .count()
        .max(1);
    let syl: usize = ws.iter().map(|w| syllables(w)).sum();
    let grade = 0.39 * ws.len() as f64 / sentences as f64
        + 11.8 * syl as f64 / ws.len().max(1) as f64
        - 15.59;
    parts.push(SubScore {
        name: "reading_level",
        score: clamp10(10.0 - (grade - 8.0).max(0.0) * 1.5 - (4.0 - grade).max(0.0)),
        reason: format!("Flesch-Kincaid grade {grade:.1} (aim for 5–8 for narration)"),
    });

    let hay = format!("{} {body}", script.title).to_lowercase();
    let hits: Vec<&String> = banned
        .iter()
        .filter(|b| hay.contains(&b.to_lowercase()))
        .collect();
    parts.push(SubScore {
        name: "banned_terms",
        score: if hits.is_empty() { 10.0 } else { 0.0 },
        reason: if hits.is_empty() {
            "no banned or policy-risky terms".to_owned()
        } else {
            format!("contains {hits:?}")
        },
    });

    let t = script.title.chars().count();
    parts.push(SubScore {
        name: "title_length",
        score: match t {
            0 => 0.0,
            1..=19 => 5.0,
            20..=70 => 10.0,
            71..=100 => 6.0,
            _ => 0.0,
        },
        reason: format!("title is {t} characters (best 20–70, limit 100)"),
    });
    QualityScore::from_parts(parts)
}

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

/// Apply the channel threshold and the content-policy checklist. Checklist failures always
/// block: made-for-kids unset, synthetic-media disclosure unset, or a banned term in the
/// metadata.
pub fn gate(
    score: &QualityScore,
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
    if score.overall >= threshold {
        return GateDecision::Pass;
    }
    let mut reasons = vec![format!(
        "score {:.1} below threshold {threshold:.1}",
        score.overall
    )];
    reasons.extend(score.problems());
    match policy {
        GatePolicy::Block => GateDecision::Block(reasons),
        GatePolicy::Warn => GateDecision::Warn(reasons),
        GatePolicy::RequireReview => GateDecision::Review(reasons),
    }
}
