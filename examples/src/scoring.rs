//! Scoring trend candidates against a channel: each candidate gets a score in 0–1 and the
//! reasons for it, or is dropped with the reason why.
//!
//! | part | weight | from |
//! |---|---|---|
//! | fit with the niche and keywords | 0.45 | the title's and tags' terms, stemmed with the visuals' lexical relevance scorer ([`Relevance`]), against the channel's keywords and niche, plus that scorer's own score (see [`rank`]'s `fit_of`) |
//! | velocity | 0.25 | views per hour since publishing, on a log scale (100,000 views/h scores 1); 0.3 when the source has no views (feeds) |
//! | freshness | 0.15 | `exp(−age / 48 h)`; 0.3 without a publishing time |
//! | novelty | 0.15 | 1 − the closest similarity to the channel's past videos and queued jobs |
//!
//! Dropped: a near-duplicate of a past video, a queued job or a better-ranked candidate
//! (at least two shared terms and Jaccard ≥ 0.5 or overlap ≥ 0.75 of the stemmed title
//! terms); a candidate with a banned term of the channel in its title, tags or summary; a
//! made-for-kids video for a channel that is not made for kids, and a candidate with an
//! adult word for a channel that is. A candidate whose fit is under [`MIN_FIT`] is
//! off-niche: it stays in the list, marked, after every fitting one.
//!
//! Scores depend only on the stored candidates, the channel and the `now` passed in (no
//! clock is read), so a ranking can be reproduced from the saved inputs.
//!
//! The scorer lives here, in the crate that already depends on both `ytempire-youtube` (the
//! sources) and `ytempire-render` (the relevance scorer): moving the relevance scorer into
//! core would touch the render sources that other work is changing, and the sources crate
//! must not depend on the renderer.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::Serialize;
use ytempire_core::TrendItem;
use ytempire_render::sources::{Relevance, SceneTerms};

/// Fit under which a candidate is off-niche.
pub const MIN_FIT: f64 = 0.2;
/// Views per hour that score a full velocity.
const FULL_VELOCITY: f64 = 100_000.0;
/// Hours over which freshness falls to 1/e.
const FRESH_HOURS: f64 = 48.0;
/// Words that keep a topic off a made-for-kids channel.
const ADULT_WORDS: &[&str] = &[
    "murder", "killer", "gore", "horror", "sex", "sexy", "drugs", "cocaine", "nsfw", "gambling",
    "casino", "weapon", "shooting", "porn",
];

/// What a channel wants: its niche, keywords, banned terms, made-for-kids flag, and the titles
/// it already has (past videos and queued jobs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelFit {
    /// Subject area, e.g. "marine biology, ocean life".
    pub niche: String,
    /// Search keywords, e.g. `["octopus", "coral reef"]`.
    pub keywords: Vec<String>,
    /// Terms never to cover.
    pub banned_terms: Vec<String>,
    /// Whether the channel is made for kids.
    pub made_for_kids: bool,
    /// Titles of past videos and queued jobs.
    pub existing: Vec<String>,
}

/// The parts of a score, each in 0–1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScoreParts {
    /// Fit with the niche and keywords.
    pub fit: f64,
    /// Views per hour, log-scaled.
    pub velocity: f64,
    /// Recency.
    pub freshness: f64,
    /// Distance from what the channel has.
    pub novelty: f64,
}

/// A candidate kept, with its score and reasons.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scored {
    /// The candidate.
    pub item: TrendItem,
    /// Weighted score in 0–1.
    pub score: f64,
    /// The parts.
    pub parts: ScoreParts,
    /// Whether the fit is under [`MIN_FIT`].
    pub off_niche: bool,
    /// Why it scored so, one short phrase per part.
    pub reasons: Vec<String>,
}

/// A candidate dropped, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dropped {
    /// The candidate.
    pub item: TrendItem,
    /// Why.
    pub reason: String,
}

/// The outcome: kept candidates best first (fitting ones before off-niche ones), and the
/// dropped ones in input order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranking {
    /// Kept, best first.
    pub ranked: Vec<Scored>,
    /// Dropped.
    pub dropped: Vec<Dropped>,
}

impl Ranking {
    /// The kept candidates that fit the niche, best first.
    pub fn fitting(&self) -> impl Iterator<Item = &Scored> {
        self.ranked.iter().filter(|s| !s.off_niche)
    }
}

/// Title similarity used for near-duplicates: (Jaccard, overlap, shared terms).
fn similarity(a: &BTreeSet<String>, b: &BTreeSet<String>) -> (f64, f64, usize) {
    let shared = a.intersection(b).count();
    let union = a.union(b).count();
    let smaller = a.len().min(b.len());
    if union == 0 || smaller == 0 {
        return (0.0, 0.0, 0);
    }
    (
        shared as f64 / union as f64,
        shared as f64 / smaller as f64,
        shared,
    )
}

fn near_duplicate(a: &BTreeSet<String>, b: &BTreeSet<String>) -> bool {
    let (jaccard, overlap, shared) = similarity(a, b);
    shared >= 2 && (jaccard >= 0.5 || overlap >= 0.75)
}

fn contains_term(haystack: &str, term: &str) -> bool {
    let term = term.trim().to_lowercase();
    if term.is_empty() {
        return false;
    }
    // Whole words: the term bounded by non-alphanumerics.
    haystack.match_indices(&term).any(|(i, _)| {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + term.len()..].chars().next();
        before.is_none_or(|c| !c.is_alphanumeric()) && after.is_none_or(|c| !c.is_alphanumeric())
    })
}

fn policy(channel: &ChannelFit, item: &TrendItem) -> Option<String> {
    let text = format!(
        "{} {} {}",
        item.topic.title,
        item.topic.keywords.join(" "),
        item.evidence.summary.as_deref().unwrap_or("")
    )
    .to_lowercase();
    if let Some(term) = channel
        .banned_terms
        .iter()
        .find(|t| contains_term(&text, t))
    {
        return Some(format!("policy: mentions the banned term {term:?}"));
    }
    if !channel.made_for_kids && item.evidence.made_for_kids == Some(true) {
        return Some("policy: a made-for-kids video and the channel is not made for kids".into());
    }
    if channel.made_for_kids
        && let Some(w) = ADULT_WORDS.iter().find(|w| contains_term(&text, w))
    {
        return Some(format!(
            "policy: {w:?} does not suit a made-for-kids channel"
        ));
    }
    None
}

/// Fit in 0–1: `0.45 · keyword + 0.4 · niche + 0.15 · relevance`, where `keyword` is the
/// best share of one keyword's terms the candidate has (`coral reef` with only `coral`: 0.5),
/// `niche` the niche terms it has over min(2, niche terms), and `relevance` the visuals'
/// scene score with the keywords as the cue and niche + keywords as the narration.
fn fit_of(
    cand: &BTreeSet<String>,
    keywords: &[BTreeSet<String>],
    niche: &BTreeSet<String>,
    relevance: impl FnOnce() -> f64,
) -> f64 {
    let keyword = keywords
        .iter()
        .map(|k| k.intersection(cand).count() as f64 / k.len() as f64)
        .fold(0.0, f64::max);
    let niche = if niche.is_empty() {
        0.0
    } else {
        (niche.intersection(cand).count() as f64 / niche.len().min(2) as f64).min(1.0)
    };
    (0.45 * keyword + 0.4 * niche + 0.15 * relevance()).clamp(0.0, 1.0)
}

/// Score and rank `items` for `channel` as of `now`.
pub fn rank(channel: &ChannelFit, items: &[TrendItem], now: DateTime<Utc>) -> Ranking {
    let relevance = Relevance::english();
    let keywords = channel.keywords.join(", ");
    let scene = SceneTerms::new(
        &relevance,
        &format!("{} {keywords}", channel.niche),
        &keywords,
    );
    let keyword_terms: Vec<BTreeSet<String>> = channel
        .keywords
        .iter()
        .map(|k| relevance.terms(k))
        .filter(|t| !t.is_empty())
        .collect();
    let niche_terms = relevance.terms(&channel.niche);
    let existing: Vec<(String, BTreeSet<String>)> = channel
        .existing
        .iter()
        .map(|t| (t.clone(), relevance.terms(t)))
        .collect();
    let mut dropped = Vec::new();
    let mut scored: Vec<(Scored, BTreeSet<String>)> = Vec::new();
    for item in items {
        if let Some(reason) = policy(channel, item) {
            dropped.push(Dropped {
                item: item.clone(),
                reason,
            });
            continue;
        }
        let terms = relevance.terms(&item.topic.title);
        if let Some((title, _)) = existing.iter().find(|(_, t)| near_duplicate(&terms, t)) {
            dropped.push(Dropped {
                item: item.clone(),
                reason: format!("near-duplicate of the channel's {title:?}"),
            });
            continue;
        }
        let fit_text = format!("{} {}", item.topic.title, item.topic.keywords.join(" "));
        let cand = relevance.terms(&fit_text);
        let fit = fit_of(&cand, &keyword_terms, &niche_terms, || {
            relevance.score(&fit_text, &scene)
        });
        let matched: Vec<String> = cand
            .into_iter()
            .filter(|t| scene.cue.contains(t) || scene.narration.contains(t))
            .collect();
        let mut reasons = vec![if matched.is_empty() {
            format!("fit {fit:.2}: no niche or keyword terms")
        } else {
            format!("fit {fit:.2}: {}", matched.join(", "))
        }];
        let velocity = match item.evidence.views_per_hour(now) {
            Some(vph) => {
                reasons.push(format!("velocity {vph:.0} views/h"));
                ((1.0 + vph).ln() / (1.0 + FULL_VELOCITY).ln()).clamp(0.0, 1.0)
            }
            None => {
                reasons.push("velocity unknown".into());
                0.3
            }
        };
        let freshness = match item.evidence.published_at {
            Some(at) => {
                let hours = ((now - at).num_seconds() as f64 / 3600.0).max(0.0);
                reasons.push(format!("{hours:.0} h old"));
                (-hours / FRESH_HOURS).exp()
            }
            None => {
                reasons.push("age unknown".into());
                0.3
            }
        };
        let closest = existing
            .iter()
            .map(|(title, t)| (similarity(&terms, t).0, title))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let novelty = match closest {
            Some((sim, title)) if sim > 0.0 => {
                reasons.push(format!("novelty {:.2} (closest: {title:?})", 1.0 - sim));
                1.0 - sim
            }
            _ => {
                reasons.push("new to the channel".into());
                1.0
            }
        };
        let parts = ScoreParts {
            fit,
            velocity,
            freshness,
            novelty,
        };
        let score = 0.45 * fit + 0.25 * velocity + 0.15 * freshness + 0.15 * novelty;
        let off_niche = fit < MIN_FIT;
        if off_niche {
            reasons.push("off-niche".into());
        }
        scored.push((
            Scored {
                item: item.clone(),
                score,
                parts,
                off_niche,
                reasons,
            },
            terms,
        ));
    }
    // Fitting before off-niche, then by score; ties by title for a stable order.
    scored.sort_by(|(a, _), (b, _)| {
        a.off_niche
            .cmp(&b.off_niche)
            .then(b.score.total_cmp(&a.score))
            .then_with(|| a.item.topic.title.cmp(&b.item.topic.title))
    });
    let mut kept: Vec<(Scored, BTreeSet<String>)> = Vec::new();
    for (s, terms) in scored {
        if let Some((better, _)) = kept.iter().find(|(_, t)| near_duplicate(&terms, t)) {
            dropped.push(Dropped {
                reason: format!(
                    "near-duplicate of the better-ranked {:?}",
                    better.item.topic.title
                ),
                item: s.item,
            });
            continue;
        }
        kept.push((s, terms));
    }
    Ranking {
        ranked: kept.into_iter().map(|(s, _)| s).collect(),
        dropped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ytempire_core::{Topic, TrendEvidence};

    #[test]
    fn banned_terms_match_whole_words_only() {
        assert!(contains_term("a shark attack today", "shark attack"));
        assert!(!contains_term("sharks attacked", "shark attack"));
        assert!(!contains_term("scrap", "crap"));
    }

    #[test]
    fn the_same_inputs_give_the_same_ranking() {
        let now = DateTime::parse_from_rfc3339("2026-10-20T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut ev = TrendEvidence::default();
        ev.views = Some(1000);
        ev.published_at = Some(now - chrono::Duration::hours(2));
        let items = vec![
            TrendItem::new(Topic::new("Octopus camouflage explained"), ev.clone()),
            TrendItem::new(Topic::new("Stock market news"), ev),
        ];
        let channel = ChannelFit {
            niche: "ocean life".into(),
            keywords: vec!["octopus".into()],
            ..ChannelFit::default()
        };
        let a = rank(&channel, &items, now);
        assert_eq!(a, rank(&channel, &items, now));
        assert!(!a.ranked[0].off_niche && a.ranked[1].off_niche);
    }
}
