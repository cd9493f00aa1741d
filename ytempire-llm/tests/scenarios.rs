//! Five content scenarios × 20 topics through the offline writer and through the
//! OpenAI-compatible loopback fake: every script validates and fits its duration ±15 %.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

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

async fn run_all(writer: &ScriptWriter) -> usize {
    let channel = ChannelProfile::new("Curious Minds", "science and everyday life");
    let mut n = 0;
    for (i, title) in TOPICS.iter().enumerate() {
        for scenario in ContentScenario::ALL {
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
            let out = writer
                .write(&req)
                .await
                .unwrap_or_else(|e| panic!("{title} / {scenario}: {e}"));
            assert_eq!(out.attempts, 1, "{title} / {scenario}");
            check(&out, secs, &channel);
            n += 1;
        }
    }
    n
}

#[tokio::test]
async fn offline_writer_covers_every_scenario_and_topic() {
    let writer = ScriptWriter::new(Arc::new(OfflineWriter::new()));
    assert_eq!(run_all(&writer).await, 100);
}

#[cfg(feature = "testing")]
#[tokio::test]
async fn loopback_openai_fake_covers_every_scenario_and_topic() {
    use ytempire_llm::testing::FakeOpenAi;
    use ytempire_llm::{OpenAiCompatible, OpenAiConfig};
    let fake = FakeOpenAi::start().await.unwrap();
    let cfg = OpenAiConfig::openai("gpt-4o-mini", "sk-test".to_owned().into())
        .with_base_url(fake.base_url());
    let writer = ScriptWriter::new(Arc::new(OpenAiCompatible::new(cfg).unwrap()));
    assert_eq!(run_all(&writer).await, 100);
    assert_eq!(fake.violations(), Vec::<String>::new());
    let first = &fake.requests()[0];
    assert_eq!(first["response_format"]["type"], "json_schema");
    assert_eq!(first["response_format"]["json_schema"]["strict"], true);
}
