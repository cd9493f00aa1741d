//! The channel's past uploads against the fake: `channels.list part=contentDetails` then
//! `playlistItems.list` pages over the uploads playlist, the quota each call costs (in the
//! fake, the client's ledger and the trend budget), a channel without uploads or without a
//! channel, and the fault set (rate limit, 429, 5xx, reset, timeout, cut JSON, spent quota).

use crate::common;

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::*;
use ytempire_core::{ErrorKind, UploadRequest, UploaderExt};
use ytempire_youtube::testing::{FakeYouTube, Fault, SearchVideo};
use ytempire_youtube::{QuotaCosts, QuotaLedger, REASON_TREND_BUDGET, TrendBudget, UploadHistory};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 20, 12, 0, 0).unwrap()
}

/// `n` past uploads of `channel`, one a day back from `t0`, plus one deleted video in the
/// middle (YouTube keeps it in the playlist as "Deleted video").
fn seed(fake: &FakeYouTube, channel: &str, n: i64) {
    for i in 0..n {
        fake.add_channel_upload(
            channel,
            SearchVideo::new(
                &format!("past{i:03}"),
                &format!("Reef story number {i}"),
                t0() - Duration::days(i),
                1_000,
            ),
        );
    }
    fake.add_channel_upload(
        channel,
        SearchVideo::new("gone1", "Deleted video", t0() - Duration::hours(36), 0),
    );
}

fn pages(fake: &FakeYouTube) -> Vec<String> {
    fake.requests()
        .into_iter()
        .filter(|r| r.path == "/youtube/v3/playlistItems")
        .map(|r| r.query)
        .collect()
}

#[tokio::test]
async fn past_uploads_page_through_the_uploads_playlist_newest_first() {
    let fake = FakeYouTube::start().await.unwrap();
    let refresh = fake.add_account("main", "proj-a", "UCmain");
    seed(&fake, "UCmain", 120);
    let ledger = Arc::new(QuotaLedger::in_memory(QuotaCosts::default()));
    let client = client(&fake, "main", "proj-a", &refresh).with_ledger(ledger.clone());
    let history = UploadHistory::new(client.clone());
    assert_eq!(history.max_videos(), 200);
    assert_eq!(history.refresh_cost(), 5, "1 channels.list + 4 pages");

    let found = history.read().await.unwrap();
    assert_eq!(found.channel_id, "UCmain");
    assert_eq!(found.playlist_id, "UUmain");
    assert_eq!(found.videos.len(), 120, "the deleted video is skipped");
    assert_eq!(found.videos[0].video_id, "past000");
    assert_eq!(found.videos[0].title, "Reef story number 0");
    assert_eq!(found.videos[0].published_at, Some(t0()));
    assert_eq!(found.videos[119].title, "Reef story number 119");
    assert!(
        found
            .videos
            .windows(2)
            .all(|w| w[0].published_at >= w[1].published_at),
        "newest first"
    );
    // 121 items: 3 pages of 50; 1 + 3 calls, 1 unit each, in the fake and the ledger.
    assert_eq!((found.requests, found.quota_units), (4, 4));
    assert_eq!(fake.quota_used("proj-a"), 4);
    assert_eq!(ledger.used_at("proj-a", Utc::now()).await, 4);
    let channels: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/youtube/v3/channels")
        .map(|r| r.query)
        .collect();
    assert_eq!(channels, ["part=contentDetails&mine=true"]);
    let p = pages(&fake);
    assert_eq!(p.len(), 3);
    assert!(
        p[0].contains("playlistId=UUmain") && p[0].contains("maxResults=50"),
        "{p:?}"
    );
    assert!(!p[0].contains("pageToken"), "{p:?}");
    assert!(
        p[1].contains("pageToken=") && p[2].contains("pageToken="),
        "{p:?}"
    );
    assert_ne!(p[1], p[2]);

    // A smaller window: 60 videos; the first page held the deleted video, so the second
    // asks only for the 11 still wanted.
    let few = UploadHistory::new(client).with_max_videos(60);
    assert_eq!(few.refresh_cost(), 3);
    let found = few.read().await.unwrap();
    assert_eq!(found.videos.len(), 60);
    assert_eq!(found.quota_units, 3);
    let p = pages(&fake);
    assert!(p[4].contains("maxResults=11"), "{p:?}");
    assert_eq!(
        UploadHistory::new(client_for(&fake))
            .with_max_videos(0)
            .max_videos(),
        1
    );
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

fn client_for(fake: &FakeYouTube) -> ytempire_youtube::YouTubeClient {
    let refresh = fake.add_account("other", "proj-b", "UCother");
    client(fake, "other", "proj-b", &refresh)
}

#[tokio::test]
async fn uploads_made_through_the_fake_are_past_uploads_too() {
    let fake = FakeYouTube::start().await.unwrap();
    let up = uploader(&fake, "main", "proj-a").await;
    let v = video(1000, 3);
    up.upload_quietly(&UploadRequest::new(
        &v.path,
        meta("Octopus colours, explained"),
    ))
    .await
    .unwrap();
    let refresh = fake.add_account("main2", "proj-a", "UCmain2");
    seed(&fake, "UCmain2", 2);
    let mine = UploadHistory::new(up.client().clone())
        .read()
        .await
        .unwrap();
    assert_eq!(mine.titles(), ["Octopus colours, explained"]);
    // Another channel's uploads are not this one's.
    let theirs = UploadHistory::new(client(&fake, "main2", "proj-a", &refresh))
        .read()
        .await
        .unwrap();
    assert_eq!(
        theirs.titles(),
        ["Reef story number 0", "Reef story number 1"]
    );
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn no_uploads_is_an_empty_history_and_no_channel_a_typed_error() {
    let fake = FakeYouTube::start().await.unwrap();
    let refresh = fake.add_account("fresh", "proj-a", "UCfresh");
    // YouTube answers 404 playlistNotFound for the uploads playlist of an empty channel.
    let found = UploadHistory::new(client(&fake, "fresh", "proj-a", &refresh))
        .read()
        .await
        .unwrap();
    assert!(found.videos.is_empty());
    assert_eq!(found.playlist_id, "UUfresh");
    assert_eq!((found.requests, found.quota_units), (2, 2));
    assert_eq!(fake.quota_used("proj-a"), 2);

    let refresh = fake.add_account("brand", "proj-a", "");
    let err = UploadHistory::new(client(&fake, "brand", "proj-a", &refresh))
        .read()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.message().contains("has no YouTube channel"), "{err}");
    assert_eq!(pages(&fake).len(), 1, "no page read without a channel");
}

#[tokio::test]
async fn the_trend_budget_refuses_a_read_before_any_request() {
    let fake = FakeYouTube::start().await.unwrap();
    let refresh = fake.add_account("main", "proj-a", "UCmain");
    seed(&fake, "UCmain", 10);
    let ledger = Arc::new(QuotaLedger::in_memory(QuotaCosts::default()));
    let budget = TrendBudget::new(ledger.clone(), 7);
    let c = client(&fake, "main", "proj-a", &refresh).with_ledger(ledger.clone());
    let history = UploadHistory::new(c).with_budget(budget.clone());
    // 5 units at most; 10 videos take 1 + 1.
    let found = history.read().await.unwrap();
    assert_eq!(found.quota_units, 2);
    assert_eq!(budget.spent_at("proj-a", Utc::now()).await, 2);
    // 2 spent of 7: a second read (at most 5) fits; then 4 spent, and a third is refused,
    // sending nothing.
    let again = history.read().await.unwrap();
    assert_eq!(again.videos.len(), 10);
    assert_eq!(budget.spent_at("proj-a", Utc::now()).await, 4);
    let before = fake.requests().len();
    let err = history.read().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::QuotaExhausted);
    assert_eq!(err.code(), Some(REASON_TREND_BUDGET));
    assert!(
        err.message().contains("past uploads")
            && err.message().contains("costs 5")
            && err.message().contains("3 left"),
        "{err}"
    );
    assert_eq!(fake.requests().len(), before);
}

#[tokio::test]
async fn past_uploads_survive_the_fault_set_with_typed_errors() {
    let fake = FakeYouTube::start().await.unwrap();
    let refresh = fake.add_account("main", "proj-a", "UCmain");
    seed(&fake, "UCmain", 70);
    let http = reqwest::Client::builder()
        .timeout(StdDuration::from_millis(500))
        .build()
        .unwrap();
    let history = UploadHistory::new(client(&fake, "main", "proj-a", &refresh).with_http(http));

    fake.inject(Fault::RateLimitNext { count: 1 });
    let err = history.read().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err:?}");

    fake.inject(Fault::ListError { status: 429 });
    let err = history.read().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err:?}");
    assert!(err.retry_after().is_some(), "{err:?}");

    fake.inject(Fault::ListError { status: 503 });
    let err = history.read().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Upstream, "{err:?}");
    assert!(err.is_retryable() && err.retry_after().is_some(), "{err:?}");

    fake.inject(Fault::ListError { status: 500 });
    let err = history.read().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Upstream, "{err:?}");

    fake.inject(Fault::TruncateList);
    let err = history.read().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err:?}");
    assert!(err.message().contains("playlistItems.list"), "{err}");

    fake.inject(Fault::ResetList);
    let err = history.read().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err:?}");
    assert!(err.message().starts_with("channels.list"), "{err}");

    fake.inject(Fault::StallList);
    let err = history.read().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err:?}");

    // Quota gone at Google: QuotaExhausted, never retried.
    fake.set_quota_limit("proj-a", fake.quota_used("proj-a") + 1);
    let err = history.read().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::QuotaExhausted, "{err:?}");
    assert!(!err.is_retryable());
    assert!(fake.pending_faults().is_empty());
    assert!(!err.to_string().contains("ya29."), "{err}");

    // And afterwards, with quota again, a clean read.
    fake.set_quota_limit("proj-a", u64::MAX / 2);
    assert_eq!(history.read().await.unwrap().videos.len(), 70);
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}
