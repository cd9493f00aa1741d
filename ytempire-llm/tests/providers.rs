//! OpenAI-compatible client against the loopback fake: conformance, error mapping, repair,
//! streaming, secrets, and the chain gpt-4o → gpt-4o-mini → OfflineWriter.
#![cfg(feature = "testing")]

use std::sync::Arc;
use std::time::Duration;

use crate::common;
use ytempire_core::conformance::llm::run_all;
use ytempire_core::layers::Fallback;
use ytempire_core::{ChatRequest, ErrorKind, LanguageModel, Message};

use ytempire_llm::testing::{FakeOpenAi, FakeReply};
use ytempire_llm::{OfflineWriter, OpenAiCompatible, OpenAiConfig, ScriptWriter};

fn client(fake: &FakeOpenAi, model: &str) -> OpenAiCompatible {
    let cfg = OpenAiConfig::openai(model, "sk-secret-123".to_owned().into())
        .with_base_url(fake.base_url())
        .with_timeout(Duration::from_secs(2));
    OpenAiCompatible::new(cfg).unwrap()
}

fn hello() -> ChatRequest {
    ChatRequest::new(vec![Message::user("hello")])
}

#[tokio::test]
async fn conformance_offline_and_openai_plain_and_streaming() {
    let r = run_all(&OfflineWriter::new(), &[]).await;
    assert!(r.is_ok(), "{r}");
    let fake = FakeOpenAi::start().await.unwrap();
    let r = run_all(&client(&fake, "gpt-4o"), &[]).await;
    assert!(r.is_ok(), "{r}");
    let cfg = OpenAiConfig::compatible("ollama", fake.base_url(), "llama3.1").with_streaming(true);
    let streaming = OpenAiCompatible::new(cfg).unwrap();
    let r = run_all(&streaming, &[]).await;
    assert!(r.is_ok(), "{r}");
    assert_eq!(fake.violations(), Vec::<String>::new());
    let last = fake.requests().pop().unwrap().json;
    assert_eq!(last["stream_options"]["include_usage"], true);
    assert!(last.get("max_tokens").is_some() || last.get("max_completion_tokens").is_none());
}

#[tokio::test]
async fn streaming_collects_text_and_usage() {
    let fake = FakeOpenAi::start().await.unwrap();
    fake.push([FakeReply::Text(
        "a streamed answer that spans more than one forty-character chunk".into(),
    )]);
    let cfg = OpenAiConfig::compatible("vllm", fake.base_url(), "m").with_streaming(true);
    let resp = OpenAiCompatible::new(cfg)
        .unwrap()
        .complete(&hello())
        .await
        .unwrap();
    assert_eq!(
        resp.text,
        "a streamed answer that spans more than one forty-character chunk"
    );
    assert!(resp.usage.output_tokens > 0 && resp.usage.input_tokens > 0);
}

#[tokio::test]
async fn errors_map_to_kinds() {
    let fake = FakeOpenAi::start().await.unwrap();
    let c = client(&fake, "gpt-4o");
    let cases = common::error_cases(FakeReply::RateLimited { secs: 7, ms: 1500 }, &[503]);
    common::assert_errors_map(&fake, &c, cases, "sk-secret-123", |_, err| {
        if err.kind() == ErrorKind::RateLimited {
            assert_eq!(err.retry_after(), Some(Duration::from_millis(1500)));
            assert_eq!(err.status(), Some(429));
        }
        if err.kind() == ErrorKind::QuotaExhausted {
            assert!(!err.is_retryable() && err.should_fallback());
        }
    })
    .await;
}

#[tokio::test]
async fn key_is_sent_but_never_shown() {
    let fake = FakeOpenAi::start().await.unwrap();
    fake.require_key("sk-secret-123");
    let c = client(&fake, "gpt-4o");
    assert!(c.complete(&hello()).await.is_ok());
    assert!(!format!("{c:?} {:?}", c.config()).contains("sk-secret-123"));
    let wrong = OpenAiCompatible::new(
        OpenAiConfig::openai("gpt-4o", "sk-wrong".to_owned().into()).with_base_url(fake.base_url()),
    )
    .unwrap();
    assert_eq!(
        wrong.complete(&hello()).await.unwrap_err().kind(),
        ErrorKind::Unauthenticated
    );
}

#[tokio::test]
async fn oversized_prompt_is_refused_before_sending() {
    let fake = FakeOpenAi::start().await.unwrap();
    let c = client(&fake, "gpt-4o");
    let huge = "word ".repeat(130_000);
    let err = c
        .complete(&ChatRequest::new(vec![Message::user(huge)]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ContextLengthExceeded);
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn invalid_json_first_then_repaired() {
    let fake = FakeOpenAi::start().await.unwrap();
    fake.push([FakeReply::Text(
        "Sure! Here is your script: (no JSON, sorry)".into(),
    )]);
    let writer = ScriptWriter::new(Arc::new(client(&fake, "gpt-4o")));
    let req = common::minute_script("Why cats purr");
    let out = writer.write(&req).await.unwrap();
    assert_eq!(out.attempts, 2);
    assert_eq!(out.usage.requests, 2);
    let second = &fake.requests()[1].json;
    let msgs = second["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 4);
    assert!(
        msgs[3]["content"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );

    fake.push([FakeReply::Text("nope".into()), FakeReply::Text("{}".into())]);
    let err = writer.with_max_attempts(2).write(&req).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert!(err.to_string().contains("2 attempt"), "{err}");
}

#[tokio::test]
async fn chain_gpt4o_then_mini_then_offline() {
    let fake = FakeOpenAi::start().await.unwrap();
    let chain: Fallback<dyn LanguageModel> = Fallback::new(vec![
        Arc::new(client(&fake, "gpt-4o")) as Arc<dyn LanguageModel>,
        Arc::new(client(&fake, "gpt-4o-mini")),
        Arc::new(OfflineWriter::new()),
    ]);
    let r = run_all(&chain, &[]).await;
    assert!(r.is_ok(), "{r}");

    // gpt-4o out of quota, gpt-4o-mini overloaded: the offline writer answers.
    let before = fake.requests().len();
    fake.push([FakeReply::InsufficientQuota, FakeReply::ServerError(500)]);
    let writer = ScriptWriter::new(Arc::new(chain));
    let req = common::minute_script("How bees make honey");
    let out = writer.write(&req).await.unwrap();
    assert!(out.metadata.validate().is_ok());
    let models: Vec<String> = fake.requests()[before..]
        .iter()
        .map(|r| r.json["model"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(models, vec!["gpt-4o", "gpt-4o-mini"]);
}

/// `from_env_with` reads the key and `OPENAI_BASE_URL` through the lookup (no process
/// environment, so parallel tests cannot race) and the client then talks to the fake there.
#[tokio::test]
async fn from_env_points_at_the_base_url_in_the_environment() {
    let fake = FakeOpenAi::start().await.unwrap();
    let base = fake.base_url();
    let env = |name: &str| match name {
        "OPENAI_API_KEY" => Some("sk-env-1".to_owned()),
        "OPENAI_BASE_URL" => Some(format!(" {base}/ ")),
        _ => None,
    };
    let cfg = OpenAiConfig::from_env_with("gpt-4o", env).unwrap();
    assert_eq!(cfg.account.base_url, base.trim_end_matches('/'));
    let resp = OpenAiCompatible::new(cfg)
        .unwrap()
        .complete(&hello())
        .await
        .unwrap();
    assert!(!resp.text.is_empty());
    assert_eq!(fake.requests().len(), 1);

    let bad = |name: &str| match name {
        "OPENAI_API_KEY" => Some("sk-env-1".to_owned()),
        "OPENAI_BASE_URL" => Some("localhost:11434/v1".to_owned()),
        _ => None,
    };
    let e = OpenAiConfig::from_env_with("gpt-4o", bad).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(
        e.message()
            .starts_with("OPENAI_BASE_URL must be an http(s) URL"),
        "{e}"
    );
    let e = OpenAiConfig::from_env_with("gpt-4o", |_| None).unwrap_err();
    assert!(e.message().starts_with("OPENAI_API_KEY is not set"), "{e}");
}
