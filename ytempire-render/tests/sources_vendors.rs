//! The vendor sources (Pexels, Stability, OpenAI images) against their loopback fakes:
//! core's conformance suite, error mapping for every injected fault, secrets kept out of
//! every string, Stability's and OpenAI's wire formats, and a stock → AI → procedural chain.
#![cfg(all(
    feature = "pexels",
    feature = "stability",
    feature = "openai-images",
    feature = "testing"
))]

use crate::vendor_faults;

use std::sync::Arc;
use std::time::Duration;

use vendor_faults::{check_faults, common_faults, fault_error, stock_faults};
use ytempire_core::conformance::image::run_all;
use ytempire_core::testing::env_lookup;
use ytempire_core::{DynImageSource, ErrorKind, ImageRequest, ImageSource, Result};
use ytempire_render::sources::inspect::decode_visual;
use ytempire_render::sources::testing::{FakeOpenAiImages, FakePexels, FakeStability, Fault};
use ytempire_render::sources::{
    OpenAiImages, OpenAiImagesConfig, Pexels, PexelsConfig, Procedural, SelectorConfig, Stability,
    StabilityConfig, StabilityModel, VisualSelector,
};

const PEXELS_KEY: &str = "pexels-SECRET-key-0001";
const STABILITY_KEY: &str = "sk-stability-SECRET-0002";
const OPENAI_KEY: &str = "sk-openai-SECRET-0003";

fn pexels(fake: &FakePexels, timeout: Duration) -> Pexels {
    fake.require_key(PEXELS_KEY);
    Pexels::new(
        PexelsConfig::new(PEXELS_KEY.to_owned().into())
            .with_base_url(fake.base_url())
            .with_timeout(timeout)
            // Every fault test must reach the fake, not the cache.
            .with_cache_ttl(Duration::ZERO),
    )
    .unwrap()
}

fn stability(fake: &FakeStability, model: StabilityModel, timeout: Duration) -> Stability {
    fake.require_key(STABILITY_KEY);
    Stability::new(
        StabilityConfig::new(model, STABILITY_KEY.to_owned().into())
            .with_base_url(fake.base_url())
            .with_timeout(timeout),
    )
    .unwrap()
}

fn openai(fake: &FakeOpenAiImages, model: &str, timeout: Duration) -> OpenAiImages {
    fake.require_key(OPENAI_KEY);
    OpenAiImages::new(
        OpenAiImagesConfig::openai(model, OPENAI_KEY.to_owned().into())
            .with_base_url(fake.base_url())
            .with_timeout(timeout),
    )
    .unwrap()
}

const LONG: Duration = Duration::from_secs(20);

#[tokio::test]
async fn every_vendor_passes_core_conformance() {
    let p = FakePexels::start().await.unwrap();
    let r = run_all(&pexels(&p, LONG), &[]).await;
    assert!(r.is_ok(), "{r}");
    assert_eq!(r.passed.len(), 4, "{r}");
    assert!(p.violations().is_empty(), "{:?}", p.violations());

    let s = FakeStability::start().await.unwrap();
    for model in [
        StabilityModel::Core,
        StabilityModel::Ultra,
        StabilityModel::Sd35Large,
    ] {
        let r = run_all(&stability(&s, model, LONG), &[]).await;
        assert!(r.is_ok(), "{r}");
    }
    assert!(s.violations().is_empty(), "{:?}", s.violations());

    let o = FakeOpenAiImages::start().await.unwrap();
    for model in ["gpt-image-1", "dall-e-3", "dall-e-2"] {
        let r = run_all(&openai(&o, model, LONG), &[]).await;
        assert!(r.is_ok(), "{model}: {r}");
    }
    assert!(o.violations().is_empty(), "{:?}", o.violations());
}

#[tokio::test]
async fn pexels_maps_every_fault() {
    let fake = FakePexels::start().await.unwrap();
    let source = pexels(&fake, Duration::from_secs(1));
    let table = stock_faults();
    check_faults(&source, &|f| fake.push_fault(f), PEXELS_KEY, &table).await;
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn stability_maps_every_fault() {
    let fake = FakeStability::start().await.unwrap();
    let source = stability(&fake, StabilityModel::Core, Duration::from_secs(1));
    let mut table = common_faults();
    table.extend([
        (Fault::QuotaExhausted, ErrorKind::QuotaExhausted, None),
        (Fault::ContentModeration, ErrorKind::ContentPolicy, None),
        (Fault::ContentFiltered, ErrorKind::ContentPolicy, None),
        (
            Fault::RateLimited {
                retry_after_secs: None,
            },
            ErrorKind::RateLimited,
            None,
        ),
    ]);
    check_faults(&source, &|f| fake.push_fault(f), STABILITY_KEY, &table).await;

    // The typed errors keep Stability's error name as the code.
    let push = |f| fake.push_fault(f);
    let e = fault_error(&source, &push, Fault::ContentModeration).await;
    assert_eq!(
        (e.status(), e.code()),
        (Some(403), Some("content_moderation"))
    );
    assert!(e.should_fallback() && !e.is_retryable());
    let e = fault_error(&source, &push, Fault::QuotaExhausted).await;
    assert_eq!(
        (e.status(), e.code()),
        (Some(402), Some("payment_required"))
    );
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn openai_images_maps_every_fault() {
    let fake = FakeOpenAiImages::start().await.unwrap();
    let source = openai(&fake, "gpt-image-1", Duration::from_secs(1));
    let mut table = common_faults();
    table.extend([
        (Fault::QuotaExhausted, ErrorKind::QuotaExhausted, None),
        (Fault::ContentModeration, ErrorKind::ContentPolicy, None),
        (Fault::MalformedBody, ErrorKind::InvalidResponse, None),
    ]);
    check_faults(&source, &|f| fake.push_fault(f), OPENAI_KEY, &table).await;

    let e = fault_error(&source, &|f| fake.push_fault(f), Fault::QuotaExhausted).await;
    assert_eq!(e.code(), Some("insufficient_quota"));
    assert_eq!(e.request_id(), Some("req_fake_images"));
    assert!(!e.is_retryable() && e.should_fallback());
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn secrets_never_appear_in_debug_display_or_errors() {
    let p = FakePexels::start().await.unwrap();
    let s = FakeStability::start().await.unwrap();
    let o = FakeOpenAiImages::start().await.unwrap();
    let px = pexels(&p, LONG);
    let st = stability(&s, StabilityModel::Ultra, LONG);
    let oa = openai(&o, "dall-e-3", LONG);
    let texts = [
        format!("{px:?} {px} {:?}", px.config()),
        format!("{st:?} {st} {:?}", st.config()),
        format!("{oa:?} {oa} {:?}", oa.config()),
    ];
    for (text, key) in texts.iter().zip([PEXELS_KEY, STABILITY_KEY, OPENAI_KEY]) {
        assert!(!text.contains(key), "{text}");
        assert!(!text.contains("SECRET"), "{text}");
    }

    // Wrong keys: the server says 401; neither key shows up in the error.
    let wrong = "wrong-SECRET-key";
    let sources: Vec<DynImageSource> = vec![
        Arc::new(
            Pexels::new(PexelsConfig::new(wrong.to_owned().into()).with_base_url(p.base_url()))
                .unwrap(),
        ),
        Arc::new(
            Stability::new(
                StabilityConfig::new(StabilityModel::Core, wrong.to_owned().into())
                    .with_base_url(s.base_url()),
            )
            .unwrap(),
        ),
        Arc::new(
            OpenAiImages::new(
                OpenAiImagesConfig::openai("gpt-image-1", wrong.to_owned().into())
                    .with_base_url(o.base_url()),
            )
            .unwrap(),
        ),
    ];
    for src in &sources {
        let e = src
            .fetch(&ImageRequest::new("cat", 8, 8))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unauthenticated, "{src}: {e}");
        let text = format!("{e} {e:?} {src:?}");
        assert!(!text.contains("SECRET"), "{text}");
    }
    // The keys were really sent, in each vendor's format.
    assert_eq!(p.requests()[0].authorization.as_deref(), Some(wrong));
    assert_eq!(
        s.requests()[0].authorization.as_deref(),
        Some("Bearer wrong-SECRET-key")
    );
    assert_eq!(
        o.requests()[0].authorization.as_deref(),
        Some("Bearer wrong-SECRET-key")
    );
    // A transport failure (nothing listening) names no key either.
    let dead = Stability::new(
        StabilityConfig::new(StabilityModel::Core, STABILITY_KEY.to_owned().into())
            .with_base_url("http://127.0.0.1:9"),
    )
    .unwrap();
    let e = dead
        .fetch(&ImageRequest::new("cat", 8, 8))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert!(!format!("{e} {e:?}").contains("SECRET"));
}

#[tokio::test]
async fn stability_speaks_multipart_and_reports_its_tier() {
    let fake = FakeStability::start().await.unwrap();
    let core = stability(&fake, StabilityModel::Core, LONG);
    let resp = core
        .fetch(&ImageRequest::new("a red fox in snow", 1080, 1920).with_seed(42))
        .await
        .unwrap();
    let v = &resp.visuals[0];
    assert_eq!((v.width, v.height), (768, 1344), "9:16 at one megapixel");
    assert_eq!(decode_visual(v).unwrap().mime(), "image/png");
    assert!(v.id.starts_with("stability:core:"), "{}", v.id);
    assert_eq!((resp.usage.images, resp.usage.requests), (1, 1));
    let info = core.info();
    assert_eq!(
        (info.provider.as_str(), info.model.as_str()),
        ("stability", "core")
    );
    assert!(info.capabilities.paid);

    let req = &fake.requests()[0];
    assert_eq!(req.path, "/v2beta/stable-image/generate/core");
    assert_eq!(
        req.authorization.as_deref(),
        Some(format!("Bearer {STABILITY_KEY}").as_str())
    );
    assert_eq!(req.accept.as_deref(), Some("image/*"));
    assert!(
        req.content_type
            .as_deref()
            .unwrap()
            .starts_with("multipart/form-data; boundary=")
    );
    assert_eq!(req.form_value("prompt"), Some("a red fox in snow"));
    assert_eq!(req.form_value("aspect_ratio"), Some("9:16"));
    assert_eq!(req.form_value("output_format"), Some("png"));
    assert_eq!(
        req.form_value("seed"),
        Some("43"),
        "folded into 1..=4294967294"
    );
    assert_eq!(req.form_value("model"), None);

    // Same seed, same picture, same content-addressed id.
    let again = core
        .fetch(&ImageRequest::new("a red fox in snow", 1080, 1920).with_seed(42))
        .await
        .unwrap();
    assert_eq!(again.visuals[0].id, v.id);

    // SD3.5 goes to /sd3 with a model field; Ultra to /ultra. Prices follow the tiers.
    let sd = stability(&fake, StabilityModel::Sd35Large, LONG);
    sd.fetch(&ImageRequest::new("a red fox", 1920, 1080))
        .await
        .unwrap();
    let last = fake.requests().pop().unwrap();
    assert_eq!(last.path, "/v2beta/stable-image/generate/sd3");
    assert_eq!(last.form_value("model"), Some("sd3.5-large"));
    assert_eq!(last.form_value("aspect_ratio"), Some("16:9"));
    assert_eq!(last.form_value("seed"), None, "no seed: random");
    assert_eq!(sd.info().model, "sd3.5-large");
    assert!((StabilityModel::Ultra.usd_per_image() - 0.08).abs() < 1e-9);
    assert!((StabilityModel::Core.usd_per_image() - 0.03).abs() < 1e-9);
    assert!((StabilityModel::Sd35Large.usd_per_image() - 0.065).abs() < 1e-9);

    // count is capped by max_images (default 1): a selector asking for 4 pays for one.
    let r = core
        .fetch(&ImageRequest::new("fox", 64, 64).with_count(4))
        .await
        .unwrap();
    assert_eq!((r.visuals.len(), r.usage.images), (1, 1));
    let many = Stability::new(
        StabilityConfig::new(StabilityModel::Core, STABILITY_KEY.to_owned().into())
            .with_base_url(fake.base_url())
            .with_max_images(3),
    )
    .unwrap();
    let r = many
        .fetch(&ImageRequest::new("fox", 64, 64).with_count(2))
        .await
        .unwrap();
    assert_eq!(
        (r.visuals.len(), r.usage.images, r.usage.requests),
        (2, 2, 2)
    );
    assert_ne!(r.visuals[0].id, r.visuals[1].id);

    // A too-long prompt is refused before sending.
    let before = fake.requests().len();
    let e = core
        .fetch(&ImageRequest::new("x".repeat(10_001), 64, 64))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    assert_eq!(fake.requests().len(), before);
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn openai_images_follow_the_spec_per_model() -> Result<()> {
    let fake = FakeOpenAiImages::start().await?;
    let gpt = openai(&fake, "gpt-image-1", LONG);
    let resp = gpt
        .fetch(&ImageRequest::new("an octopus", 1080, 1920))
        .await?;
    let v = &resp.visuals[0];
    assert_eq!((v.width, v.height), (1024, 1536));
    assert_eq!(v.provider, "openai");
    assert!(resp.usage.output_tokens > 0 && resp.usage.input_tokens > 0);
    assert_eq!((resp.usage.images, resp.usage.requests), (1, 1));
    let body = fake.requests()[0].json.clone();
    assert_eq!(body["model"], "gpt-image-1");
    assert_eq!(body["size"], "1024x1536");
    assert_eq!(body["n"], 1);
    assert!(body.get("response_format").is_none(), "{body}");
    assert_eq!(
        fake.requests()[0].authorization.as_deref(),
        Some(format!("Bearer {OPENAI_KEY}").as_str())
    );

    let dalle = OpenAiImages::new(
        OpenAiImagesConfig::openai("dall-e-3", OPENAI_KEY.to_owned().into())
            .with_base_url(fake.base_url())
            .with_quality("hd")
            .with_max_images(5),
    )?;
    let resp = dalle
        .fetch(&ImageRequest::new("a comet", 1920, 1080).with_count(3))
        .await?;
    assert_eq!(resp.visuals.len(), 1, "dall-e-3 makes one image per call");
    assert_eq!(
        (resp.visuals[0].width, resp.visuals[0].height),
        (1792, 1024)
    );
    let body = fake.requests().pop().unwrap().json;
    assert_eq!(
        (body["n"].as_u64(), body["response_format"].as_str()),
        (Some(1), Some("b64_json"))
    );
    assert_eq!(dalle.info().model, "dall-e-3-hd", "the catalog id for hd");

    let d2 = OpenAiImages::new(
        OpenAiImagesConfig::openai("dall-e-2", OPENAI_KEY.to_owned().into())
            .with_base_url(fake.base_url())
            .with_max_images(2),
    )?;
    let resp = d2
        .fetch(&ImageRequest::new("a kite", 200, 200).with_count(2))
        .await?;
    assert_eq!(resp.visuals.len(), 2);
    assert_eq!(resp.usage.images, 2);
    assert_eq!((resp.visuals[0].width, resp.visuals[0].height), (256, 256));

    // A compatible server answering with URLs: downloaded without the key.
    fake.answer_with_urls(true);
    let resp = gpt.fetch(&ImageRequest::new("a kite", 64, 64)).await?;
    assert_eq!(resp.visuals[0].width, 1024);
    let fetched = fake.requests().pop().unwrap();
    assert!(fetched.path.starts_with("/v1/fake-images/"));
    assert_eq!(fetched.authorization, None);
    fake.answer_with_urls(false);

    // Limits checked before sending.
    let before = fake.requests().len();
    let e = dalle
        .fetch(&ImageRequest::new("y".repeat(4_001), 64, 64))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    let e = gpt
        .fetch(&ImageRequest::new(" ", 64, 64))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    assert_eq!(fake.requests().len(), before);
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());

    // The fake itself refuses what the spec forbids.
    let http = reqwest_free_post(
        &fake.base_url(),
        r#"{"model":"gpt-image-1","prompt":"p","response_format":"b64_json"}"#,
    )
    .await;
    assert!(http.contains("400"), "{http}");
    assert_eq!(fake.violations().len(), 1, "{:?}", fake.violations());
    Ok(())
}

/// POST a raw JSON body with a raw TCP connection (no reqwest in the test's dependencies).
async fn reqwest_free_post(base: &str, body: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = base.trim_start_matches("http://").trim_end_matches("/v1");
    let mut s = tokio::net::TcpStream::connect(host).await.unwrap();
    let req = format!(
        "POST /v1/images/generations HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {OPENAI_KEY}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out.lines().next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn selector_falls_back_from_broken_stock_to_ai() {
    let p = FakePexels::start().await.unwrap();
    let s = FakeStability::start().await.unwrap();
    // Every stock download is an HTML error page.
    p.fail_always(Some(Fault::HtmlImage));
    let chain: Vec<DynImageSource> = vec![
        Arc::new(pexels(&p, LONG)),
        Arc::new(stability(&s, StabilityModel::Core, LONG)),
        Arc::new(Procedural::new()),
    ];
    let mut selector = VisualSelector::new(
        chain,
        SelectorConfig::new(180, 320).with_min_resolution(90, 160),
    );
    let picked = selector.select_query("octopus camouflage").await.unwrap();
    assert_eq!(picked.source, "stability/core");
    assert_eq!(picked.visual.provider, "stability");
    assert!(picked.visual.id.starts_with("stability:core:"));
    assert_eq!((picked.visual.width, picked.visual.height), (180, 320));
    assert!(!picked.skipped.is_empty());
    assert!(
        picked
            .skipped
            .iter()
            .all(|e| e.kind() == ErrorKind::InvalidResponse),
        "{:?}",
        picked.skipped
    );
    assert!(picked.usage.images >= 1);
    assert!(s.requests().len() == 1 && p.requests().len() >= 2);

    // Stock healed: the next scene comes from Pexels, with its credit.
    p.fail_always(None);
    let picked = selector.select_query("coral reef").await.unwrap();
    assert_eq!(picked.source, "Pexels");
    assert!(picked.visual.attribution.is_some());
}

/// Each source's `from_env_with` reads its key and base URL (`PEXELS_BASE_URL`,
/// `STABILITY_BASE_URL`, `OPENAI_BASE_URL`) through the lookup, so no test touches the
/// process environment; the source then fetches from the fake there. A bad base URL is an
/// error naming its variable.
#[tokio::test]
async fn from_env_points_every_source_at_its_base_url() {
    let (p, s, o) = (
        FakePexels::start().await.unwrap(),
        FakeStability::start().await.unwrap(),
        FakeOpenAiImages::start().await.unwrap(),
    );
    p.require_key(PEXELS_KEY);
    s.require_key(STABILITY_KEY);
    o.require_key(OPENAI_KEY);
    let pexels = Pexels::new(
        PexelsConfig::from_env_with(env_lookup(vec![
            ("PEXELS_API_KEY", PEXELS_KEY.into()),
            ("PEXELS_BASE_URL", p.base_url()),
        ]))
        .unwrap(),
    )
    .unwrap();
    let stability = Stability::new(
        StabilityConfig::from_env_with(
            StabilityModel::Core,
            env_lookup(vec![
                ("STABILITY_API_KEY", STABILITY_KEY.into()),
                ("STABILITY_BASE_URL", format!("{}/", s.base_url())),
            ]),
        )
        .unwrap(),
    )
    .unwrap();
    let openai = OpenAiImages::new(
        OpenAiImagesConfig::from_env_with(
            "gpt-image-1",
            env_lookup(vec![
                ("OPENAI_API_KEY", OPENAI_KEY.into()),
                ("OPENAI_BASE_URL", o.base_url()),
            ]),
        )
        .unwrap(),
    )
    .unwrap();
    let req = ImageRequest::new("a lighthouse at dusk", 64, 48);
    let sources: [&dyn ImageSource; 3] = [&pexels, &stability, &openai];
    for source in sources {
        let got = source.fetch(&req).await.unwrap();
        assert!(!got.visuals.is_empty(), "{source:?}");
    }
    assert!(p.violations().is_empty() && s.violations().is_empty() && o.violations().is_empty());

    for var in ["PEXELS_BASE_URL", "STABILITY_BASE_URL", "OPENAI_BASE_URL"] {
        let bad = env_lookup(vec![
            ("PEXELS_API_KEY", "k".to_owned()),
            ("STABILITY_API_KEY", "k".to_owned()),
            ("OPENAI_API_KEY", "k".to_owned()),
            (var, "file:///etc/hosts".to_owned()),
        ]);
        let err = match var {
            "PEXELS_BASE_URL" => PexelsConfig::from_env_with(bad).err(),
            "STABILITY_BASE_URL" => StabilityConfig::from_env_with(StabilityModel::Core, bad).err(),
            _ => OpenAiImagesConfig::from_env_with("gpt-image-1", bad).err(),
        }
        .unwrap();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(
            err.message().starts_with(&format!("{var} must be")),
            "{err}"
        );
    }
}
