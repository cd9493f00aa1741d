//! [`KeywordSearchTrends`]: what is rising for the channel's keywords. One `search.list`
//! (`q` = the keywords joined with `|`, YouTube's OR; `type=video`, `order=viewCount`,
//! `publishedAfter` = now − N days) finds up to 50 videos, then one `videos.list` per 50 ids
//! reads their statistics, publishing times and made-for-kids flags. A refresh costs 100 +
//! ⌈ids / 50⌉ quota units (101 for up to 50 topics).

use std::fmt;

use async_trait::async_trait;
use chrono::{Duration, SecondsFormat, Utc};
use ytempire_core::{
    Capabilities, Error, ProviderInfo, Result, TrendItem, TrendRequest, TrendResponse, TrendSource,
    Usage,
};

use super::TrendBudget;
use super::wire::{ListWire, SearchResultWire, VideoWire};
use crate::client::YouTubeClient;
use crate::error::PROVIDER;

/// Days searched back when the request names none.
pub const DEFAULT_WITHIN_DAYS: u32 = 7;

/// Ids per `videos.list` call (the API's maximum).
const IDS_PER_CALL: usize = 50;

/// Topics from `search.list` over the channel's keywords in the last days, most viewed first.
#[derive(Debug, Clone)]
pub struct KeywordSearchTrends {
    client: YouTubeClient,
    keywords: Vec<String>,
    budget: Option<TrendBudget>,
}

impl KeywordSearchTrends {
    /// Search through `client` for `keywords` (the request's keywords are added to them).
    pub fn new<I, S>(client: YouTubeClient, keywords: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            client,
            keywords: keywords.into_iter().map(Into::into).collect(),
            budget: None,
        }
    }

    /// Refuse refreshes past this per-day budget.
    #[must_use]
    pub fn with_budget(mut self, budget: TrendBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Quota units one refresh of up to `limit` topics costs: one `search.list` plus one
    /// `videos.list` per 50 ids.
    pub fn refresh_cost(&self, limit: u32) -> u64 {
        let costs = self.client.quota_costs();
        let lists = (limit.max(1) as usize).div_ceil(IDS_PER_CALL) as u64;
        costs.cost("search.list") + lists * costs.cost("videos.list")
    }

    fn query(&self, request: &TrendRequest) -> String {
        let mut words: Vec<String> = Vec::new();
        for k in self.keywords.iter().chain(&request.keywords) {
            let k = k.trim().replace('|', " ");
            if !k.is_empty() && !words.iter().any(|w| w.eq_ignore_ascii_case(&k)) {
                words.push(k);
            }
        }
        words.join("|")
    }
}

impl fmt::Display for KeywordSearchTrends {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PROVIDER}/search")
    }
}

#[async_trait]
impl TrendSource for KeywordSearchTrends {
    fn info(&self) -> ProviderInfo {
        ProviderInfo::new(PROVIDER, "search", Capabilities::new())
    }

    async fn trends(&self, request: &TrendRequest) -> Result<TrendResponse> {
        if request.limit == 0 || request.limit > 50 {
            return Err(Error::invalid_request(
                "search.list takes a limit of 1 to 50",
            ));
        }
        let q = self.query(request);
        if q.is_empty() {
            return Err(Error::invalid_request(
                "a keyword search needs keywords; give the channel `keywords = [...]` in the config",
            ));
        }
        let now = request.now.unwrap_or_else(Utc::now);
        let days = request.within_days.unwrap_or(DEFAULT_WITHIN_DAYS).max(1);
        let after = now - Duration::days(i64::from(days));
        let project = self.client.account().project.clone();
        if let Some(b) = &self.budget {
            b.check(
                &project,
                "a keyword search",
                self.refresh_cost(request.limit),
                Utc::now(),
            )
            .await?;
        }
        let mut params = vec![
            ("part", "snippet".to_string()),
            ("q", q.clone()),
            ("type", "video".to_string()),
            ("order", "viewCount".to_string()),
            (
                "publishedAfter",
                after.to_rfc3339_opts(SecondsFormat::Secs, true),
            ),
            ("maxResults", request.limit.to_string()),
        ];
        if let Some(r) = &request.region {
            params.push(("regionCode", r.clone()));
        }
        if let Some(c) = &request.category {
            params.push(("videoCategoryId", c.clone()));
        }
        let found = self
            .client
            .get_json::<ListWire<SearchResultWire>>("search.list", "search", &params)
            .await;
        if let Some(b) = &self.budget {
            b.spend(&project, "search.list", Utc::now()).await?;
        }
        let (found, mut units) = found?;
        let mut ids: Vec<String> = Vec::new();
        for r in found.items {
            if let Some(id) = r.id.video_id.filter(|_| r.id.kind == "youtube#video")
                && !ids.contains(&id)
            {
                ids.push(id);
            }
        }
        let source = format!("youtube:search:{q}");
        let mut items: Vec<TrendItem> = Vec::new();
        for chunk in ids.chunks(IDS_PER_CALL) {
            let list = self
                .client
                .get_json::<ListWire<VideoWire>>(
                    "videos.list",
                    "videos",
                    &[
                        ("part", "snippet,statistics,status".to_string()),
                        ("id", chunk.join(",")),
                    ],
                )
                .await;
            if let Some(b) = &self.budget {
                b.spend(&project, "videos.list", Utc::now()).await?;
            }
            let (list, u) = list?;
            units += u;
            items.extend(
                list.items
                    .into_iter()
                    .map(|v| v.into_item(&source))
                    .filter(|i| !i.topic.title.is_empty()),
            );
        }
        items.sort_by_key(|i| std::cmp::Reverse(i.evidence.views.unwrap_or(0)));
        items.truncate(request.limit as usize);
        let mut usage = Usage::quota(units);
        usage.requests = 1 + ids.len().div_ceil(IDS_PER_CALL) as u64;
        Ok(TrendResponse::from_items(items, usage))
    }
}
