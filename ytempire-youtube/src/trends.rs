//! [`MostPopularTrends`]: `videos.list chart=mostPopular` as a core [`TrendSource`].

use std::fmt;

use async_trait::async_trait;
use ytempire_core::{
    Capabilities, Error, ProviderInfo, Result, Topic, TrendRequest, TrendResponse, TrendSource,
    Usage,
};

use crate::client::YouTubeClient;
use crate::error::PROVIDER;

/// Topics from YouTube's most-popular chart (1 quota unit per call), hottest first.
#[derive(Debug, Clone)]
pub struct MostPopularTrends {
    client: YouTubeClient,
}

impl MostPopularTrends {
    /// Read the chart through `client`.
    pub fn new(client: YouTubeClient) -> Self {
        Self { client }
    }
}

impl fmt::Display for MostPopularTrends {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PROVIDER}/mostPopular")
    }
}

#[async_trait]
impl TrendSource for MostPopularTrends {
    fn info(&self) -> ProviderInfo {
        ProviderInfo::new(PROVIDER, "mostPopular", Capabilities::new())
    }

    async fn trends(&self, request: &TrendRequest) -> Result<TrendResponse> {
        if request.limit == 0 || request.limit > 50 {
            return Err(Error::invalid_request(
                "videos.list chart=mostPopular takes a limit of 1 to 50",
            ));
        }
        let (videos, units) = self
            .client
            .most_popular(
                request.region.as_deref(),
                request.category.as_deref(),
                request.limit,
            )
            .await?;
        let region = request.region.as_deref().unwrap_or("global");
        let niche = request.niche.as_ref().map(|n| n.to_lowercase());
        let mut topics: Vec<Topic> = videos
            .into_iter()
            .filter(|v| {
                niche.as_ref().is_none_or(|n| {
                    v.title.to_lowercase().contains(n)
                        || v.tags.iter().any(|t| t.to_lowercase().contains(n))
                })
            })
            .map(|v| {
                let mut t = Topic::new(v.title);
                t.keywords = v.tags;
                t.source = Some(format!("youtube:mostPopular:{region}"));
                t.score = Some(v.statistics.view_count as f64);
                t
            })
            .collect();
        topics.sort_by(|a, b| b.score.unwrap_or(0.0).total_cmp(&a.score.unwrap_or(0.0)));
        topics.truncate(request.limit as usize);
        Ok(TrendResponse::new(topics, Usage::quota(units)))
    }
}
