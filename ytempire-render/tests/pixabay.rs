//! Pixabay against its loopback fake: wire format (the key as a query parameter), parsing,
//! tags and attribution, size choice, every fault as a typed error, the key kept out of
//! every string, rate-limit headers, the 24 h search cache, video clips, configuration
//! from the environment and core's image conformance suite.
#![cfg(all(feature = "pixabay", feature = "testing"))]

use crate::vendor_faults;

use std::sync::Arc;
use std::time::Duration;

use vendor_faults::{check_faults_and, stock_faults};
use ytempire_core::conformance::image::run_all;
use ytempire_core::testing::env_lookup;
use ytempire_core::{ErrorKind, ImageRequest, ImageSource, MediaKind, Orientation, VisualContent};
use ytempire_render::sources::inspect::decode_visual;
use ytempire_render::sources::testing::{FakePixabay, Fault};
use ytempire_render::sources::{
    Clock, ManualClock, PIXABAY_CACHE_TTL, Pixabay, PixabayConfig, PixabaySearch,
};

const KEY: &str = "pixabay-test-key-SECRET-51c7";

async fn setup() -> (FakePixabay, Pixabay, Arc<ManualClock>) {
    let fake = FakePixabay::start().await.unwrap();
    let clock = Arc::new(ManualClock::at_unix(1_900_000_000));
    let client =
        client(&fake, Duration::from_secs(10), PIXABAY_CACHE_TTL).with_clock(clock.clone());
    (fake, client, clock)
}

fn client(fake: &FakePixabay, timeout: Duration, cache: Duration) -> Pixabay {
    fake.require_key(KEY);
    Pixabay::new(
        PixabayConfig::new(KEY.to_owned().into())
            .with_base_url(fake.base_url())
            .with_timeout(timeout)
            .with_cache_ttl(cache),
    )
    .unwrap()
}

#[tokio::test]
async fn photo_fetch_speaks_the_wire_format_and_keeps_tags_and_credit() {
    let (fake, pixabay, _) = setup().await;
    fake.set_tags(vec!["octopus, sea, coral reef".into()]);
    let resp = pixabay
        .fetch(&ImageRequest::new("octopus", 90, 160).with_count(2))
        .await
        .unwrap();
    assert_eq!(resp.visuals.len(), 2);
    assert_eq!((resp.usage.images, resp.usage.requests), (2, 3));

    let reqs = fake.requests();
    let search = &reqs[0];
    assert_eq!(search.path, "/api/");
    assert_eq!(
        search.query_value("key"),
        Some(KEY),
        "the key is a parameter"
    );
    assert_eq!(search.authorization, None);
    assert_eq!(search.query_value("q"), Some("octopus"));
    assert_eq!(search.query_value("image_type"), Some("photo"));
    assert_eq!(search.query_value("orientation"), Some("vertical"));
    assert_eq!(search.query_value("safesearch"), Some("true"));
    let per_page: u32 = search.query_value("per_page").unwrap().parse().unwrap();
    assert!((3..=200).contains(&per_page), "{per_page}");
    for download in &reqs[1..] {
        assert!(download.path.starts_with("/get/"), "{}", download.path);
        assert_eq!(download.query_value("key"), None, "no key to the CDN");
    }
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());

    for v in &resp.visuals {
        assert!(v.id.starts_with("pixabay:"), "{}", v.id);
        assert_eq!(
            (v.provider.as_str(), v.query.as_str()),
            ("pixabay", "octopus")
        );
        assert_eq!(v.kind, MediaKind::Image);
        assert_eq!(v.description, "octopus, sea, coral reef", "tags rank it");
        let decoded = decode_visual(v).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (v.width, v.height));
        assert!(matches!(&v.content, VisualContent::Bytes { mime, .. } if mime == "image/jpeg"));
        // Vertical originals are 4000x6000: `webformat` (427x640) covers 90x160.
        assert_eq!((v.width, v.height), (427, 640));
        let credit = v.attribution.as_ref().unwrap();
        assert!(!credit.author.is_empty());
        let page = credit.url.as_deref().unwrap();
        assert!(
            page.starts_with("https://pixabay.com/photos/octopus-sea-coral-reef-"),
            "{page}"
        );
        let license = credit.license.as_deref().unwrap();
        assert!(license.contains("Pixabay Content License"), "{license}");
        assert!(license.contains("https://pixabay.com/users/"), "{license}");
    }
}

#[tokio::test]
async fn typed_search_parses_hits_sizes_and_exclude() {
    let (fake, pixabay, _) = setup().await;
    let page = pixabay
        .search_images(
            &PixabaySearch::new("red balloon")
                .with_orientation(Orientation::Landscape)
                .with_per_page(10),
        )
        .await
        .unwrap();
    assert_eq!((page.total, page.total_hits, page.hits.len()), (40, 40, 10));
    let first = &page.hits[0];
    assert_eq!((first.image_width, first.image_height), (6000, 4000));
    assert_eq!((first.webformat_width, first.webformat_height), (640, 427));
    assert_eq!(first.large_size(), (1280, 853));
    assert_eq!(first.kind.as_deref(), Some("photo"));
    assert_eq!(first.tags, "test, photo");
    assert!(first.user_id.is_some() && !first.user.is_empty());

    let mut req = ImageRequest::new("red balloon", 64, 48);
    let one = pixabay.fetch(&req).await.unwrap();
    req.exclude = vec![one.visuals[0].id.clone()];
    let two = pixabay.fetch(&req).await.unwrap();
    assert_ne!(two.visuals[0].id, one.visuals[0].id);
    // A 1000x600 frame needs `largeImageURL`; every seventh horizontal result is a 960x640
    // original, which comes after the ones that cover the frame.
    let big = pixabay
        .fetch(&ImageRequest::new("red balloon", 1000, 600).with_count(8))
        .await
        .unwrap();
    let sizes: Vec<(u32, u32)> = big.visuals.iter().map(|v| (v.width, v.height)).collect();
    assert!(sizes.iter().all(|s| *s == (1280, 853)), "{sizes:?}");
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

/// Every fault, as a typed error (with `retry_after` when given), the key in no string, and
/// a plain fetch working again afterwards.
#[tokio::test]
async fn every_fault_is_a_typed_error_without_the_key() {
    let fake = FakePixabay::start().await.unwrap();
    // Every fault must reach the fake, not the cache.
    let source = client(&fake, Duration::from_secs(1), Duration::ZERO);
    let also = |fault: &Fault, e: &ytempire_core::Error| {
        assert_eq!(e.provider(), Some("pixabay"), "{fault:?}: {e}");
        let text = format!("{e} {e:?}");
        assert!(!text.contains("SECRET"), "{fault:?}: {text}");
    };
    check_faults_and(
        &source,
        &|f| fake.push_fault(f),
        KEY,
        &stock_faults(),
        &also,
    )
    .await;
    let req = ImageRequest::new("a lighthouse at dusk", 64, 48);
    // A bad key is Pixabay's 400 with its plain-text message, read as Unauthenticated.
    fake.push_fault(Fault::Unauthorized);
    let e = source.fetch(&req).await.unwrap_err();
    assert_eq!((e.status(), e.code()), (Some(400), Some("invalid_key")));
    assert!(e.message().contains("Invalid or missing API key"), "{e}");
    assert!(!e.is_retryable());
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn the_key_never_shows_in_debug_display_or_errors() {
    let (fake, pixabay, _) = setup().await;
    let text = format!("{pixabay:?} {pixabay} {:?}", pixabay.config());
    assert!(!text.contains(KEY) && !text.contains("SECRET"), "{text}");

    let wrong = Pixabay::new(
        PixabayConfig::new("wrong-SECRET-key".to_owned().into()).with_base_url(fake.base_url()),
    )
    .unwrap();
    let e = wrong
        .search_images(&PixabaySearch::new("cat"))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.status()),
        (ErrorKind::Unauthenticated, Some(400))
    );
    assert!(!format!("{e} {e:?} {wrong:?}").contains("SECRET"));
    assert_eq!(
        fake.requests()[0].query_value("key"),
        Some("wrong-SECRET-key")
    );

    // A transport failure names the URL without its query.
    let dead =
        Pixabay::new(PixabayConfig::new(KEY.to_owned().into()).with_base_url("http://127.0.0.1:9"))
            .unwrap();
    let e = dead
        .fetch(&ImageRequest::new("cat", 8, 8))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    let text = format!("{e} {e:?}");
    assert!(
        !text.contains("SECRET") && text.contains("127.0.0.1:9/api/"),
        "{text}"
    );
}

#[tokio::test]
async fn a_request_without_a_key_is_a_violation_and_pixabays_400() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let fake = FakePixabay::start().await.unwrap();
    let host = fake.base_url().trim_start_matches("http://").to_owned();
    let mut s = tokio::net::TcpStream::connect(&host).await.unwrap();
    let req = format!("GET /api/?q=cat HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    assert!(out.starts_with("HTTP/1.1 400"), "{out}");
    assert!(
        out.ends_with("[ERROR 400] Invalid or missing API key"),
        "{out}"
    );
    assert_eq!(fake.violations(), ["`key` is required"]);
}

#[tokio::test]
async fn rate_limit_headers_are_tracked_and_a_spent_window_is_refused_locally() {
    let (fake, pixabay, clock) = setup().await;
    let t0 = clock.now();
    fake.set_rate_limit(100, 2, 60);
    pixabay
        .search_images(&PixabaySearch::new("octopus"))
        .await
        .unwrap();
    let rl = pixabay.rate_limit();
    assert_eq!((rl.limit, rl.remaining), (Some(100), Some(1)));
    assert_eq!(
        rl.reset,
        Some(t0 + Duration::from_secs(60)),
        "seconds from now"
    );

    // A 429 without headers (a proxy's): wait for the known reset.
    fake.push_fault(Fault::RateLimited {
        retry_after_secs: None,
    });
    clock.advance(Duration::from_secs(20));
    let e = pixabay
        .search_images(&PixabaySearch::new("squid"))
        .await
        .unwrap_err();
    assert_eq!((e.kind(), e.status()), (ErrorKind::RateLimited, Some(429)));
    assert_eq!(e.retry_after(), Some(Duration::from_secs(40)));
    // A 5xx is not told to wait for the reset.
    fake.push_fault(Fault::ServerError(503));
    let e = pixabay
        .search_images(&PixabaySearch::new("squid"))
        .await
        .unwrap_err();
    assert_eq!((e.kind(), e.retry_after()), (ErrorKind::Upstream, None));

    // The last request of the window, then Pixabay's own 429 with the headers.
    pixabay
        .search_images(&PixabaySearch::new("squid"))
        .await
        .unwrap();
    assert_eq!(pixabay.rate_limit().remaining, Some(0));
    let before = fake.api_requests();
    let e = pixabay
        .search_images(&PixabaySearch::new("reef"))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.status()),
        (ErrorKind::RateLimited, None),
        "{e}"
    );
    assert_eq!(e.retry_after(), Some(Duration::from_secs(60)));
    assert_eq!(fake.api_requests(), before, "refused locally");
    clock.advance(Duration::from_secs(61));
    let e = pixabay
        .search_images(&PixabaySearch::new("reef"))
        .await
        .unwrap_err();
    assert_eq!((e.kind(), e.status()), (ErrorKind::RateLimited, Some(429)));
    assert_eq!(
        e.retry_after(),
        Some(Duration::from_secs(60)),
        "from its headers"
    );
    assert_eq!(fake.api_requests(), before + 1);

    // A new window: requests flow again.
    clock.advance(Duration::from_secs(61));
    fake.set_rate_limit(100, 100, 60);
    pixabay
        .search_images(&PixabaySearch::new("reef"))
        .await
        .unwrap();
    assert_eq!(pixabay.rate_limit().remaining, Some(99));
    // With Retry-After, that wins.
    fake.push_fault(Fault::RateLimited {
        retry_after_secs: Some(7),
    });
    let e = pixabay
        .search_images(&PixabaySearch::new("kelp"))
        .await
        .unwrap_err();
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    assert!(e.is_retryable());
}

#[tokio::test]
async fn searches_are_cached_for_24_hours() {
    let (fake, pixabay, clock) = setup().await;
    let req = ImageRequest::new("lighthouse at dusk", 64, 48);
    let first = pixabay.fetch(&req).await.unwrap();
    let again = pixabay.clone().fetch(&req).await.unwrap();
    assert_eq!(
        fake.api_requests(),
        1,
        "the clone's search did not reach Pixabay"
    );
    assert_eq!(again.visuals[0].id, first.visuals[0].id);
    assert_eq!(again.usage.requests, 1, "only the download");
    assert_eq!(pixabay.cached_searches(), 1);
    pixabay
        .fetch(&ImageRequest::new("lighthouse", 64, 48))
        .await
        .unwrap();
    assert_eq!(fake.api_requests(), 2, "another search is another key");

    clock.advance(PIXABAY_CACHE_TTL - Duration::from_secs(1));
    pixabay.fetch(&req).await.unwrap();
    assert_eq!(fake.api_requests(), 2, "still fresh just before 24 h");
    clock.advance(Duration::from_secs(1));
    pixabay.fetch(&req).await.unwrap();
    assert_eq!(fake.api_requests(), 3, "expired after 24 h");

    // Failures are not cached.
    fake.push_fault(Fault::ServerError(503));
    let q = ImageRequest::new("volcano", 64, 48);
    assert!(pixabay.fetch(&q).await.is_err());
    pixabay.fetch(&q).await.unwrap();
    assert_eq!(fake.api_requests(), 5);
    pixabay.clear_cache();
    assert_eq!(pixabay.cached_searches(), 0);
}

#[tokio::test]
async fn video_search_returns_typed_clips_and_downloads_real_mp4() {
    let (fake, pixabay, _) = setup().await;
    fake.set_tags(vec!["ocean, waves, surf".into()]);
    let page = pixabay
        .search_videos(&PixabaySearch::new("ocean waves").with_per_page(3))
        .await
        .unwrap();
    assert_eq!(page.hits.len(), 3);
    let video = page.hits.iter().find(|v| v.id % 3 != 1).unwrap();
    assert!(!video.videos.large.is_available(), "no 4K rendition");
    assert_eq!(video.videos.available().len(), 3);
    assert_eq!(video.best_file(300, 200).unwrap().0, "tiny");
    assert_eq!(video.best_file(1000, 700).unwrap().0, "small");
    assert_eq!(
        video.best_file(4000, 4000).unwrap().0,
        "medium",
        "the largest"
    );

    let clip = pixabay
        .download_clip(video, 300, 200, "ocean waves")
        .await
        .unwrap();
    assert_eq!(clip.kind, MediaKind::VideoClip);
    assert_eq!((clip.width, clip.height), (960, 540), "read from the MP4");
    let secs = clip.duration_secs.unwrap();
    assert!((secs - 0.5).abs() < 0.05, "{secs}");
    let VisualContent::Bytes { mime, data } = &clip.content else {
        panic!("in memory");
    };
    assert_eq!((mime.as_str(), &data[4..8]), ("video/mp4", &b"ftyp"[..]));
    assert_eq!(clip.description, "ocean, waves, surf");
    assert_eq!(clip.attribution.as_ref().unwrap().author, video.user);
    assert!(clip.id.starts_with("pixabay-video:"));
    let search = fake
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/videos/")
        .unwrap();
    assert_eq!(search.query_value("key"), Some(KEY));
    assert_eq!(
        search.query_value("orientation"),
        None,
        "the video API has none"
    );

    // fetch_clips: search + download, honouring exclude and preferring the orientation.
    let mut req = ImageRequest::new("ocean waves", 300, 200);
    req.exclude = vec![clip.id.clone()];
    let clips = pixabay.fetch_clips(&req).await.unwrap();
    assert_eq!(clips.visuals.len(), 1);
    assert_ne!(clips.visuals[0].id, clip.id);
    assert!(
        clips.visuals[0].width > clips.visuals[0].height,
        "landscape first"
    );

    for fault in [Fault::HtmlImage, Fault::EmptyImage, Fault::CorruptImage] {
        fake.push_fault(fault.clone());
        let e = pixabay
            .download_clip(video, 300, 200, "x")
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidResponse, "{fault:?}: {e}");
    }
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn bad_input_is_refused_before_sending_and_long_queries_are_cut() {
    let (fake, pixabay, _) = setup().await;
    for search in [
        PixabaySearch::new("cat").with_per_page(2),
        PixabaySearch::new("cat").with_per_page(201),
        PixabaySearch::new("cat").with_page(0),
        PixabaySearch::new("   "),
        PixabaySearch::new("x".repeat(101)),
    ] {
        let e = pixabay.search_images(&search).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{search:?}: {e}");
    }
    assert_eq!(fake.requests().len(), 0, "nothing was sent");
    let e = pixabay
        .fetch(&ImageRequest::new("", 10, 10))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);

    // A scene cue plus the channel style can run past 100 characters: cut at a word.
    fake.set_results(3);
    let long = "octopus camouflage on a coral reef, cinematic lighting, shallow depth of field, \
                documentary style, vivid colour";
    let got = pixabay
        .fetch(&ImageRequest::new(long, 10, 10).with_count(500))
        .await
        .unwrap();
    assert_eq!(got.visuals.len(), 3);
    let sent = &fake.requests()[0];
    let q = sent.query_value("q").unwrap();
    assert!(
        q.len() <= 100 && long.starts_with(q) && q.ends_with("style,"),
        "{q}"
    );
    assert_eq!(
        sent.query_value("per_page"),
        Some("200"),
        "clamped, not refused"
    );
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());

    fake.set_results(0);
    let e = pixabay
        .fetch(&ImageRequest::new("nothing", 10, 10))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
}

#[tokio::test]
async fn passes_core_image_conformance() {
    let fake = FakePixabay::start().await.unwrap();
    let r = run_all(
        &client(&fake, Duration::from_secs(20), PIXABAY_CACHE_TTL),
        &[],
    )
    .await;
    assert!(r.is_ok(), "{r}");
    assert_eq!(r.passed.len(), 4, "{r}");
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn from_env_reads_the_key_and_base_url() {
    let fake = FakePixabay::start().await.unwrap();
    fake.require_key(KEY);
    let cfg = PixabayConfig::from_env_with(env_lookup(vec![
        ("PIXABAY_API_KEY", KEY.into()),
        ("PIXABAY_BASE_URL", format!("{}/", fake.base_url())),
    ]))
    .unwrap();
    let got = Pixabay::new(cfg)
        .unwrap()
        .fetch(&ImageRequest::new("cat", 8, 8))
        .await
        .unwrap();
    assert_eq!(got.visuals.len(), 1);
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());

    let e = PixabayConfig::from_env_with(env_lookup::<&str, &str>([])).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.message().contains("PIXABAY_API_KEY"), "{e}");
    let e = PixabayConfig::from_env_with(env_lookup(vec![
        ("PIXABAY_API_KEY", "k".to_owned()),
        ("PIXABAY_BASE_URL", "file:///etc/hosts".to_owned()),
    ]))
    .unwrap_err();
    assert!(e.message().starts_with("PIXABAY_BASE_URL must be"), "{e}");
    assert_eq!(
        PixabayConfig::new(KEY.to_owned().into()).base_url,
        "https://pixabay.com"
    );
}
