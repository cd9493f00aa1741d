//! Anthropic client against the loopback fake: conformance, wire format, error mapping,
//! secrets, script writing with the schema in the prompt.
#![cfg(feature = "testing")]

use std::sync::Arc;
use std::time::Duration;

use crate::common;
use ytempire_core::conformance::llm::run_all;
use ytempire_core::{ChatRequest, LanguageModel, Message};

use ytempire_llm::testing::{FakeAnthropic, FakeReply};
use ytempire_llm::{Anthropic, AnthropicConfig, ScriptWriter};

fn client(fake: &FakeAnthropic) -> Anthropic {
    let cfg = AnthropicConfig::new(
        "claude-3-5-haiku-latest",
        "sk-ant-secret-9".to_owned().into(),
    )
    .with_base_url(fake.base_url());
    let mut cfg = cfg;
    cfg.timeout = Duration::from_secs(2);
    Anthropic::new(cfg).unwrap()
}

#[tokio::test]
async fn conformance_and_wire_format() {
    let fake = FakeAnthropic::start().await.unwrap();
    fake.require_key("sk-ant-secret-9");
    let c = client(&fake);
    let r = run_all(&c, &[]).await;
    assert!(r.is_ok(), "{r}");
    assert_eq!(fake.violations(), Vec::<String>::new());

    fake.push([FakeReply::Text("Hi there.".into())]);
    let req = ChatRequest::new(vec![Message::system("Be brief."), Message::user("hello")])
        .with_max_tokens(50)
        .with_temperature(0.3);
    let resp = c.complete(&req).await.unwrap();
    assert_eq!(resp.text, "Hi there.");
    assert_eq!(resp.request_id.as_deref(), Some("msg_fake"));
    assert!(resp.usage.input_tokens > 0 && resp.usage.output_tokens > 0);
    let sent = fake.requests().pop().unwrap().json;
    assert_eq!(sent["system"], "Be brief.");
    assert_eq!(sent["max_tokens"], 50);
    assert_eq!(
        sent["messages"].as_array().unwrap().len(),
        1,
        "system is not a message"
    );
    assert_eq!(sent["messages"][0]["role"], "user");
}

#[tokio::test]
async fn errors_map_to_kinds_and_never_show_the_key() {
    let fake = FakeAnthropic::start().await.unwrap();
    let c = client(&fake);
    let cases = common::error_cases(FakeReply::RateLimited { secs: 3, ms: 0 }, &[529, 500]);
    common::assert_errors_map(&fake, &c, cases, "sk-ant-secret-9", |reply, err| {
        if matches!(reply, FakeReply::RateLimited { .. }) {
            assert_eq!(err.retry_after(), Some(Duration::from_secs(3)));
        }
    })
    .await;
    assert!(!format!("{c:?}").contains("sk-ant-secret-9"));
}

#[tokio::test]
async fn writes_a_valid_script_with_the_schema_in_the_prompt() {
    let fake = FakeAnthropic::start().await.unwrap();
    let writer = ScriptWriter::new(Arc::new(client(&fake)));
    let req = common::minute_script("How tides work");
    let out = writer.write(&req).await.unwrap();
    assert!(out.metadata.validate().is_ok());
    assert!(out.provider.starts_with("anthropic/"));
    let first = &fake.requests()[0].json;
    assert!(
        first.get("response_format").is_none(),
        "no JSON mode on Anthropic"
    );
    assert!(
        first.to_string().contains("properties"),
        "the JSON schema travels in the prompt"
    );
    assert_eq!(fake.violations(), Vec::<String>::new());
}

/// `from_env_with` reads the key and `ANTHROPIC_BASE_URL` through the lookup; the client
/// then talks to the fake there.
#[tokio::test]
async fn from_env_points_at_the_base_url_in_the_environment() {
    let fake = FakeAnthropic::start().await.unwrap();
    let base = fake.base_url();
    let env = |name: &str| match name {
        "ANTHROPIC_API_KEY" => Some("sk-ant-env".to_owned()),
        "ANTHROPIC_BASE_URL" => Some(base.clone()),
        _ => None,
    };
    let cfg = AnthropicConfig::from_env_with("claude-sonnet-4-5", env).unwrap();
    assert_eq!(cfg.base_url, base.trim_end_matches('/'));
    fake.push([FakeReply::Text("Hi there.".into())]);
    let resp = Anthropic::new(cfg)
        .unwrap()
        .complete(&ChatRequest::new(vec![Message::user("hello")]))
        .await
        .unwrap();
    assert_eq!(resp.text, "Hi there.");
    let e = AnthropicConfig::from_env_with("m", |name| {
        (name == "ANTHROPIC_API_KEY").then(|| "k".to_owned())
    })
    .unwrap();
    assert_eq!(e.base_url, ytempire_llm::ANTHROPIC_BASE_URL);
    let e = AnthropicConfig::from_env_with("m", |name| match name {
        "ANTHROPIC_API_KEY" => Some("k".to_owned()),
        _ => Some("ftp://proxy.example".to_owned()),
    })
    .unwrap_err();
    assert!(e.message().starts_with("ANTHROPIC_BASE_URL must be"), "{e}");
}
