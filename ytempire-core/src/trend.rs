//! Topic discovery: [`TrendSource`] (platform charts, keyword search, feeds, a fixed list),
//! its request and its answer.
//!
//! A response lists [`Topic`]s, hottest first, and, where the source knows them, the
//! [`TrendEvidence`] behind each (views, publishing time, link, summary, made-for-kids flag):
//! what a scorer needs to rank candidates against a channel reproducibly, from stored
//! inputs. [`TrendResponse::items`] pairs them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{ProviderInfo, Result, Topic, Usage};

/// A replayable request for trending topics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub struct TrendRequest {
    /// ISO 3166-1 region, e.g. "US".
    #[serde(default)]
    pub region: Option<String>,
    /// Platform category id to narrow to.
    #[serde(default)]
    pub category: Option<String>,
    /// Free-text niche filter.
    #[serde(default)]
    pub niche: Option<String>,
    /// Keywords to search for (sources that search; others ignore them).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Only items published in the last this many days (sources that can filter by time).
    #[serde(default)]
    pub within_days: Option<u32>,
    /// The time the request is made at, so a replay asks the same question (`None`: the
    /// source reads the clock once, at its edge).
    #[serde(default)]
    pub now: Option<DateTime<Utc>>,
    /// Most topics to return.
    pub limit: u32,
}

impl TrendRequest {
    /// Up to `limit` topics.
    pub fn new(limit: u32) -> Self {
        Self {
            limit,
            ..Self::default()
        }
    }

    /// Restrict to a region.
    #[must_use]
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Search for these keywords.
    #[must_use]
    pub fn with_keywords<I, S>(mut self, keywords: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.keywords = keywords.into_iter().map(Into::into).collect();
        self
    }

    /// Only items published in the last `days` days.
    #[must_use]
    pub fn within_days(mut self, days: u32) -> Self {
        self.within_days = Some(days);
        self
    }

    /// Ask as of `now` (reproducible requests and tests).
    #[must_use]
    pub fn at(mut self, now: DateTime<Utc>) -> Self {
        self.now = Some(now);
        self
    }
}

/// What a source knows about one topic beyond its title: the inputs of scoring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[non_exhaustive]
pub struct TrendEvidence {
    /// Views so far, when the platform counts them.
    pub views: Option<u64>,
    /// When the item was published (or last updated, for feeds without a publishing time).
    pub published_at: Option<DateTime<Utc>>,
    /// Where to read or watch it.
    pub link: Option<String>,
    /// A summary or description (plain text, shortened).
    pub summary: Option<String>,
    /// The platform's made-for-kids flag, when it says.
    pub made_for_kids: Option<bool>,
}

impl TrendEvidence {
    /// Views per hour since publishing at `now` (at least one hour counted); `None` without
    /// views or a publishing time.
    pub fn views_per_hour(&self, now: DateTime<Utc>) -> Option<f64> {
        let (views, at) = (self.views?, self.published_at?);
        let hours = ((now - at).num_seconds() as f64 / 3600.0).max(1.0);
        Some(views as f64 / hours)
    }
}

/// A topic with its evidence (see [`TrendResponse::items`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TrendItem {
    /// The topic.
    pub topic: Topic,
    /// What the source knows about it.
    pub evidence: TrendEvidence,
}

impl TrendItem {
    /// A topic with evidence.
    pub fn new(topic: Topic, evidence: TrendEvidence) -> Self {
        Self { topic, evidence }
    }
}

/// Trending topics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TrendResponse {
    /// Topics, hottest first.
    pub topics: Vec<Topic>,
    /// What it consumed.
    pub usage: Usage,
    /// Evidence for `topics[i]` at index `i`; empty when the source has none.
    #[serde(default)]
    pub evidence: Vec<TrendEvidence>,
}

impl TrendResponse {
    /// A response with topics and usage (no evidence).
    pub fn new(topics: Vec<Topic>, usage: Usage) -> Self {
        Self {
            topics,
            usage,
            evidence: Vec::new(),
        }
    }

    /// A response from items (topics with their evidence).
    pub fn from_items(items: Vec<TrendItem>, usage: Usage) -> Self {
        let (topics, evidence) = items.into_iter().map(|i| (i.topic, i.evidence)).unzip();
        Self {
            topics,
            usage,
            evidence,
        }
    }

    /// Each topic with its evidence (empty evidence where the source gave none).
    pub fn items(&self) -> Vec<TrendItem> {
        self.topics
            .iter()
            .enumerate()
            .map(|(i, t)| {
                TrendItem::new(t.clone(), self.evidence.get(i).cloned().unwrap_or_default())
            })
            .collect()
    }
}

/// A source of topics (platform charts, search trends, RSS, a fixed list).
#[async_trait]
pub trait TrendSource: Send + Sync + std::fmt::Debug + std::fmt::Display + 'static {
    /// Who this is and what it can do.
    fn info(&self) -> ProviderInfo;

    /// Current topics.
    async fn trends(&self, request: &TrendRequest) -> Result<TrendResponse>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn items_pair_topics_with_evidence_and_velocity_is_per_hour() {
        let now = Utc.with_ymd_and_hms(2026, 10, 20, 12, 0, 0).unwrap();
        let ev = TrendEvidence {
            views: Some(12_000),
            published_at: Some(now - chrono::Duration::hours(6)),
            ..TrendEvidence::default()
        };
        assert_eq!(ev.views_per_hour(now), Some(2000.0));
        // Younger than an hour counts as one hour.
        let fresh = TrendEvidence {
            published_at: Some(now - chrono::Duration::minutes(5)),
            ..ev.clone()
        };
        assert_eq!(fresh.views_per_hour(now), Some(12_000.0));
        assert_eq!(TrendEvidence::default().views_per_hour(now), None);
        let r = TrendResponse::from_items(
            vec![TrendItem::new(Topic::new("a"), ev.clone())],
            Usage::quota(1),
        );
        assert_eq!(r.topics[0].title, "a");
        assert_eq!(r.items()[0].evidence, ev);
        let bare = TrendResponse::new(vec![Topic::new("b")], Usage::default());
        assert_eq!(bare.items()[0].evidence, TrendEvidence::default());
    }
}
