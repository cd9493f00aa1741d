use std::time::Duration;

use ytempire_core::{ChannelProfile, LanguageModel, Message, ResponseFormat, Topic};

use super::*;
use crate::script::Tolerance;

#[test]
fn drafts_are_deterministic_sized_and_valid() {
    let ch = ChannelProfile::new("Deep Sea Facts", "marine biology");
    for secs in [30_u64, 60, 180, 600] {
        let topic = Topic::new("How octopuses change colour").with_keywords(["octopus", "skin"]);
        let brief = Brief::new(&topic, &ch, Duration::from_secs(secs), None);
        let a = OfflineWriter::new().draft(&brief);
        let b = OfflineWriter::new().draft(&brief);
        assert_eq!(a, b);
        let problems = a.problems(&brief.plan, &Tolerance::default(), &ch);
        assert!(problems.is_empty(), "{secs}s: {problems:?}\n{a:#?}");
        let script = a.to_script(&brief.plan, "en");
        let err = (script.estimated_duration_secs(150) - secs as f64).abs() / secs as f64;
        assert!(err <= 0.10, "{secs}s: off by {err}");
    }
}

#[test]
fn notes_are_used_before_banked_sentences() {
    let ch = ChannelProfile::default();
    let topic = Topic::new("The story of the Lighthouse of Alexandria").with_notes(
        "It was built on the island of Pharos around 280 BC. Earthquakes damaged it in the \
         fourteenth century. Its stones were reused in a fortress.",
    );
    let brief = Brief::new(&topic, &ch, Duration::from_secs(90), None);
    assert_eq!(brief.scenario, ContentScenario::Story);
    let draft = OfflineWriter::new().draft(&brief);
    let all: String = draft.scenes.iter().map(|s| s.narration.as_str()).collect();
    assert!(all.contains("island of Pharos around 280 BC."), "{all}");
    assert!(all.contains("Earthquakes damaged it"), "{all}");
}

#[test]
fn listicle_items_come_from_bulleted_notes() {
    let ch = ChannelProfile::default();
    let topic = Topic::new("3 habits of calm people")
        .with_notes("- Walk every morning\n- Write things down\n- Say no more often");
    let brief = Brief::new(&topic, &ch, Duration::from_secs(120), None);
    assert_eq!(brief.plan.scenes, 3);
    let draft = OfflineWriter::new().draft(&brief);
    assert!(
        draft.scenes[0].narration.contains("Walk every morning"),
        "{draft:#?}"
    );
    assert!(draft.scenes[0].narration.contains("3"), "{draft:#?}");
    assert!(
        draft.scenes[2].narration.contains("Say no more often"),
        "{draft:#?}"
    );
}

#[tokio::test]
async fn answers_script_prompts_as_a_language_model() {
    let ch = ChannelProfile::default();
    let brief = Brief::new(
        &Topic::new("Why the sky is blue"),
        &ch,
        Duration::from_secs(60),
        None,
    );
    let req = ChatRequest::new(vec![Message::user(format!(
        "write\nBRIEF: {}",
        brief.to_line()
    ))])
    .with_format(ResponseFormat::JsonObject);
    let resp = OfflineWriter::new().complete(&req).await.unwrap();
    let draft = crate::script::parse_draft(&resp.text).unwrap();
    assert_eq!(draft, OfflineWriter::new().draft(&brief));
    assert!(resp.usage.output_tokens > 0);
    assert!(!OfflineWriter::new().info().capabilities.paid);

    let plain = ChatRequest::new(vec![Message::user("Volcanoes")]);
    let text = OfflineWriter::new().complete(&plain).await.unwrap().text;
    assert!(text.to_lowercase().contains("volcanoes"), "{text}");
    let short = OfflineWriter::new()
        .complete(&plain.clone().with_max_tokens(5))
        .await
        .unwrap();
    assert_eq!(short.finish_reason, ytempire_core::FinishReason::Length);
    assert!(short.text.chars().count() <= 20);
}
