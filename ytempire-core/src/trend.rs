//! Topic discovery: [`TrendSource`] (platform charts, search trends, feeds, a fixed list),
//! its request and its answer.

use async_trait::async_trait;
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
}

/// Trending topics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TrendResponse {
    /// Topics, hottest first.
    pub topics: Vec<Topic>,
    /// What it consumed.
    pub usage: Usage,
}

impl TrendResponse {
    /// A response with topics and usage.
    pub fn new(topics: Vec<Topic>, usage: Usage) -> Self {
        Self { topics, usage }
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
