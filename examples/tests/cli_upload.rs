//! `ytempire make --upload` end to end through the built binary against loopback fakes: the
//! language model is ytempire-llm's fake OpenAI, the narration ytempire-tts's fake ElevenLabs,
//! the visuals ytempire-render's fake Pexels, YouTube is ytempire-youtube's fake. The
//! first account's project has no quota left, so rotation uploads with the second; and a
//! run killed during the upload resumes its session on rerun, repeating no paid call.

use crate::cli_common;

use std::time::Duration;

use cli_common::fakes::{FIRST, SECOND, SOLO, Stack, inserts};
use cli_common::{ALL_RESUMED, TOPIC, assert_mentions, make_args};
use ytempire_youtube::testing::Fault;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn make_upload_rotates_to_the_account_with_quota() {
    let fakes = Stack::start().await;
    let Stack { llm, yt, media, .. } = &fakes;
    llm.require_key("sk-test-key");
    let cfg = fakes.config(&[FIRST, SECOND]).await;
    yt.set_quota_limit("project-a", 0);

    let args = make_args(&cfg, &["--upload", TOPIC]);
    let out = fakes
        .ytempire(&args, "e2e")
        .wait(Duration::from_secs(240))
        .await;
    assert_eq!(out.code, Some(0), "{out:?}");

    let videos = yt.videos();
    assert_eq!(videos.len(), 1, "{out:?}");
    assert_eq!(
        videos[0].account, "second",
        "rotation skipped the spent project"
    );
    let printed = cli_common::printed_paths(&out.stdout, "video:");
    assert_eq!(
        videos[0].bytes,
        std::fs::read(&printed[0]).unwrap(),
        "the fake stored the video exactly"
    );
    let thumbs = yt.thumbnails();
    assert!(
        thumbs.contains_key(&videos[0].id),
        "thumbnail set: {thumbs:?}"
    );
    assert!(yt.violations().is_empty(), "{:?}", yt.violations());
    assert!(
        !llm.requests().is_empty(),
        "the script came from the fake OpenAI"
    );
    assert!(llm.violations().is_empty(), "{:?}", llm.violations());
    // The script from the fake OpenAI, the narration from the fake ElevenLabs, the visuals
    // from the fake Pexels.
    let by = [
        "script by:  openai/gpt-4o-mini",
        "account second",
        "spoken by:  elevenlabs/",
        "visuals by: pexels/",
    ];
    assert_mentions(&out.stdout, &by);
    assert!(!media.voice.requests().is_empty());
    assert!(media.stock.api_requests() > 0);
    assert!(
        media.stock.violations().is_empty(),
        "{:?}",
        media.stock.violations()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_during_upload_resumes_the_session_and_pays_nothing_twice() {
    let fakes = Stack::start().await;
    let Stack { llm, yt, media, .. } = &fakes;
    let cfg = fakes.config(&[SOLO]).await;
    // The first two chunk attempts fail with 503: the uploader backs off (≥ 0.5 s, then
    // ≥ 1 s) with its session open, the window this test kills it in.
    for chunk in [1, 2] {
        yt.inject(Fault::ServerErrorOnChunk { chunk, status: 503 });
    }
    let args = make_args(&cfg, &["--upload", "--job", "crash", TOPIC]);

    let mut running = fakes.ytempire(&args, "first");
    let chunk_sent = || yt.requests().iter().any(|r| r.method == "PUT");
    running
        .until("an upload chunk", Duration::from_secs(240), chunk_sent)
        .await;
    let first = running.kill();
    assert_eq!(first.code, None, "killed: {first:?}");
    assert!(yt.videos().is_empty(), "killed before the upload finished");
    assert_eq!(inserts(yt), 1);
    let llm_calls = llm.requests().len();
    assert!(llm_calls >= 1);
    let voice_calls = media.voice.requests().len();
    let stock_calls = media.stock.api_requests();
    assert!(voice_calls >= 1 && stock_calls >= 1);

    let out = fakes
        .ytempire(&args, "second")
        .wait(Duration::from_secs(120))
        .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(yt.videos().len(), 1, "{out:?}");
    assert_eq!(
        inserts(yt),
        1,
        "the rerun resumed the session: one videos.insert"
    );
    let printed = cli_common::printed_paths(&out.stdout, "video:");
    assert_eq!(
        yt.videos()[0].bytes,
        std::fs::read(&printed[0]).unwrap(),
        "the resumed upload is byte-identical"
    );
    assert_eq!(
        yt.open_sessions(),
        0,
        "the session was completed, not abandoned"
    );
    assert_eq!(
        llm.requests().len(),
        llm_calls,
        "the script was not paid for twice"
    );
    assert_eq!(
        media.voice.requests().len(),
        voice_calls,
        "the narration was not paid for twice"
    );
    assert_eq!(
        media.stock.api_requests(),
        stock_calls,
        "no stock search was repeated"
    );
    assert!(out.stdout.contains(ALL_RESUMED), "{}", out.stdout);
    let ledger = ytempire_examples::open_ledger(&fakes.path().join("data/ledger.sqlite")).unwrap();
    let script_calls = ledger
        .entries()
        .unwrap()
        .iter()
        .filter(|e| e.job.as_deref() == Some("crash") && e.stage.as_deref() == Some("script"))
        .count();
    assert_eq!(
        script_calls, llm_calls,
        "one ledger row per paid script call, none repeated"
    );
}
