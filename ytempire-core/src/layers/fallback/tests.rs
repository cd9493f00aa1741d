use super::*;
use crate::layers::{
    ImageSourceLayers, LanguageModelLayers, SpeechSynthesizerLayers, TrendSourceLayers,
    UploaderLayers,
};
use crate::testing::{FakeImage, FakeLlm, FakeTrend, FakeTts, FakeUploader};
use crate::{ErrorKind, LanguageModel, LanguageModelExt, SpeechRequest, SpeechSynthesizer};

#[tokio::test]
async fn quota_exhausted_falls_back_in_order() {
    let a = Arc::new(FakeLlm::new().named("fake", "m1"));
    let b = Arc::new(FakeLlm::new().named("fake", "m2"));
    a.fail_next(ErrorKind::QuotaExhausted);
    let chain: Fallback<dyn LanguageModel> = Fallback::new(vec![a.clone(), b.clone()]);
    assert_eq!(chain.complete_text("hi").await.unwrap(), "echo: hi");
    assert_eq!((a.calls(), b.calls()), (1, 1));
    assert_eq!(chain.to_string(), "Fallback[fake/m1, fake/m2]");
}

#[tokio::test]
async fn aggregate_error_lists_every_attempt() {
    let a = Arc::new(FakeLlm::new().named("fake", "m1"));
    let b = Arc::new(FakeLlm::new().named("fake", "m2"));
    a.fail_next(ErrorKind::Upstream);
    b.fail_next(ErrorKind::QuotaExhausted);
    let chain: Fallback<dyn LanguageModel> = Fallback::new(vec![a, b]);
    let err = chain.complete_text("hi").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::QuotaExhausted);
    let kinds: Vec<_> = err
        .related()
        .iter()
        .map(|e| (e.kind(), e.provider()))
        .collect();
    assert_eq!(
        kinds,
        [
            (ErrorKind::Upstream, Some("fake/m1")),
            (ErrorKind::QuotaExhausted, Some("fake/m2"))
        ]
    );
    assert!(err.to_string().contains("attempt 2"), "{err}");
}

#[tokio::test]
async fn invalid_request_stops_the_chain() {
    let a = Arc::new(FakeLlm::new());
    let b = Arc::new(FakeLlm::new());
    a.fail_next(ErrorKind::InvalidRequest);
    let chain: Fallback<dyn LanguageModel> = Fallback::new(vec![a.clone(), b.clone()]);
    let err = chain.complete_text("hi").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert_eq!((a.calls(), b.calls()), (1, 0));
}

#[tokio::test]
async fn unsupported_provider_is_skipped_up_front() {
    let plain = Arc::new(FakeTts::new().named("fake", "plain"));
    let ssml = Arc::new(FakeTts::new().with_ssml(true).named("fake", "ssml"));
    let chain: Fallback<dyn SpeechSynthesizer> = Fallback::new(vec![plain.clone(), ssml.clone()]);
    chain
        .synthesize(&SpeechRequest::ssml("<speak>hi there</speak>"))
        .await
        .unwrap();
    assert_eq!((plain.calls(), ssml.calls()), (0, 1));
    let only_plain: Fallback<dyn SpeechSynthesizer> = Fallback::new(vec![plain.clone()]);
    let err = only_plain
        .synthesize(&SpeechRequest::ssml("<speak>hi</speak>"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert_eq!(err.related()[0].provider(), Some("fake/plain"));
    assert_eq!(plain.calls(), 0);
}

#[tokio::test]
async fn info_is_first_provider_with_intersection() {
    let chain: Fallback<dyn SpeechSynthesizer> = Fallback::new(vec![
        FakeTts::new().with_ssml(true).named("a", "1").into_dyn(),
        FakeTts::new().named("b", "2").into_dyn(),
    ]);
    let info = chain.info();
    assert_eq!(info.label(), "a/1");
    assert!(!info.capabilities.ssml);
    assert!(info.capabilities.word_timings);
    let empty: Fallback<dyn LanguageModel> = Fallback::new(Vec::new());
    assert_eq!(
        empty.complete_text("x").await.unwrap_err().kind(),
        ErrorKind::Config
    );
}

#[tokio::test]
async fn conformance() {
    use crate::conformance::{image, llm, trend, tts, upload};
    let r = llm::run_all(
        &Fallback::new(vec![FakeLlm::new().into_dyn(), FakeLlm::new().into_dyn()]),
        &[],
    )
    .await;
    assert!(r.is_ok(), "{r}");
    let r = tts::run_all(&Fallback::new(vec![FakeTts::new().into_dyn()]), &[]).await;
    assert!(r.is_ok(), "{r}");
    let r = image::run_all(&Fallback::new(vec![FakeImage::new().into_dyn()]), &[]).await;
    assert!(r.is_ok(), "{r}");
    let r = trend::run_all(&Fallback::new(vec![FakeTrend::new().into_dyn()]), &[]).await;
    assert!(r.is_ok(), "{r}");
    let r = upload::run_all(&Fallback::new(vec![FakeUploader::new().into_dyn()]), &[]).await;
    assert!(r.is_ok(), "{r}");
}

/// The chain's `info()` names its first provider; the answer names the one that gave it.
#[tokio::test]
async fn answers_name_the_provider_that_answered() {
    use crate::{ImageRequest, ImageSource, Message, Provenance};
    let dead = Arc::new(FakeLlm::new().named("openai", "gpt-4o"));
    let alive = Arc::new(FakeLlm::new().named("offline", "template"));
    dead.fail_next(ErrorKind::Transport);
    let chain: Fallback<dyn LanguageModel> = Fallback::new(vec![dead, alive]);
    assert_eq!(chain.info().label(), "openai/gpt-4o");
    let resp = chain
        .complete(&crate::ChatRequest::new(vec![Message::user("hi")]))
        .await
        .unwrap();
    assert_eq!(
        resp.answered_by,
        Some(Provenance::new("offline", "template"))
    );

    let dead = Arc::new(FakeTts::new().named("elevenlabs", "eleven_v2"));
    let alive = Arc::new(FakeTts::new().named("espeak-ng", "en-us"));
    dead.fail_next(ErrorKind::QuotaExhausted);
    let chain: Fallback<dyn SpeechSynthesizer> = Fallback::new(vec![dead, alive]);
    let speech = chain.synthesize(&SpeechRequest::new("hi")).await.unwrap();
    assert_eq!(speech.provenance(&chain.info()).label(), "espeak-ng/en-us");

    let dead = Arc::new(FakeImage::new().named("pexels", "search"));
    let alive = Arc::new(FakeImage::new().named("procedural", "v1"));
    dead.fail_next(ErrorKind::Upstream);
    let chain: Fallback<dyn ImageSource> = Fallback::new(vec![dead, alive]);
    let resp = chain
        .fetch(&ImageRequest::new("reef", 64, 36).with_count(2))
        .await
        .unwrap();
    let by = Some(Provenance::new("procedural", "v1"));
    assert_eq!(resp.answered_by, by);
    assert!(!resp.visuals.is_empty());
    assert!(resp.visuals.iter().all(|v| v.answered_by == by));
}

/// A nested chain's answer keeps the innermost answering provider; a first provider that
/// answers is named too.
#[tokio::test]
async fn nested_chains_keep_the_innermost_answer() {
    let a = Arc::new(FakeLlm::new().named("a", "1"));
    let b = Arc::new(FakeLlm::new().named("b", "2"));
    a.fail_next(ErrorKind::Upstream);
    let inner: Arc<dyn LanguageModel> = Arc::new(Fallback::<dyn LanguageModel>::new(vec![a, b]));
    let outer: Fallback<dyn LanguageModel> =
        Fallback::new(vec![inner, FakeLlm::new().named("c", "3").into_dyn()]);
    let req = crate::ChatRequest::new(vec![crate::Message::user("x")]);
    let resp = outer.complete(&req).await.unwrap();
    assert_eq!(resp.answered_by.map(|p| p.label()).as_deref(), Some("b/2"));
    let resp = outer.complete(&req).await.unwrap();
    assert_eq!(resp.answered_by.map(|p| p.label()).as_deref(), Some("a/1"));
}
