//! Pexels against its loopback fake: wire format, attribution, size choice, rate-limit
//! headers, the 24 h search cache, video clips and bad input.
#![cfg(all(feature = "pexels", feature = "testing"))]

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use ytempire_core::{ErrorKind, ImageRequest, ImageSource, MediaKind, Orientation, VisualContent};
use ytempire_render::sources::inspect::decode_visual;
use ytempire_render::sources::testing::FakePexels;
use ytempire_render::sources::{
    ManualClock, PEXELS_CACHE_TTL, Pexels, PexelsConfig, PhotoSearch, VideoSearch,
};

const KEY: &str = "pexels-test-key-SECRET-9f3a";
/// The fake's rate-limit period resets at this UNIX time; the clock starts 10 minutes before.
const RESET: u64 = 1_900_000_000;

async fn setup() -> (FakePexels, Pexels, Arc<ManualClock>) {
    let fake = FakePexels::start().await.unwrap();
    fake.require_key(KEY);
    fake.set_rate_limit(200, 200, RESET);
    let clock = Arc::new(ManualClock::at_unix(RESET - 600));
    let pexels = Pexels::new(
        PexelsConfig::new(KEY.to_owned().into())
            .with_base_url(fake.base_url())
            .with_timeout(Duration::from_secs(10)),
    )
    .unwrap()
    .with_clock(clock.clone());
    (fake, pexels, clock)
}

#[tokio::test]
async fn photo_fetch_speaks_the_wire_format_and_keeps_attribution() {
    let (fake, pexels, _) = setup().await;
    let resp = pexels
        .fetch(&ImageRequest::new("blue whale", 90, 160).with_count(2))
        .await
        .unwrap();
    assert_eq!(resp.visuals.len(), 2);
    assert_eq!(resp.usage.images, 2);
    assert_eq!(resp.usage.requests, 3, "one search and two downloads");

    let reqs = fake.requests();
    let search = &reqs[0];
    assert_eq!(search.path, "/v1/search");
    assert_eq!(
        search.authorization.as_deref(),
        Some(KEY),
        "bare key, no Bearer"
    );
    assert_eq!(search.query_value("query"), Some("blue whale"));
    assert_eq!(search.query_value("orientation"), Some("portrait"));
    let per_page: u32 = search.query_value("per_page").unwrap().parse().unwrap();
    assert!((2..=80).contains(&per_page), "{per_page}");
    for download in &reqs[1..] {
        assert!(download.path.starts_with("/photos/"), "{}", download.path);
        assert_eq!(
            download.authorization, None,
            "the key never goes to the CDN"
        );
    }
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());

    for v in &resp.visuals {
        assert!(v.id.starts_with("pexels:"), "{}", v.id);
        assert_eq!(v.provider, "pexels");
        assert_eq!(v.query, "blue whale");
        assert_eq!(v.kind, MediaKind::Image);
        let decoded = decode_visual(v).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (v.width, v.height));
        assert!(matches!(&v.content, VisualContent::Bytes { mime, .. } if mime == "image/jpeg"));
        // Portrait originals are 1600x2400. `small` (87x130) is too short for 90x160; the
        // next smallest, `tiny` (a 280x200 crop), covers it: its 9:16 crop is 112x200.
        assert_eq!((v.width, v.height), (280, 200));
        let credit = v.attribution.as_ref().expect("attribution");
        assert!(!credit.author.is_empty());
        assert!(
            credit
                .url
                .as_deref()
                .unwrap()
                .starts_with("https://www.pexels.com/@")
        );
        let license = credit.license.as_deref().unwrap();
        assert!(license.contains("Pexels License"), "{license}");
        assert!(
            license.contains("https://www.pexels.com/photo/"),
            "{license}"
        );
    }
}

#[tokio::test]
async fn typed_search_returns_photo_objects_and_exclude_is_honoured() {
    let (fake, pexels, _) = setup().await;
    let page = pexels
        .search_photos(
            &PhotoSearch::new("red balloon")
                .with_orientation(Orientation::Landscape)
                .with_per_page(10),
        )
        .await
        .unwrap();
    assert_eq!((page.page, page.per_page, page.total_results), (1, 10, 40));
    assert_eq!(page.photos.len(), 10);
    assert!(page.next_page.is_some());
    let first = &page.photos[0];
    assert!(first.width > first.height);
    assert!(first.src.tiny.contains("fit=crop"));

    let mut req = ImageRequest::new("red balloon", 64, 48).with_count(1);
    let one = pexels.fetch(&req).await.unwrap();
    req.exclude = vec![one.visuals[0].id.clone()];
    let two = pexels.fetch(&req).await.unwrap();
    assert_ne!(two.visuals[0].id, one.visuals[0].id);
    // Big-enough photos come first: every seventh landscape result is 800x533, not chosen
    // for a 1920x1080 frame while larger ones exist.
    let big = pexels
        .fetch(&ImageRequest::new("red balloon", 1000, 600).with_count(8))
        .await
        .unwrap();
    assert!(
        big.visuals.iter().all(|v| v.width >= 1000),
        "{:?}",
        big.visuals
            .iter()
            .map(|v| (v.width, v.height))
            .collect::<Vec<_>>()
    );
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn rate_limit_headers_are_tracked_and_429_without_headers_uses_the_last_reset() {
    let (fake, pexels, clock) = setup().await;
    assert_eq!(pexels.rate_limit().limit, None);
    pexels
        .search_photos(&PhotoSearch::new("octopus"))
        .await
        .unwrap();
    let rl = pexels.rate_limit();
    assert_eq!(rl.limit, Some(200));
    assert_eq!(rl.remaining, Some(199));
    assert_eq!(rl.reset, Some(UNIX_EPOCH + Duration::from_secs(RESET)));

    // A 429 without any header: retry after the last known reset (10 minutes away).
    fake.push_fault(ytempire_render::sources::testing::Fault::RateLimited {
        retry_after_secs: None,
    });
    clock.advance(Duration::from_secs(120));
    let e = pexels
        .search_photos(&PhotoSearch::new("squid"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited, "{e}");
    assert_eq!(e.status(), Some(429));
    assert_eq!(e.retry_after(), Some(Duration::from_secs(480)));
    assert_eq!(
        pexels.rate_limit(),
        rl,
        "a 429 carries no headers: the last values are kept"
    );

    // A 5xx is not told to wait for the rate-limit reset.
    fake.push_fault(ytempire_render::sources::testing::Fault::ServerError(503));
    let e = pexels
        .search_photos(&PhotoSearch::new("squid"))
        .await
        .unwrap_err();
    assert_eq!((e.kind(), e.retry_after()), (ErrorKind::Upstream, None));

    // With Retry-After, that wins.
    fake.push_fault(ytempire_render::sources::testing::Fault::RateLimited {
        retry_after_secs: Some(7),
    });
    let e = pexels
        .search_photos(&PhotoSearch::new("squid"))
        .await
        .unwrap_err();
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    assert!(e.is_retryable());
}

#[tokio::test]
async fn a_spent_rate_limit_is_refused_locally_until_the_reset() {
    let (fake, pexels, clock) = setup().await;
    fake.set_rate_limit(200, 1, RESET);
    pexels
        .search_photos(&PhotoSearch::new("coral"))
        .await
        .unwrap();
    assert_eq!(pexels.rate_limit().remaining, Some(0));
    let before = fake.api_requests();
    let e = pexels
        .search_photos(&PhotoSearch::new("reef"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(600)));
    assert_eq!(fake.api_requests(), before, "no request was spent");

    // The fake itself refuses with a header-less 429 once the period is spent.
    clock.advance(Duration::from_secs(601));
    let e = pexels
        .search_photos(&PhotoSearch::new("reef"))
        .await
        .unwrap_err();
    assert_eq!((e.kind(), e.status()), (ErrorKind::RateLimited, Some(429)));
    assert_eq!(e.retry_after(), None, "the last reset is in the past");
    assert_eq!(fake.api_requests(), before + 1);

    // A new period: requests flow again and the headers are picked up.
    fake.set_rate_limit(200, 200, RESET + 3600);
    pexels
        .search_photos(&PhotoSearch::new("reef"))
        .await
        .unwrap();
    assert_eq!(pexels.rate_limit().remaining, Some(199));
}

#[tokio::test]
async fn searches_are_cached_for_24_hours() {
    let (fake, pexels, clock) = setup().await;
    let req = ImageRequest::new("lighthouse at dusk", 64, 48);
    let first = pexels.fetch(&req).await.unwrap();
    assert_eq!(fake.api_requests(), 1);
    let again = pexels.fetch(&req).await.unwrap();
    assert_eq!(
        fake.api_requests(),
        1,
        "the second search did not reach Pexels"
    );
    assert_eq!(again.visuals[0].id, first.visuals[0].id);
    assert_eq!(again.usage.requests, 1, "only the download");
    assert_eq!(pexels.cached_searches(), 1);

    // A clone shares the cache.
    let clone = pexels.clone();
    clone.fetch(&req).await.unwrap();
    assert_eq!(fake.api_requests(), 1);

    // A different search is a different key.
    pexels
        .fetch(&ImageRequest::new("lighthouse", 64, 48))
        .await
        .unwrap();
    assert_eq!(fake.api_requests(), 2);

    clock.advance(PEXELS_CACHE_TTL - Duration::from_secs(1));
    pexels.fetch(&req).await.unwrap();
    assert_eq!(fake.api_requests(), 2, "still fresh just before 24 h");
    clock.advance(Duration::from_secs(1));
    fake.set_rate_limit(200, 200, RESET + 86_400);
    pexels.fetch(&req).await.unwrap();
    assert_eq!(fake.api_requests(), 3, "expired after 24 h");

    // Failures are not cached.
    fake.push_fault(ytempire_render::sources::testing::Fault::ServerError(503));
    let q = ImageRequest::new("volcano", 64, 48);
    assert!(pexels.fetch(&q).await.is_err());
    pexels.fetch(&q).await.unwrap();
    assert_eq!(fake.api_requests(), 5);
}

#[tokio::test]
async fn video_search_returns_typed_clips_and_downloads_real_mp4() {
    let (fake, pexels, _) = setup().await;
    let page = pexels
        .search_videos(
            &VideoSearch::new("ocean waves")
                .with_orientation(Orientation::Portrait)
                .with_per_page(3),
        )
        .await
        .unwrap();
    assert_eq!(page.videos.len(), 3);
    let video = &page.videos[0];
    assert_eq!(video.video_files.len(), 3);
    let hls = video
        .video_files
        .iter()
        .find(|f| f.quality.as_deref() == Some("hls"))
        .unwrap();
    assert!(!hls.is_mp4() && hls.width.is_none());
    let best = video.best_file(300, 500).unwrap();
    assert_eq!((best.width, best.height), (Some(360), Some(640)));
    assert_eq!(
        video.best_file(4000, 4000).unwrap().width,
        Some(720),
        "nothing covers: the largest MP4"
    );

    let clip = pexels
        .download_clip(video, 300, 500, "ocean waves")
        .await
        .unwrap();
    assert_eq!(clip.kind, MediaKind::VideoClip);
    assert_eq!(
        (clip.width, clip.height),
        (360, 640),
        "read from the MP4 itself"
    );
    let secs = clip.duration_secs.unwrap();
    assert!((secs - 0.5).abs() < 0.05, "{secs}");
    let VisualContent::Bytes { mime, data } = &clip.content else {
        panic!("in memory");
    };
    assert_eq!(mime, "video/mp4");
    assert_eq!(&data[4..8], b"ftyp");
    assert_eq!(clip.attribution.as_ref().unwrap().author, video.user.name);
    assert!(clip.id.starts_with("pexels-video:"));

    let search_req = fake
        .requests()
        .into_iter()
        .find(|r| r.path == "/videos/search")
        .unwrap();
    assert_eq!(search_req.authorization.as_deref(), Some(KEY));
    assert_eq!(search_req.query_value("orientation"), Some("portrait"));

    // fetch_clips: search + download, honouring exclude.
    let mut req = ImageRequest::new("ocean waves", 300, 500).with_count(1);
    req.exclude = vec![clip.id.clone()];
    let clips = pexels.fetch_clips(&req).await.unwrap();
    assert_eq!(clips.visuals.len(), 1);
    assert_ne!(clips.visuals[0].id, clip.id);
    assert_eq!(clips.visuals[0].kind, MediaKind::VideoClip);
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn a_clip_download_that_is_not_a_playable_mp4_is_invalid_response() {
    use ytempire_render::sources::testing::Fault;
    let (fake, pexels, _) = setup().await;
    let page = pexels
        .search_videos(&VideoSearch::new("rain").with_per_page(1))
        .await
        .unwrap();
    for (fault, says) in [
        (Fault::HtmlImage, "HTML"),
        (Fault::EmptyImage, "empty"),
        // Half a file: the container is cut mid-way, so the sample index is incomplete.
        (Fault::CorruptImage, "pexels video"),
    ] {
        fake.push_fault(fault.clone());
        let e = pexels
            .download_clip(&page.videos[0], 100, 100, "rain")
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidResponse, "{fault:?}: {e}");
        assert_eq!(e.provider(), Some("pexels"), "{fault:?}: {e}");
        assert!(e.message().contains(says), "{fault:?}: {e}");
    }
    // The next download is whole again and probes as a real clip.
    let ok = pexels
        .download_clip(&page.videos[0], 100, 100, "rain")
        .await
        .unwrap();
    assert!(ok.duration_secs.unwrap() > 0.0);
}

#[tokio::test]
async fn bad_input_is_a_typed_invalid_request_and_never_sent() {
    let (fake, pexels, _) = setup().await;
    for per_page in [0, 81] {
        let e = pexels
            .search_photos(&PhotoSearch::new("cat").with_per_page(per_page))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{per_page}: {e}");
        assert!(e.message().contains("per_page"), "{e}");
        let e = pexels
            .search_videos(&VideoSearch::new("cat").with_per_page(per_page))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    }
    let e = pexels
        .search_photos(&PhotoSearch::new("cat").with_page(0))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    let e = pexels
        .search_photos(&PhotoSearch::new("   "))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    let e = pexels
        .fetch(&ImageRequest::new("", 10, 10))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    let e = pexels
        .search_videos(&VideoSearch::new("cat").with_duration(30, 5))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    // A huge count is clamped to 80 per page, not refused.
    pexels
        .fetch(&ImageRequest::new("cat", 10, 10).with_count(500))
        .await
        .ok();
    let sent = fake.requests();
    assert_eq!(
        sent.len()
            - sent
                .iter()
                .filter(|r| r.path.starts_with("/photos/"))
                .count(),
        1
    );
    assert_eq!(sent[0].query_value("per_page"), Some("80"));
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn no_results_is_not_found_and_a_wrong_key_is_unauthenticated() {
    let (fake, pexels, _) = setup().await;
    fake.set_results(0);
    let e = pexels
        .fetch(&ImageRequest::new("nothing", 10, 10))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");

    let wrong = Pexels::new(
        PexelsConfig::new("not-the-key".to_owned().into()).with_base_url(fake.base_url()),
    )
    .unwrap();
    let e = wrong
        .search_photos(&PhotoSearch::new("cat"))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.status()),
        (ErrorKind::Unauthenticated, Some(401))
    );
    assert!(!e.is_retryable());
}
