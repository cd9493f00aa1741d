//! Five content scenarios × 20 topics through the offline writer and through the
//! OpenAI-compatible loopback fake: every script validates and fits its duration ±15 %. The
//! fake answers with its own fixture scripts (not the offline writer's), and one answer in
//! four is malformed, breaks the schema or misses the plan, so the repair loop runs.

use std::sync::Arc;
use std::time::Duration;

use ytempire_core::{ChannelProfile, Topic};
use ytempire_llm::{ContentScenario, GeneratedScript, OfflineWriter, ScriptRequest, ScriptWriter};

const TOPICS: [&str; 20] = [
    "Why the sky is blue",
    "How octopuses change colour",
    "The history of the printing press",
    "How compound interest works",
    "Why cats purr",
    "How volcanoes form",
    "The science of sleep",
    "How bees make honey",
    "Why we dream",
    "How GPS finds your location",
    "The rise of electric cars",
    "How to start running",
    "Why leaves change colour in autumn",
    "How the immune system fights colds",
    "The story of the Great Wall of China",
    "How to save money on groceries",
    "Why the ocean is salty",
    "How airplanes stay in the air",
    "The future of space travel",
    "How coffee affects your brain",
];

fn check(out: &GeneratedScript, secs: u64, channel: &ChannelProfile) {
    let dur = out.script.estimated_duration_secs(channel.words_per_minute);
    let err = (dur - secs as f64).abs() / secs as f64;
    assert!(err <= 0.15, "{}: {dur:.1}s for {secs}s", out.script.title);
    assert!(
        out.metadata.validate().is_ok(),
        "{:?}",
        out.metadata.validate()
    );
    assert!(!out.script.hook.is_empty() && !out.script.outro.is_empty());
    assert!(out.script.scenes.iter().all(|s| !s.narration.is_empty()
        && !s.visual_cue.is_empty()
        && s.on_screen_text.is_some()));
    assert_eq!(out.script.template.as_deref(), Some(out.template.as_str()));
    assert!(out.template.ends_with("@1"), "{}", out.template);
}

/// Before each script, `before(n)` may queue something (the fake's broken answers); it
/// returns the attempts that script must take.
async fn run_all(writer: &ScriptWriter, before: impl Fn(usize) -> u32) -> Vec<GeneratedScript> {
    let channel = ChannelProfile::new("Curious Minds", "science and everyday life");
    let mut out = Vec::new();
    for (i, title) in TOPICS.iter().enumerate() {
        for scenario in ContentScenario::ALL {
            let n = out.len();
            let secs = [45_u64, 60, 120, 300][(i + n) % 4];
            let topic = if i % 3 == 0 {
                Topic::new(*title).with_notes(
                    "Experts agree the basics are simple. The details surprise most people.",
                )
            } else {
                Topic::new(*title)
            };
            let req = ScriptRequest::new(topic, channel.clone(), Duration::from_secs(secs))
                .with_scenario(scenario);
            let attempts = before(n);
            let script = writer
                .write(&req)
                .await
                .unwrap_or_else(|e| panic!("{title} / {scenario}: {e}"));
            assert_eq!(script.attempts, attempts, "{title} / {scenario}");
            check(&script, secs, &channel);
            out.push(script);
        }
    }
    out
}

#[tokio::test]
async fn offline_writer_covers_every_scenario_and_topic() {
    let writer = ScriptWriter::new(Arc::new(OfflineWriter::new()));
    assert_eq!(run_all(&writer, |_| 1).await.len(), 100);
}

#[cfg(feature = "testing")]
#[tokio::test]
async fn loopback_openai_fake_covers_every_scenario_and_topic() {
    use ytempire_llm::testing::{FIXTURE_CUE, FakeOpenAi, FakeReply};
    use ytempire_llm::{OpenAiCompatible, OpenAiConfig};
    let fake = FakeOpenAi::start().await.unwrap();
    let cfg = OpenAiConfig::openai("gpt-4o-mini", "sk-test".to_owned().into())
        .with_base_url(fake.base_url());
    let writer = ScriptWriter::new(Arc::new(OpenAiCompatible::new(cfg).unwrap()));
    let broken = [
        FakeReply::MalformedScript,
        FakeReply::SchemaViolatingScript,
        FakeReply::OffPlanScript,
    ];
    let scripts = run_all(&writer, |n| {
        if n % 4 == 3 {
            fake.push([broken[(n / 4) % 3].clone()]);
            2
        } else {
            1
        }
    })
    .await;
    assert_eq!(scripts.len(), 100);
    assert_eq!(fake.requests().len(), 125, "100 scripts, 25 repaired");
    assert_eq!(fake.violations(), Vec::<String>::new());
    let first = &fake.requests()[0].json;
    assert_eq!(first["response_format"]["type"], "json_schema");
    assert_eq!(first["response_format"]["json_schema"]["strict"], true);

    // Every script is the fake's, not the offline writer's.
    let offline = run_all(&ScriptWriter::new(Arc::new(OfflineWriter::new())), |_| 1).await;
    for (ours, theirs) in scripts.iter().zip(&offline) {
        assert!(
            ours.script
                .scenes
                .iter()
                .all(|s| s.visual_cue.contains(FIXTURE_CUE)),
            "{:?}",
            ours.script.scenes[0]
        );
        assert_ne!(ours.script.hook, theirs.script.hook);
        assert_ne!(
            ours.script.scenes[0].narration,
            theirs.script.scenes[0].narration
        );
    }
    // Each broken answer was sent back with what was wrong with it.
    let repairs: Vec<String> = fake
        .requests()
        .iter()
        .filter_map(|r| {
            let msgs = r.json["messages"].as_array()?;
            (msgs.len() > 2).then(|| msgs.last()?["content"].as_str().map(str::to_owned))?
        })
        .collect();
    assert_eq!(repairs.len(), 25);
    assert!(
        repairs.iter().any(|r| r.contains("not valid JSON")),
        "{repairs:?}"
    );
    assert!(
        repairs
            .iter()
            .any(|r| r.contains("missing field `visual_cue`")),
        "{repairs:?}"
    );
    assert!(
        repairs.iter().any(|r| r.contains("there must be")),
        "{repairs:?}"
    );
}

/// The offline writer writes English only: for a German channel its script (and so the
/// voice and captions that follow it) says English, while a language model's script keeps
/// the channel's language.
#[cfg(feature = "testing")]
#[tokio::test]
async fn offline_script_for_another_language_is_labelled_english() {
    use ytempire_llm::testing::FakeOpenAi;
    let mut channel = ChannelProfile::new("Wissen", "science");
    channel.language = "de".into();
    let req = ScriptRequest::new(
        Topic::new("Why the sky is blue"),
        channel.clone(),
        Duration::from_secs(60),
    );
    let offline = ScriptWriter::new(Arc::new(OfflineWriter::new()))
        .write(&req)
        .await
        .unwrap();
    assert_eq!(offline.script.language, "en");
    assert_eq!(offline.metadata.language.as_deref(), Some("en"));

    let fake = FakeOpenAi::start().await.unwrap();
    let cfg = ytempire_llm::OpenAiConfig::openai("gpt-4o-mini", "sk-test".to_owned().into())
        .with_base_url(fake.base_url());
    let model = ScriptWriter::new(Arc::new(ytempire_llm::OpenAiCompatible::new(cfg).unwrap()))
        .write(&req)
        .await
        .unwrap();
    assert_eq!(model.script.language, "de");
    assert_eq!(model.metadata.language.as_deref(), Some("de"));
}
