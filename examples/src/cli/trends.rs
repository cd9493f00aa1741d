//! `ytempire trends`: topics from YouTube's most-popular chart, through the channel's first
//! stored account; topics matching the channel's niche come first (marked `*`).

use std::sync::Arc;

use ytempire_core::{Error, Result, TrendRequest, TrendSource};
use ytempire_youtube::{MostPopularTrends, OAuthClient, RefreshingToken, YouTubeClient};

use super::args::TrendsArgs;
use crate::config::Config;

/// Run `ytempire trends`.
///
/// # Errors
/// `Config` when no account is stored; API errors.
pub async fn run(config: &Config, args: TrendsArgs) -> Result<()> {
    let channel = config.channel(args.channel.as_deref())?;
    let data = config.paths.data_dir();
    let yt = super::upload::accounts(config, &data, &channel.accounts, None)?;
    let store = yt.store()?;
    let list = store.list().await?;
    let account = list
        .iter()
        .find(|a| channel.accounts.is_empty() || channel.accounts.contains(&a.name))
        .ok_or_else(|| {
            Error::config(format!(
                "trends reads YouTube's chart through a stored account and {} has none; add one with `ytempire accounts add NAME`",
                yt.store_path().display()
            ))
        })?;
    let (account, refresh) = store.get(&account.name).await?;
    let secrets_path = account
        .client_secrets
        .clone()
        .unwrap_or_else(|| config.youtube.client_secrets());
    let secrets = ytempire_youtube::ClientSecrets::load(&secrets_path)?
        .with_token_url(yt.endpoints().token_url.clone());
    let auth = Arc::new(RefreshingToken::new(OAuthClient::new(secrets), refresh));
    let client = YouTubeClient::new(account, auth, yt.endpoints().clone());
    let source = MostPopularTrends::new(client);
    let mut request = TrendRequest::new(args.limit);
    request.region = Some(args.region.clone());
    let found = source.trends(&request).await?;
    if found.topics.is_empty() {
        println!("no trending topics in {}", args.region);
    }
    // Topics matching the channel's niche words first (marked *), then the rest by views.
    let words: Vec<String> = channel
        .niche
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() > 2)
        .map(str::to_string)
        .collect();
    let matches = |t: &ytempire_core::Topic| {
        let text = format!("{} {}", t.title, t.keywords.join(" ")).to_lowercase();
        words.iter().any(|w| text.contains(w.as_str()))
    };
    let mut topics = found.topics;
    topics.sort_by_key(|t| !matches(t));
    for (i, t) in topics.iter().enumerate() {
        let mark = if matches(t) { "*" } else { " " };
        let views = t
            .score
            .map(|s| format!(" ({s:.0} views)"))
            .unwrap_or_default();
        println!("{:>2}.{mark} {}{views}", i + 1, t.title);
    }
    Ok(())
}
