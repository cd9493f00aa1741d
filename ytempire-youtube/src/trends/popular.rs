//! [`MostPopularTrends`]: `videos.list chart=mostPopular` per region and category as a core
//! [`TrendSource`], with each video's views, publishing time and made-for-kids flag as
//! evidence.

use std::fmt;

use async_trait::async_trait;
use chrono::Utc;
use ytempire_core::{
    Capabilities, Error, ProviderInfo, Result, TrendItem, TrendRequest, TrendResponse, TrendSource,
    Usage,
};

use super::TrendBudget;
use super::wire::{ListWire, VideoWire};
use crate::client::YouTubeClient;
use crate::error::PROVIDER;

/// Topics from YouTube's most-popular chart (1 quota unit per refresh), hottest first.
#[derive(Debug, Clone)]
pub struct MostPopularTrends {
    client: YouTubeClient,
    budget: Option<TrendBudget>,
}

impl MostPopularTrends {
    /// Read the chart through `client`.
    pub fn new(client: YouTubeClient) -> Self {
        Self {
            client,
            budget: None,
        }
    }

    /// Refuse refreshes past this per-day budget.
    #[must_use]
    pub fn with_budget(mut self, budget: TrendBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Quota units one refresh costs: one `videos.list`.
    pub fn refresh_cost(&self) -> u64 {
        self.client.quota_costs().cost("videos.list")
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
        let project = self.client.account().project.clone();
        if let Some(b) = &self.budget {
            b.check(
                &project,
                "a most-popular refresh",
                self.refresh_cost(),
                Utc::now(),
            )
            .await?;
        }
        let mut q = vec![
            ("part", "snippet,statistics,status".to_string()),
            ("chart", "mostPopular".to_string()),
            ("maxResults", "50".to_string()),
        ];
        if let Some(r) = &request.region {
            q.push(("regionCode", r.clone()));
        }
        if let Some(c) = &request.category {
            q.push(("videoCategoryId", c.clone()));
        }
        let result = self
            .client
            .get_json::<ListWire<VideoWire>>("videos.list", "videos", &q)
            .await;
        if let Some(b) = &self.budget {
            b.spend(&project, "videos.list", Utc::now()).await?;
        }
        let (list, units) = result?;
        let region = request.region.as_deref().unwrap_or("global");
        let source = match &request.category {
            Some(c) => format!("youtube:mostPopular:{region}:{c}"),
            None => format!("youtube:mostPopular:{region}"),
        };
        let niche = request.niche.as_ref().map(|n| n.to_lowercase());
        let mut items: Vec<TrendItem> = list
            .items
            .into_iter()
            .filter(|v| {
                let (title, tags) = v.text();
                niche.as_ref().is_none_or(|n| {
                    title.to_lowercase().contains(n)
                        || tags.iter().any(|t| t.to_lowercase().contains(n))
                })
            })
            .map(|v| v.into_item(&source))
            .filter(|i| !i.topic.title.is_empty())
            .collect();
        items.sort_by_key(|i| std::cmp::Reverse(i.evidence.views.unwrap_or(0)));
        items.truncate(request.limit as usize);
        Ok(TrendResponse::from_items(items, Usage::quota(units)))
    }
}
