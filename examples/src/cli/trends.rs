//! `ytempire trends`: topics from the channel's trend sources (YouTube's most-popular chart
//! and keyword search through the channel's first stored account, RSS/Atom feeds by URL),
//! scored against the channel with reasons ([`crate::scoring`]): fitting topics first (marked
//! `*`), then off-niche ones; near-duplicates and policy failures listed as dropped.
//! `--json` prints the whole ranking. Quota units spent go to stderr, one line per source.
//!
//! Novelty counts the channel's own past uploads: when the channel has a stored account (the
//! same one the YouTube sources use), its last [`PAST_UPLOADS_READ`] upload titles are read
//! ([`UploadHistory`]: 1 quota unit for `channels.list` + 1 per page of 50, at most 5,
//! printed as a `youtube/uploads` cost line) and join the config's `past_topics`, so a topic
//! the channel already covered is dropped as a near-duplicate. A failure to read them (or a
//! read that takes over [`PAST_UPLOADS_TIMEOUT`]) is one warning line; the trends still come.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use ytempire_core::{Error, Result, TrendItem, TrendRequest, TrendSource};
use ytempire_youtube::{
    DEFAULT_MAX_UPLOADS, FeedTrends, KeywordSearchTrends, MostPopularTrends, OAuthClient,
    QuotaLedger, RefreshingToken, TrendBudget, UploadHistory, YouTubeClient,
};

use super::args::TrendsArgs;
use crate::config::{ChannelSettings, Config, TrendSourceSettings};
use crate::scoring::rank;

/// Quota units trend refreshes may spend a day unless the channel says otherwise.
pub const DEFAULT_TREND_QUOTA_PER_DAY: u64 = 500;

/// Past uploads read for novelty.
pub const PAST_UPLOADS_READ: u32 = DEFAULT_MAX_UPLOADS;
/// Longest the past-uploads read may take (token refresh and every page together).
pub const PAST_UPLOADS_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest one past-uploads HTTP call may take.
const PAST_UPLOADS_CALL_TIMEOUT: Duration = Duration::from_secs(15);

/// A YouTube client for the channel's first stored account, charging the quota ledger.
async fn youtube_client(
    config: &Config,
    channel: &ChannelSettings,
) -> Result<(YouTubeClient, Arc<QuotaLedger>)> {
    stored_client(config, channel).await?
}

/// [`youtube_client`]; the inner error is the `Config` one saying the channel has no stored
/// account (the outer one: the store or the client secrets failed).
async fn stored_client(
    config: &Config,
    channel: &ChannelSettings,
) -> Result<Result<(YouTubeClient, Arc<QuotaLedger>)>> {
    let data = config.paths.data_dir();
    let (yt, place) =
        super::upload::stored_accounts(config, &data, &channel.accounts, None).await?;
    let store = yt.store()?;
    let list = store.list().await?;
    let Some(account) = list
        .iter()
        .find(|a| channel.accounts.is_empty() || channel.accounts.contains(&a.name))
    else {
        return Ok(Err(Error::config(format!(
            "trends reads YouTube through a stored account and {place} has none; add one with `ytempire accounts add NAME` (or give the channel only `kind = \"feed\"` sources)"
        ))));
    };
    let (account, refresh) = store.get(&account.name).await?;
    let secrets_path = account
        .client_secrets
        .clone()
        .unwrap_or_else(|| config.youtube.client_secrets());
    let secrets = ytempire_youtube::ClientSecrets::load(&secrets_path)?
        .with_token_url(yt.endpoints().token_url.clone());
    let auth = Arc::new(RefreshingToken::new(OAuthClient::new(secrets), refresh));
    let ledger = yt.quota_ledger()?;
    let client =
        YouTubeClient::new(account, auth, yt.endpoints().clone()).with_ledger(ledger.clone());
    Ok(Ok((client, ledger)))
}

/// The channel's past upload titles for novelty, and the line saying what reading them cost;
/// nothing when the channel has no stored account. A failure is one warning line on stderr
/// and no titles.
pub async fn past_uploads(
    config: &Config,
    channel: &ChannelSettings,
) -> (Vec<String>, Option<String>) {
    let read = async {
        // No stored account: nothing to read, and nothing to warn about.
        let Ok((client, ledger)) = stored_client(config, channel).await? else {
            return Ok(None);
        };
        let http = reqwest::Client::builder()
            .connect_timeout(PAST_UPLOADS_CALL_TIMEOUT)
            .timeout(PAST_UPLOADS_CALL_TIMEOUT)
            .build()
            .map_err(|e| Error::internal(format!("building the HTTP client: {e}")))?;
        let units = channel
            .trend_quota_per_day
            .unwrap_or(DEFAULT_TREND_QUOTA_PER_DAY);
        UploadHistory::new(client.with_http(http))
            .with_max_videos(PAST_UPLOADS_READ)
            .with_budget(TrendBudget::new(ledger, units))
            .read()
            .await
            .map(Some)
    };
    let warn = |why: String| {
        eprintln!(
            "ytempire: warning: youtube/uploads: {why}; the channel's past uploads are not counted for novelty this time"
        );
    };
    match tokio::time::timeout(PAST_UPLOADS_TIMEOUT, read).await {
        Ok(Ok(Some(found))) => {
            let n = found.quota_units;
            let v = found.videos.len();
            let line = format!(
                "youtube/uploads: {v} past upload{}, {n} quota unit{}",
                if v == 1 { "" } else { "s" },
                if n == 1 { "" } else { "s" }
            );
            (found.titles(), Some(line))
        }
        Ok(Ok(None)) => (Vec::new(), None),
        Ok(Err(e)) => {
            warn(super::one_line(&e));
            (Vec::new(), None)
        }
        Err(_) => {
            warn(format!(
                "no answer within {} s",
                PAST_UPLOADS_TIMEOUT.as_secs()
            ));
            (Vec::new(), None)
        }
    }
}

/// Every candidate from the channel's sources as of `now` (default source: the most-popular
/// chart in `region`), and one line per source saying what it cost. A failing source is
/// reported on stderr and skipped while another answers.
///
/// # Errors
/// The first source's error when none answers; `Config` for a bad feed URL or no account.
pub async fn gather(
    config: &Config,
    channel: &ChannelSettings,
    region: &str,
    limit: u32,
    now: DateTime<Utc>,
) -> Result<(Vec<TrendItem>, Vec<String>)> {
    let sources = if channel.sources.is_empty() {
        vec![TrendSourceSettings::MostPopular {
            region: None,
            category: None,
        }]
    } else {
        channel.sources.clone()
    };
    let mut youtube: Option<(YouTubeClient, TrendBudget)> = None;
    let mut items = Vec::new();
    let mut costs = Vec::new();
    let mut first_error = None;
    for s in &sources {
        let mut request = TrendRequest::new(limit).at(now);
        let source: Box<dyn TrendSource> = match s {
            TrendSourceSettings::Feed { url } => {
                let dir = config.paths.data_dir().join("feeds");
                std::fs::create_dir_all(&dir)
                    .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
                let key = hex::encode(Sha256::digest(url.as_bytes()));
                Box::new(
                    FeedTrends::new(url)?.with_cache_file(dir.join(format!("{}.json", &key[..16]))),
                )
            }
            yt_source => {
                if youtube.is_none() {
                    let (client, ledger) = youtube_client(config, channel).await?;
                    let units = channel
                        .trend_quota_per_day
                        .unwrap_or(DEFAULT_TREND_QUOTA_PER_DAY);
                    youtube = Some((client, TrendBudget::new(ledger, units)));
                }
                let Some((client, budget)) = youtube.clone() else {
                    continue;
                };
                match yt_source {
                    TrendSourceSettings::MostPopular {
                        region: r,
                        category,
                    } => {
                        request.region = Some(r.clone().unwrap_or_else(|| region.to_string()));
                        request.category = category.clone();
                        Box::new(MostPopularTrends::new(client).with_budget(budget))
                    }
                    TrendSourceSettings::Search {
                        within_days,
                        region: r,
                    } => {
                        request.region = r.clone();
                        request.within_days = *within_days;
                        Box::new(
                            KeywordSearchTrends::new(client, channel.keywords.clone())
                                .with_budget(budget),
                        )
                    }
                    _ => continue,
                }
            }
        };
        match source.trends(&request).await {
            Ok(found) => {
                let cost = if found.usage.cached {
                    "not modified, nothing spent".to_string()
                } else {
                    let n = found.usage.quota_units;
                    format!("{n} quota unit{}", if n == 1 { "" } else { "s" })
                };
                costs.push(format!("{source}: {} topics, {cost}", found.topics.len()));
                items.extend(found.items());
            }
            Err(e) => {
                eprintln!("ytempire: warning: {source}: {}", super::one_line(&e));
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) if items.is_empty() => Err(e),
        _ => Ok((items, costs)),
    }
}

/// Run `ytempire trends`.
///
/// # Errors
/// `Config` when a YouTube source needs an account and none is stored; source errors when
/// no source answers.
pub async fn run(config: &Config, args: TrendsArgs) -> Result<()> {
    let mut channel = config.channel(args.channel.as_deref())?;
    let now = args.at.unwrap_or_else(Utc::now);
    let (past, past_cost) = past_uploads(config, &channel).await;
    channel.past_topics.extend(past);
    let (items, mut costs) = gather(config, &channel, &args.region, args.limit, now).await?;
    costs.extend(past_cost);
    let ranking = rank(&super::plan::channel_fit(&channel), &items, now);
    for c in &costs {
        eprintln!("{c}");
    }
    if args.json {
        let out = serde_json::json!({
            "channel": channel.name,
            "now": now,
            "ranked": ranking.ranked.iter().take(args.limit as usize).collect::<Vec<_>>(),
            "dropped": ranking.dropped,
            "sources": costs,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    if ranking.ranked.is_empty() {
        println!("no trending topics for {}", channel.name);
    }
    for (i, s) in ranking.ranked.iter().take(args.limit as usize).enumerate() {
        let mark = if s.off_niche { " " } else { "*" };
        let views = s
            .item
            .evidence
            .views
            .map(|v| format!(" ({v} views)"))
            .unwrap_or_default();
        let source = s.item.topic.source.as_deref().unwrap_or("?");
        println!(
            "{:>2}.{mark} {}{views} — {:.2}: {} [{source}]",
            i + 1,
            s.item.topic.title,
            s.score,
            s.reasons.join("; ")
        );
    }
    for d in &ranking.dropped {
        println!("  dropped: {} — {}", d.item.topic.title, d.reason);
    }
    Ok(())
}
