//! The Data API shapes the trend sources read: `search.list` results and `videos.list` items
//! with their publishing time, description, statistics and made-for-kids flag (counts arrive
//! as JSON strings).

use chrono::{DateTime, Utc};
use serde::Deserialize;
use ytempire_core::{Topic, TrendEvidence, TrendItem};

use super::shorten;

/// Longest summary kept from a description.
const SUMMARY_CHARS: usize = 280;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListWire<T> {
    #[serde(default = "Vec::new")]
    pub(crate) items: Vec<T>,
}

/// One `youtube#searchResult`.
#[derive(Debug, Deserialize)]
pub(crate) struct SearchResultWire {
    #[serde(default)]
    pub(crate) id: SearchIdWire,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SearchIdWire {
    #[serde(default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) video_id: Option<String>,
}

/// One `youtube#video` with parts `snippet`, `statistics`, `status`.
#[derive(Debug, Deserialize)]
pub(crate) struct VideoWire {
    #[serde(default)]
    pub(crate) id: String,
    #[serde(default)]
    snippet: SnippetWire,
    #[serde(default)]
    statistics: StatisticsWire,
    #[serde(default)]
    status: StatusWire,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SnippetWire {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    published_at: Option<DateTime<Utc>>,
    #[serde(default)]
    channel_title: String,
    #[serde(default)]
    tags: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatisticsWire {
    #[serde(default)]
    view_count: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusWire {
    #[serde(default)]
    made_for_kids: Option<bool>,
}

impl VideoWire {
    /// Views (hidden or unparsable counts are `None`).
    pub(crate) fn views(&self) -> Option<u64> {
        self.statistics.view_count.as_deref()?.parse().ok()
    }

    /// The title and tags.
    pub(crate) fn text(&self) -> (&str, &[String]) {
        (&self.snippet.title, &self.snippet.tags)
    }

    /// The video as a trend item from `source`.
    pub(crate) fn into_item(self, source: &str) -> TrendItem {
        let views = self.views();
        let mut topic = Topic::new(self.snippet.title.trim());
        topic.keywords = self.snippet.tags;
        topic.source = Some(source.to_string());
        topic.score = views.map(|v| v as f64);
        let summary = Some(shorten(&self.snippet.description, SUMMARY_CHARS))
            .filter(|s| !s.is_empty())
            .map(|s| match self.snippet.channel_title.as_str() {
                "" => s,
                by => format!("{s} (by {by})"),
            });
        let mut evidence = TrendEvidence::default();
        evidence.views = views;
        evidence.published_at = self.snippet.published_at;
        evidence.link = Some(format!("https://www.youtube.com/watch?v={}", self.id));
        evidence.summary = summary;
        evidence.made_for_kids = self.status.made_for_kids;
        TrendItem::new(topic, evidence)
    }
}
