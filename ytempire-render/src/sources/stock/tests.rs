//! Tests of the shared stock-client pieces: rate limits, the cache, ranking and downloads.

use super::*;
use reqwest::header::HeaderValue;

#[test]
fn rate_limit_keeps_last_values_when_headers_are_absent() {
    let mut r = RateLimit::default();
    let mut h = HeaderMap::new();
    h.insert("x-ratelimit-limit", HeaderValue::from_static("200"));
    h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
    h.insert("x-ratelimit-reset", HeaderValue::from_static("1000"));
    r.update(&h, UNIX_EPOCH, ResetHeader::UnixTime);
    r.update(&HeaderMap::new(), UNIX_EPOCH, ResetHeader::UnixTime);
    assert_eq!(r.limit, Some(200));
    assert_eq!(r.remaining, Some(0));
    let now = UNIX_EPOCH + Duration::from_secs(990);
    assert_eq!(r.until_reset(now), Some(Duration::from_secs(10)));
    assert!(r.exhausted(now));
    assert!(!r.exhausted(UNIX_EPOCH + Duration::from_secs(1000)));
}

#[test]
fn the_relative_reset_becomes_a_point_in_time() {
    let now = UNIX_EPOCH + Duration::from_secs(1_000);
    let mut r = RateLimit::default();
    let mut h = HeaderMap::new();
    h.insert("x-ratelimit-limit", HeaderValue::from_static("100"));
    h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
    h.insert("x-ratelimit-reset", HeaderValue::from_static("42"));
    r.update(&h, now, ResetHeader::SecondsFromNow);
    r.update(
        &HeaderMap::new(),
        now + Duration::from_secs(5),
        ResetHeader::SecondsFromNow,
    );
    assert_eq!((r.limit, r.remaining), (Some(100), Some(0)));
    assert_eq!(r.reset, Some(now + Duration::from_secs(42)));
    let later = now + Duration::from_secs(40);
    assert_eq!(r.until_reset(later), Some(Duration::from_secs(2)));
    assert!(r.exhausted(later));
    assert!(!r.exhausted(now + Duration::from_secs(42)));
    h.insert("x-ratelimit-reset", HeaderValue::from_static("-3"));
    r.update(&h, now, ResetHeader::SecondsFromNow);
    assert_eq!(r.reset, Some(now + Duration::from_secs(42)), "ignored");
}

#[test]
fn cache_expires_and_evicts() {
    let t0 = UNIX_EPOCH + Duration::from_secs(100);
    let c = TtlCache::new(Duration::from_secs(10), 2);
    c.put("a".into(), 1, t0);
    assert_eq!(c.get("a", t0 + Duration::from_secs(9)), Some(1));
    assert_eq!(c.get("a", t0 + Duration::from_secs(10)), None);
    c.put("a".into(), 1, t0);
    c.put("b".into(), 2, t0 + Duration::from_secs(1));
    c.put("c".into(), 3, t0 + Duration::from_secs(2));
    assert_eq!(c.len(), 2);
    assert_eq!(c.get("a", t0 + Duration::from_secs(2)), None, "oldest");
    c.clear();
    assert_eq!(c.len(), 0);
}

fn c(text: &str, fits: bool, clip: bool) -> Candidate<&'static str, &'static str> {
    let name: &'static str = Box::leak(text.to_owned().into_boxed_str());
    if clip {
        Candidate::clip(name, text.into(), fits)
    } else {
        Candidate::photo(name, text.into(), fits)
    }
}

fn names(v: &[Candidate<&'static str, &'static str>]) -> Vec<&'static str> {
    v.iter()
        .map(|c| match c.found {
            Found::Photo(n) | Found::Clip(n) => n,
        })
        .collect()
}

#[test]
fn per_page_has_room_for_the_excluded_and_ranked_searches_ask_for_whole_pages() {
    let mut r = ImageRequest::new("q", 1, 1).with_count(500);
    assert_eq!(per_page(&r, 1, 80), 80);
    r.count = 1;
    assert_eq!(per_page(&r, 1, 80), 3);
    assert_eq!(per_page(&r, 3, 200), 3);
    r.exclude = (0..10).map(|i| i.to_string()).collect();
    assert_eq!(per_page(&r, 1, 80), 13);
    let mut ranked = r.clone().with_context("a scene");
    assert_eq!(per_page(&ranked, 1, 80), 40);
    ranked.exclude.push("one more".into());
    assert_eq!(
        per_page(&ranked, 1, 80),
        40,
        "the same page, one cached search"
    );
    ranked.exclude = (0..45).map(|i| i.to_string()).collect();
    assert_eq!(per_page(&ranked, 1, 80), 80);
    assert_eq!(per_page(&ranked, 3, 200), 80);
}

#[test]
fn without_context_the_vendor_order_stands_fitting_and_clips_first() {
    let req = ImageRequest::new("octopus", 640, 360);
    let order = download_order(
        &req,
        vec![
            c("a", false, false),
            c("b", true, false),
            c("c", true, true),
        ],
    );
    assert_eq!(names(&order), ["c", "b", "a"]);
}

#[test]
fn with_context_the_best_text_comes_first_and_clips_win_ties() {
    let req = ImageRequest::new("octopus camouflage", 640, 360)
        .with_context("The octopus changes colour to hide on the reef.");
    let order = download_order(
        &req,
        vec![
            c("city skyline at night", true, true),
            c("octopus on a reef, camouflage", true, false),
            c("octopus on a reef, camouflage", true, true),
            c("octopus", false, false),
            c("ocean waves", true, false),
        ],
    );
    let got = names(&order);
    assert_eq!(&got[..2], ["octopus on a reef, camouflage"; 2]);
    assert!(
        matches!(order[0].found, Found::Clip(_)),
        "a clip wins the tie"
    );
    assert_eq!(
        got[2..],
        ["octopus"],
        "unrelated results are not downloaded"
    );
}

#[tokio::test]
async fn downloads_only_the_best_count_and_skips_failures() {
    let req = ImageRequest::new("octopus", 64, 36)
        .with_count(2)
        .with_context("An octopus hides.");
    let candidates = vec![
        c("desert dunes", true, false),
        c("octopus hiding", true, false),
        c("octopus hiding, broken file", true, false),
        c("octopus swimming", true, false),
    ];
    let mut tried = Vec::new();
    let resp = download_best("fake", &req, candidates, 1, |f: Found<&str, &str>| {
        let Found::Photo(name) = f else {
            unreachable!()
        };
        tried.push(name);
        std::future::ready(if name.contains("broken") {
            Err(Error::new(ErrorKind::InvalidResponse, "not an image"))
        } else {
            Ok(Visual::image_bytes(name, 64, 36, "image/png", vec![1]))
        })
    })
    .await
    .unwrap();
    let ids: Vec<&str> = resp.visuals.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids.len(), 1, "the broken one is skipped: {ids:?}");
    assert_eq!(
        tried,
        ["octopus hiding", "octopus hiding, broken file"],
        "the best two"
    );
    assert!(
        !tried.contains(&"desert dunes"),
        "never downloaded: {tried:?}"
    );
    assert_eq!(resp.usage.requests, 1 + tried.len() as u64);
    let none = download_best("fake", &req, Vec::<Candidate<&str, &str>>::new(), 1, |_| {
        std::future::ready(Ok(Visual::image_bytes("x", 1, 1, "image/png", vec![1])))
    })
    .await
    .unwrap_err();
    assert_eq!(none.kind(), ErrorKind::NotFound);
}
