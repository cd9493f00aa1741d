//! Topic selection: rank candidate topics (from a [`TrendSource`] or a list) by trend score
//! and closeness to the channel niche, and drop near-duplicates of each other and of topics
//! the channel already covered.
//!
//! Similarity is the Jaccard index of normalised word sets (lower-cased, stop words and
//! plural `s` removed), which catches reworded headlines without any model call.

use std::collections::BTreeSet;

use ytempire_core::{Result, Topic, TrendRequest, TrendSource};

const STOP: &[&str] = &[
    "a", "an", "the", "of", "to", "in", "on", "for", "and", "or", "is", "are", "how", "why",
    "what", "with", "your", "you", "this", "that", "new", "vs", "at", "by", "from",
];

fn bag(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| !w.is_empty() && !STOP.contains(&w.as_str()))
        .map(|w| singular(&w))
        .collect()
}

fn singular(w: &str) -> String {
    if w.len() <= 3 {
        return w.to_owned();
    }
    if let Some(stem) = w.strip_suffix("ies") {
        return format!("{stem}y");
    }
    for suffix in ["ses", "xes", "zes", "ches", "shes"] {
        if w.ends_with(suffix) {
            return w[..w.len() - 2].to_owned();
        }
    }
    if w.ends_with('s') && !["ss", "us", "is"].iter().any(|x| w.ends_with(x)) {
        return w[..w.len() - 1].to_owned();
    }
    w.to_owned()
}

/// Jaccard similarity (0–1) of two titles' normalised word sets.
///
/// ```
/// use ytempire_llm::topics::similarity;
/// assert!(similarity("How octopuses change colour", "Octopus colour change, explained") > 0.5);
/// assert!(similarity("Octopus colour", "Stock market crash") < 0.1);
/// ```
pub fn similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (bag(a), bag(b));
    let union = a.union(&b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(&b).count() as f64 / union as f64
}

/// A candidate with its ranking score.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedTopic {
    /// The topic.
    pub topic: Topic,
    /// Combined score in 0–1 (higher first).
    pub score: f64,
}

/// Ranks and deduplicates candidate topics for one channel.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicSelector {
    niche: String,
    past: Vec<String>,
    duplicate_threshold: f64,
    niche_weight: f64,
}

impl TopicSelector {
    /// A selector for a channel niche (e.g. "marine biology, ocean life").
    pub fn new(niche: impl Into<String>) -> Self {
        Self {
            niche: niche.into(),
            past: Vec::new(),
            duplicate_threshold: 0.5,
            niche_weight: 0.5,
        }
    }

    /// Titles the channel already covered.
    #[must_use]
    pub fn with_past_topics<I, S>(mut self, past: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.past = past.into_iter().map(Into::into).collect();
        self
    }

    /// Similarity at or above which two titles count as the same topic (default 0.5).
    #[must_use]
    pub fn with_duplicate_threshold(mut self, threshold: f64) -> Self {
        self.duplicate_threshold = threshold;
        self
    }

    /// Rank `candidates` and keep at most `limit`, best first. The score mixes the trend
    /// position (or `Topic::score`, normalised) with the share of the title's and keywords'
    /// words that belong to the niche.
    pub fn select(&self, candidates: &[Topic], limit: usize) -> Vec<RankedTopic> {
        let niche = bag(&self.niche);
        let max_score = candidates
            .iter()
            .filter_map(|t| t.score)
            .fold(0.0_f64, f64::max);
        let n = candidates.len().max(1) as f64;
        let mut ranked: Vec<RankedTopic> = candidates
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let trend = match t.score {
                    Some(s) if max_score > 0.0 => s / max_score,
                    _ => 1.0 - i as f64 / n,
                };
                let words = bag(&format!("{} {}", t.title, t.keywords.join(" ")));
                let fit = if words.is_empty() {
                    0.0
                } else {
                    niche.intersection(&words).count() as f64 / words.len() as f64
                };
                RankedTopic {
                    topic: t.clone(),
                    score: (1.0 - self.niche_weight) * trend + self.niche_weight * fit,
                }
            })
            .collect();
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
        let mut out: Vec<RankedTopic> = Vec::new();
        for r in ranked {
            let dup = |other: &str| similarity(&r.topic.title, other) >= self.duplicate_threshold;
            if self.past.iter().any(|p| dup(p)) || out.iter().any(|o| dup(&o.topic.title)) {
                continue;
            }
            out.push(r);
            if out.len() == limit {
                break;
            }
        }
        out
    }

    /// Fetch candidates from a trend source and select among them.
    pub async fn select_from(
        &self,
        source: &dyn TrendSource,
        request: &TrendRequest,
        limit: usize,
    ) -> Result<Vec<RankedTopic>> {
        let response = source.trends(request).await?;
        Ok(self.select(&response.topics, limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_by_niche_and_drops_duplicates_and_past() {
        let candidates = vec![
            Topic::new("Celebrity gossip roundup"),
            Topic::new("How octopuses change colour"),
            Topic::new("Octopus colour change explained"),
            Topic::new("Deep sea creatures of the ocean"),
            Topic::new("Why sharks never stop swimming"),
        ];
        let sel = TopicSelector::new("ocean, sea creatures, octopus, shark")
            .with_past_topics(["Why do sharks never stop swimming?"]);
        let out = sel.select(&candidates, 10);
        let titles: Vec<&str> = out.iter().map(|r| r.topic.title.as_str()).collect();
        assert_eq!(
            titles,
            vec![
                "Deep sea creatures of the ocean",
                "How octopuses change colour",
                "Celebrity gossip roundup"
            ]
        );
        assert!(out.windows(2).all(|w| w[0].score >= w[1].score));
        assert_eq!(sel.select(&candidates, 1).len(), 1);
    }
}
