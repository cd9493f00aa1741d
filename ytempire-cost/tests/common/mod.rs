//! Shared helpers: records and a fake paid language model that meters into a ledger.

#![allow(dead_code, reason = "each test binary uses a subset")]

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use ytempire_core::metering::{CapabilityKind, Labels, Outcome, current_labels};
use ytempire_core::{
    Capabilities, ChatRequest, ChatResponse, ErrorKind, LanguageModel, ProviderInfo, Result, Usage,
    UsageRecord, UsageSink,
};
use ytempire_cost::CostLedger;

#[allow(clippy::too_many_arguments, reason = "a flat test-record builder")]
pub(crate) fn rec(
    job: &str,
    stage: &str,
    provider: &str,
    model: &str,
    usage: Usage,
    outcome: Outcome,
    attempt: u32,
    day: u32,
) -> UsageRecord {
    let cap = if usage.characters > 0 {
        CapabilityKind::Tts
    } else if usage.images > 0 {
        CapabilityKind::Image
    } else {
        CapabilityKind::Llm
    };
    UsageRecord::new(
        Labels::new(job, stage),
        cap,
        provider,
        model,
        usage,
        outcome,
        attempt,
        Utc.with_ymd_and_hms(2026, 11, day, 12, 0, 0).unwrap(),
        Duration::from_millis(250),
    )
}

/// A first attempt of `job`'s `stage` on `day` (November 2026) that succeeded.
pub(crate) fn ok(
    job: &str,
    stage: &str,
    provider: &str,
    model: &str,
    usage: Usage,
    day: u32,
) -> UsageRecord {
    rec(job, stage, provider, model, usage, Outcome::Success, 1, day)
}

/// A gpt-4o script call of `job` on `day` that failed with `kind` (billed anyway), then its
/// successful retry.
pub(crate) fn failed_then_retried(
    job: &str,
    usage: &Usage,
    kind: ErrorKind,
    day: u32,
) -> Vec<UsageRecord> {
    [(Outcome::Failure(kind), 1), (Outcome::Success, 2)]
        .into_iter()
        .map(|(outcome, attempt)| {
            rec(
                job,
                "script",
                "openai",
                "gpt-4o",
                usage.clone(),
                outcome,
                attempt,
                day,
            )
        })
        .collect()
}

/// Job `a` on day 1: a script call that failed (billed anyway), its retry, a cached repeat,
/// and its narration.
pub(crate) fn job_a() -> Vec<UsageRecord> {
    let usage = Usage::tokens(1000, 500);
    let mut rows = failed_then_retried("a", &usage, ErrorKind::InvalidResponse, 1);
    rows.push(ok(
        "a",
        "script",
        "openai",
        "gpt-4o",
        usage.into_cached(),
        1,
    ));
    rows.push(ok(
        "a",
        "narration",
        "elevenlabs",
        "eleven_multilingual_v2",
        Usage::characters(2000, 120.0),
        1,
    ));
    rows
}

/// A paid LLM that meters each call into a ledger (standing in for `Metered`).
#[derive(Debug)]
pub(crate) struct MeteredFake {
    pub(crate) model: String,
    pub(crate) sink: Arc<CostLedger>,
    pub(crate) output_tokens: u64,
    pub(crate) calls: AtomicU32,
}

impl MeteredFake {
    pub(crate) fn new(model: &str, sink: Arc<CostLedger>, output_tokens: u64) -> Self {
        Self {
            model: model.into(),
            sink,
            output_tokens,
            calls: AtomicU32::new(0),
        }
    }
    pub(crate) fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }
}

impl fmt::Display for MeteredFake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "fake/{}", self.model)
    }
}

#[async_trait]
impl LanguageModel for MeteredFake {
    fn info(&self) -> ProviderInfo {
        ProviderInfo::new(
            "openai",
            self.model.clone(),
            Capabilities::new().with_paid(true),
        )
    }
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let input = request.prompt_text().chars().count().div_ceil(4) as u64;
        let usage = Usage::tokens(input, self.output_tokens);
        self.sink.record(UsageRecord::new(
            current_labels(),
            CapabilityKind::Llm,
            "openai",
            self.model.clone(),
            usage.clone(),
            Outcome::Success,
            1,
            Utc::now(),
            Duration::from_millis(5),
        ));
        Ok(ChatResponse::new("ok", self.model.clone(), usage))
    }
}
