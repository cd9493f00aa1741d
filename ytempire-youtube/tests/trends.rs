//! Trend sources against the fake: keyword search + statistics, the most-popular chart with
//! evidence, the per-day budget, the list faults, and RSS/Atom feeds with conditional
//! requests and feed faults.

use crate::common;

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::*;
use ytempire_core::{ErrorKind, TrendRequest, TrendSource};
use ytempire_youtube::testing::{ATOM_FIXTURE, FakeYouTube, Fault, RSS_FIXTURE, SearchVideo};
use ytempire_youtube::{
    FeedTrends, KeywordSearchTrends, MostPopularTrends, QuotaCosts, QuotaLedger,
    REASON_TREND_BUDGET, TrendBudget,
};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 20, 12, 0, 0).unwrap()
}

/// Videos shaped like real search hits around `at`: on-keyword recent ones, an old one, an
/// off-keyword one, one made for kids.
fn seed(fake: &FakeYouTube, at: DateTime<Utc>) {
    let v = |id: &str, title: &str, hours: i64, views: u64| {
        SearchVideo::new(id, title, at - Duration::hours(hours), views)
    };
    for video in [
        v("oct1", "Octopus punches fish during group hunt (caught on camera)", 20, 480_000)
            .with_description("Day octopuses in the Red Sea lash out at lazy hunting partners. Full study linked below.")
            .with_tags(&["octopus", "marine biology"]),
        v("oct2", "Why octopuses have three hearts", 70, 95_000)
            .with_description("A marine biologist explains octopus circulation."),
        v("reef1", "Coral reef bleaching 2026: what divers are seeing", 30, 210_000)
            .with_description("Mass bleaching in the Pacific, filmed on coral reef dives."),
        v("kids1", "Octopus song for kids | learn sea animals", 10, 900_000)
            .with_description("Sing along with Ollie the octopus!")
            .made_for_kids(true),
        v("old1", "Octopus escapes aquarium (classic clip)", 24 * 30, 9_000_000),
        v("car1", "Supercar drag race", 5, 2_000_000).with_description("V12 vs electric"),
    ] {
        fake.add_search_video(video);
    }
}

#[tokio::test]
async fn keyword_search_finds_recent_videos_then_reads_their_statistics() {
    let fake = FakeYouTube::start().await.unwrap();
    let refresh = fake.add_account("main", "proj-a", "UCmain");
    seed(&fake, now());
    let source = KeywordSearchTrends::new(
        client(&fake, "main", "proj-a", &refresh),
        ["octopus", "coral reef"],
    );
    assert_eq!(source.refresh_cost(10), 101);
    assert_eq!(source.refresh_cost(50), 101);
    let r = source
        .trends(&TrendRequest::new(10).within_days(7).at(now()))
        .await
        .unwrap();
    let titles: Vec<&str> = r.topics.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Octopus song for kids | learn sea animals",
            "Octopus punches fish during group hunt (caught on camera)",
            "Coral reef bleaching 2026: what divers are seeing",
            "Why octopuses have three hearts",
        ],
        "the 30-day-old clip and the off-keyword video are not found"
    );
    // Evidence from videos.list: views, publishing time, made-for-kids, link, summary.
    let items = r.items();
    assert_eq!(items[0].evidence.made_for_kids, Some(true));
    assert_eq!(items[1].evidence.views, Some(480_000));
    assert_eq!(
        items[1].evidence.published_at,
        Some(now() - Duration::hours(20))
    );
    assert_eq!(items[1].evidence.views_per_hour(now()), Some(24_000.0));
    assert_eq!(
        items[1].evidence.link.as_deref(),
        Some("https://www.youtube.com/watch?v=oct1")
    );
    assert!(
        items[1]
            .evidence
            .summary
            .as_deref()
            .unwrap()
            .starts_with("Day octopuses in the Red Sea")
    );
    assert_eq!(items[1].topic.keywords, ["octopus", "marine biology"]);
    assert_eq!(
        items[1].topic.source.as_deref(),
        Some("youtube:search:octopus|coral reef")
    );
    // One search.list and one videos.list for all ids: 101 units, seen by the fake too.
    assert_eq!(r.usage.quota_units, 101);
    assert_eq!(fake.quota_used("proj-a"), 101);
    let reqs = fake.requests();
    let search: Vec<_> = reqs
        .iter()
        .filter(|q| q.path == "/youtube/v3/search")
        .collect();
    let lists: Vec<_> = reqs
        .iter()
        .filter(|q| q.path == "/youtube/v3/videos")
        .collect();
    assert_eq!((search.len(), lists.len()), (1, 1));
    for want in [
        "type=video",
        "order=viewCount",
        "publishedAfter=2026-10-13T12%3A00%3A00Z",
        "q=octopus%7Ccoral+reef",
    ] {
        assert!(
            search[0].query.contains(want),
            "{want} in {}",
            search[0].query
        );
    }
    assert!(
        lists[0].query.contains("id=kids1%2Coct1%2Creef1%2Coct2"),
        "{}",
        lists[0].query
    );
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn fifty_found_videos_take_one_videos_list_call() {
    let fake = FakeYouTube::start().await.unwrap();
    let refresh = fake.add_account("main", "proj-a", "UCmain");
    for i in 0..60 {
        fake.add_search_video(SearchVideo::new(
            &format!("v{i:02}"),
            &format!("Octopus fact number {i}"),
            now() - Duration::hours(i + 1),
            1000 + i as u64,
        ));
    }
    let source = KeywordSearchTrends::new(client(&fake, "main", "proj-a", &refresh), ["octopus"]);
    let r = source
        .trends(&TrendRequest::new(50).at(now()))
        .await
        .unwrap();
    assert_eq!(r.topics.len(), 50);
    assert_eq!(r.topics[0].title, "Octopus fact number 59");
    let lists: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|q| q.path == "/youtube/v3/videos")
        .collect();
    assert_eq!(lists.len(), 1);
    let ids = lists[0]
        .query
        .split('&')
        .find(|p| p.starts_with("id="))
        .unwrap();
    assert_eq!(ids.matches("%2C").count(), 49, "50 ids in one call");
    assert_eq!(r.usage.quota_units, 101);
}

#[tokio::test]
async fn the_daily_budget_refuses_before_any_request() {
    let fake = FakeYouTube::start().await.unwrap();
    let refresh = fake.add_account("main", "proj-a", "UCmain");
    seed(&fake, now());
    let ledger = Arc::new(QuotaLedger::in_memory(QuotaCosts::default()));
    let budget = TrendBudget::new(ledger.clone(), 150);
    let c = client(&fake, "main", "proj-a", &refresh).with_ledger(ledger.clone());
    let search = KeywordSearchTrends::new(c.clone(), ["octopus"]).with_budget(budget.clone());
    let popular = MostPopularTrends::new(c).with_budget(budget.clone());
    let req = TrendRequest::new(5).at(now());
    search.trends(&req).await.unwrap();
    assert_eq!(budget.spent_at("proj-a", Utc::now()).await, 101);
    let err = search.trends(&req).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::QuotaExhausted);
    assert_eq!(err.code(), Some(REASON_TREND_BUDGET));
    assert!(
        err.message().contains("budget of 150 units a day") && err.message().contains("49 left"),
        "{err}"
    );
    let searches = |f: &FakeYouTube| {
        f.requests()
            .iter()
            .filter(|q| q.path == "/youtube/v3/search")
            .count()
    };
    assert_eq!(searches(&fake), 1, "the refused refresh sent nothing");
    // The chart (1 unit) still fits; the project's own count (kept by the client at the
    // wall-clock time) has every call.
    assert_eq!(popular.refresh_cost(), 1);
    popular.trends(&req).await.unwrap();
    assert_eq!(budget.spent_at("proj-a", Utc::now()).await, 102);
    assert_eq!(ledger.used_at("proj-a", Utc::now()).await, 102);
}

#[tokio::test]
async fn search_survives_the_fault_set_with_typed_errors() {
    let fake = FakeYouTube::start().await.unwrap();
    let refresh = fake.add_account("main", "proj-a", "UCmain");
    seed(&fake, now());
    let source = KeywordSearchTrends::new(client(&fake, "main", "proj-a", &refresh), ["octopus"]);
    let req = TrendRequest::new(5).at(now());
    fake.inject(Fault::RateLimitNext { count: 1 });
    assert_eq!(
        source.trends(&req).await.unwrap_err().kind(),
        ErrorKind::RateLimited
    );
    fake.inject(Fault::ListError { status: 503 });
    let err = source.trends(&req).await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert!(err.retry_after().is_some(), "{err:?}");
    fake.inject(Fault::TruncateList);
    assert_eq!(
        source.trends(&req).await.unwrap_err().kind(),
        ErrorKind::InvalidResponse
    );
    // Quota gone at Google: QuotaExhausted, never retried.
    fake.set_quota_limit("proj-a", fake.quota_used("proj-a") + 50);
    let err = source.trends(&req).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::QuotaExhausted);
    assert!(!err.is_retryable());
    // No keywords: refused before any request.
    let before = fake.requests().len();
    let bare = KeywordSearchTrends::new(
        client(&fake, "main", "proj-a", &refresh),
        Vec::<String>::new(),
    );
    let err = bare.trends(&req).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert!(err.message().contains("keywords"), "{err}");
    assert_eq!(fake.requests().len(), before);
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn both_youtube_sources_pass_the_conformance_suite() {
    let fake = FakeYouTube::start().await.unwrap();
    let refresh = fake.add_account("main", "proj-a", "UCmain");
    // The suite asks without `now`: fixtures around the wall clock.
    seed(&fake, Utc::now());
    fake.add_popular(
        &SearchVideo::new(
            "pop1",
            "Octopus camouflage",
            Utc::now() - Duration::hours(5),
            50_000,
        )
        .with_tags(&["ocean"]),
    );
    let c = client(&fake, "main", "proj-a", &refresh);
    let search = KeywordSearchTrends::new(c.clone(), ["octopus"]);
    let report = ytempire_core::conformance::trend::run_all(&search, &[]).await;
    assert!(report.is_ok(), "{report}");
    let popular = MostPopularTrends::new(c);
    let report = ytempire_core::conformance::trend::run_all(&popular, &[]).await;
    assert!(report.is_ok(), "{report}");
    let r = popular.trends(&TrendRequest::new(1)).await.unwrap();
    assert_eq!(r.evidence[0].views, Some(50_000));
    assert!(r.evidence[0].published_at.is_some());
    assert_eq!(r.evidence[0].made_for_kids, Some(false));
    // An empty chart fails the suite (it needs a non-empty answer from a non-empty source).
    let empty = FakeYouTube::start().await.unwrap();
    let refresh = empty.add_account("main", "proj-a", "UCmain");
    let none = MostPopularTrends::new(client(&empty, "main", "proj-a", &refresh));
    let report = ytempire_core::conformance::trend::run_all(&none, &[]).await;
    assert!(!report.is_ok(), "{report}");
}

#[tokio::test]
async fn rss_and_atom_feeds_parse_into_items_with_evidence() {
    let fake = FakeYouTube::start().await.unwrap();
    let rss = FeedTrends::new(&fake.set_feed("ocean", RSS_FIXTURE, "application/rss+xml")).unwrap();
    let r = rss.trends(&TrendRequest::new(10)).await.unwrap();
    let titles: Vec<&str> = r.topics.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Coral reefs bleach again as marine heatwave spreads across the Pacific",
            "Octopuses caught “punching” fish during group hunts, new study finds",
            "Deep-sea mining vote delayed after new species found on seabed",
        ]
    );
    let first = &r.items()[0];
    assert_eq!(first.topic.keywords, ["Coral reefs", "Climate"]);
    assert_eq!(
        first.evidence.summary.as_deref(),
        Some(
            "Scientists report mass bleaching on reefs from Fiji to Hawaii as water temperatures stay 2 °C above normal."
        )
    );
    assert_eq!(
        first.evidence.link.as_deref(),
        Some("https://ocean-news.example/2026/10/20/coral-bleaching-pacific")
    );
    assert_eq!(
        first.evidence.published_at,
        Some(Utc.with_ymd_and_hms(2026, 10, 20, 8, 30, 0).unwrap())
    );
    assert!(
        first
            .topic
            .source
            .as_deref()
            .unwrap()
            .contains("Ocean News Daily"),
        "{:?}",
        first.topic.source
    );
    assert_eq!(r.usage.quota_units, 0);
    assert!(
        r.items()[2]
            .evidence
            .summary
            .as_deref()
            .unwrap()
            .contains("decision & asked")
    );

    let atom =
        FeedTrends::new(&fake.set_feed("space", ATOM_FIXTURE, "application/atom+xml")).unwrap();
    let r = atom
        .trends(&TrendRequest::new(10).within_days(2).at(now()))
        .await
        .unwrap();
    let items = r.items();
    assert_eq!(
        items[0].topic.title,
        "Webb spots water vapour on a rocky exoplanet for the first time"
    );
    assert_eq!(items[0].topic.keywords, ["Exoplanets", "jwst"]);
    assert!(
        items[0]
            .evidence
            .summary
            .as_deref()
            .unwrap()
            .starts_with("The James Webb")
    );
    // No <published>: the update time stands in; <content> stands in for a summary.
    assert_eq!(
        items[2].topic.title,
        "Aurora alert: strong geomagnetic storm expected tonight"
    );
    assert_eq!(
        items[2].evidence.published_at,
        Some(Utc.with_ymd_and_hms(2026, 10, 19, 12, 0, 0).unwrap())
    );
    assert!(
        items[2]
            .evidence
            .summary
            .as_deref()
            .unwrap()
            .contains("as far south as Berlin")
    );
    let report = ytempire_core::conformance::trend::run_all(&atom, &[]).await;
    assert!(report.is_ok(), "{report}");
}

#[tokio::test]
async fn a_second_refresh_is_a_free_304_and_the_cache_survives_restarts() {
    let fake = FakeYouTube::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("feed.json");
    let url = fake.set_feed("ocean", RSS_FIXTURE, "application/rss+xml");
    let feed = FeedTrends::new(&url).unwrap().with_cache_file(&cache);
    let first = feed.trends(&TrendRequest::new(10)).await.unwrap();
    assert!(!first.usage.cached);
    let second = feed.trends(&TrendRequest::new(10)).await.unwrap();
    assert!(second.usage.cached, "a 304 is served from the cache");
    assert_eq!(second.topics, first.topics);
    assert_eq!(fake.feed_hits("ocean"), (1, 1));
    // A new process with the same cache file asks conditionally from its first refresh.
    let again = FeedTrends::new(&url).unwrap().with_cache_file(&cache);
    let third = again.trends(&TrendRequest::new(2)).await.unwrap();
    assert!(third.usage.cached);
    assert_eq!(third.topics.len(), 2);
    assert_eq!(fake.feed_hits("ocean"), (1, 2));
    // A changed feed is fetched in full.
    fake.set_feed("ocean", ATOM_FIXTURE, "application/atom+xml");
    let changed = again.trends(&TrendRequest::new(10)).await.unwrap();
    assert!(!changed.usage.cached);
    assert!(changed.topics[0].title.starts_with("Webb spots water"));
}

#[tokio::test]
async fn feeds_survive_the_fault_set_with_typed_errors() {
    let fake = FakeYouTube::start().await.unwrap();
    let url = fake.set_feed("ocean", RSS_FIXTURE, "application/rss+xml");
    let feed = FeedTrends::new(&url).unwrap();
    let req = TrendRequest::new(5);
    fake.inject(Fault::FeedError { status: 503 });
    let err = feed.trends(&req).await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(1)));
    fake.inject(Fault::MalformedFeed);
    let err = feed.trends(&req).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert!(
        err.message().contains("is not an RSS, Atom or JSON feed"),
        "{err}"
    );
    // The cache was not poisoned: the next refresh is a full, good one.
    assert_eq!(feed.trends(&req).await.unwrap().topics.len(), 3);
    let missing = FeedTrends::new(&format!("{}/feeds/nope?token=s3cret", fake.base_url())).unwrap();
    let err = missing.trends(&req).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(!format!("{err:?}").contains("s3cret"), "{err:?}");
    assert_eq!(
        feed.trends(&TrendRequest::new(0)).await.unwrap_err().kind(),
        ErrorKind::InvalidRequest
    );
}
