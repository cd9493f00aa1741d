//! Trend sources as core [`TrendSource`](ytempire_core::TrendSource)s, and the per-day quota
//! budget they share.
//!
//! | source | what it reads | quota units per refresh |
//! |---|---|---|
//! | [`MostPopularTrends`] | `videos.list chart=mostPopular` per region and category | 1 |
//! | [`KeywordSearchTrends`] | `search.list` for the channel's keywords over the last N days (`publishedAfter`, `order=viewCount`, `type=video`), then one `videos.list` per 50 found ids for their statistics | 100 + 1 per 50 ids (101 for up to 50 topics) |
//! | [`FeedTrends`] (feature `feeds`) | any RSS or Atom feed by URL, with conditional requests | 0 (not the Data API) |
//! | [`UploadHistory`] (not a source: the channel's own past uploads, for novelty) | `channels.list part=contentDetails mine=true`, then `playlistItems.list` over the uploads playlist, 50 a page | 1 + 1 per page (at most 5 for the default 200 videos) |
//!
//! Each YouTube source says what one refresh costs ([`MostPopularTrends::refresh_cost`],
//! [`KeywordSearchTrends::refresh_cost`], [`UploadHistory::refresh_cost`]) and, given a [`TrendBudget`], refuses a refresh that
//! would take the day's trend spending over the budget, before any request, with a
//! `QuotaExhausted` error coded [`REASON_TREND_BUDGET`] that names the budget. Quota is
//! counted at the wall-clock time of each call, as the client counts it (a request's `now`
//! only sets the search window).

mod popular;
mod search;
mod uploads;
mod wire;

#[cfg(feature = "feeds")]
mod feed;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use ytempire_core::{Error, ErrorKind, Result};

use crate::error::PROVIDER;
use crate::quota::{QuotaLedger, next_reset};

#[cfg(feature = "feeds")]
#[cfg_attr(docsrs, doc(cfg(feature = "feeds")))]
pub use feed::{FEED_PROVIDER, FeedTrends};
pub use popular::MostPopularTrends;
pub use search::{DEFAULT_WITHIN_DAYS, KeywordSearchTrends};
pub use uploads::{DEFAULT_MAX_UPLOADS, MAX_UPLOADS, PastUpload, PastUploads, UploadHistory};

/// The error code of a refresh refused by a [`TrendBudget`].
pub const REASON_TREND_BUDGET: &str = "trendBudgetExceeded";

/// A per-day cap on the quota units trend refreshes spend, counted in the [`QuotaLedger`]
/// under `PROJECT/trends` (so it resets with the quota, at midnight Pacific time), on top of
/// the project's own count that the client keeps.
#[derive(Debug, Clone)]
pub struct TrendBudget {
    ledger: Arc<QuotaLedger>,
    units_per_day: u64,
}

impl TrendBudget {
    /// At most `units_per_day` units a Pacific day on trend refreshes.
    pub fn new(ledger: Arc<QuotaLedger>, units_per_day: u64) -> Self {
        Self {
            ledger,
            units_per_day,
        }
    }

    /// The budget in units per day.
    pub fn units_per_day(&self) -> u64 {
        self.units_per_day
    }

    fn key(project: &str) -> String {
        format!("{project}/trends")
    }

    /// Units trend refreshes spent today for `project`.
    pub async fn spent_at(&self, project: &str, now: DateTime<Utc>) -> u64 {
        self.ledger.used_at(&Self::key(project), now).await
    }

    /// Refuse when `need` more units would pass the budget or the project's remaining quota.
    pub(crate) async fn check(
        &self,
        project: &str,
        what: &str,
        need: u64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let spent = self.spent_at(project, now).await;
        let left = self.ledger.remaining_at(project, now).await;
        let reset = next_reset(now).to_rfc3339();
        if spent + need > self.units_per_day {
            return Err(refused(format!(
                "{what} costs {need} quota units but the trend budget of {} units a day for project {project} has {} left ({spent} spent today); raise the budget or wait for the reset at {reset}",
                self.units_per_day,
                self.units_per_day.saturating_sub(spent)
            )));
        }
        if need > left {
            return Err(refused(format!(
                "{what} costs {need} quota units but project {project} has {left} left today; wait for the reset at {reset}"
            )));
        }
        Ok(())
    }

    /// Record one call of `method` against the budget.
    pub(crate) async fn spend(
        &self,
        project: &str,
        method: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.ledger
            .charge_at(&Self::key(project), method, now)
            .await
            .map(|_| ())
    }
}

fn refused(message: String) -> Error {
    Error::new(ErrorKind::QuotaExhausted, message)
        .with_code(REASON_TREND_BUDGET)
        .with_provider(PROVIDER)
}

/// `text` cut to at most `max` characters on a word boundary, with `…` when cut.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let mut out = String::new();
    for word in text.split(' ') {
        if out.chars().count() + word.chars().count() + 1 > max {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quota::QuotaCosts;
    use chrono::TimeZone;

    #[tokio::test]
    async fn budget_refuses_with_a_typed_error_naming_the_budget() {
        let ledger = Arc::new(QuotaLedger::in_memory(QuotaCosts::default()));
        let budget = TrendBudget::new(ledger.clone(), 150);
        let now = Utc.with_ymd_and_hms(2026, 10, 20, 12, 0, 0).unwrap();
        budget.check("p", "a search", 101, now).await.unwrap();
        budget.spend("p", "search.list", now).await.unwrap();
        budget.spend("p", "videos.list", now).await.unwrap();
        assert_eq!(budget.spent_at("p", now).await, 101);
        let err = budget.check("p", "a search", 101, now).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::QuotaExhausted);
        assert_eq!(err.code(), Some(REASON_TREND_BUDGET));
        assert!(err.message().contains("trend budget of 150 units"), "{err}");
        assert!(err.message().contains("49 left"), "{err}");
        // The next Pacific day starts from nothing.
        let tomorrow = now + chrono::Duration::days(1);
        budget.check("p", "a search", 101, tomorrow).await.unwrap();
    }

    #[test]
    fn shorten_cuts_on_words() {
        assert_eq!(shorten("a  b\nc", 10), "a b c");
        assert_eq!(shorten("alpha beta gamma", 11), "alpha beta…");
    }
}
