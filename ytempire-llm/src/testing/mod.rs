//! Test helpers for users of this crate (feature `testing`): loopback fakes of the vendors.
//!
//! Both fakes are one `FakeVendor` on core's fake-server core
//! ([`ytempire_core::testing::server`]): the server, its [`Fault`] queue, the [`Recorded`]
//! requests and the violation list are core's. The route, auth check, body parsing and reply
//! choice are written once here (module `wire`); each vendor supplies only its paths,
//! request rules and wire shapes, plus the *scripted answers* an LLM test needs besides
//! faults — a given text, a context-length refusal, a body that is not JSON, and broken
//! scripts ([`FakeReply`]).
//!
//! [`FakeReply`] keeps one list for both: its fault variants are thin aliases that queue
//! core faults ([`FakeReply::RateLimited`] is [`Fault::RateLimited`], [`FakeReply::Delay`] is
//! [`Fault::Hang`], …), the rest queue scripted answers. A request that meets a fault takes
//! no scripted answer; with no fault and no script queued the fake answers its fixtures.
//! Faults can also be queued directly with `push_fault` (through `Deref` to [`FakeServer`]).

mod anthropic;
mod openai;
mod script_fixtures;
mod wire;

use std::collections::VecDeque;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ytempire_core::testing::server::lock;

pub use anthropic::{AnthropicWire, FakeAnthropic};
pub use openai::{FakeOpenAi, OpenAiWire};
pub use script_fixtures::FIXTURE_CUE;
pub use ytempire_core::testing::server::{FakeServer, Fault, Recorded};

use script_fixtures::Broken;
pub(crate) use wire::{Asked, Reply, Vendor, Wire};

/// What the fake answers to the next request (see the [module docs](self) for how faults and
/// scripted answers queue).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FakeReply {
    /// 200 with this assistant text.
    Text(String),
    /// [`Fault::RateLimited`]: 429 with `retry-after` seconds; the OpenAI fake also sends
    /// `retry-after-ms` (Anthropic has no such header).
    RateLimited {
        /// `retry-after` seconds.
        secs: u64,
        /// `retry-after-ms` (OpenAI only).
        ms: u64,
    },
    /// [`Fault::QuotaExhausted`]: OpenAI 429 `insufficient_quota` (no retry-after),
    /// Anthropic 400 "credit balance is too low".
    InsufficientQuota,
    /// 400: the prompt is over the model's context length.
    ContextLength,
    /// [`Fault::ContentModeration`]: 200 with no content and `finish_reason:
    /// content_filter` (Anthropic: `stop_reason: refusal`).
    ContentFilter,
    /// [`Fault::Unauthorized`]: 401 `invalid_api_key` (Anthropic: `authentication_error`).
    Unauthorized,
    /// [`Fault::ServerError`]: this 5xx status with the vendor's error body (Anthropic 529:
    /// `overloaded_error`).
    ServerError(u16),
    /// [`Fault::MalformedBody`]: 200 with the body cut in half.
    Truncated,
    /// 200 `application/json` with a body that is not JSON.
    Malformed,
    /// [`Fault::Hang`]: wait this long before answering (for client timeouts).
    Delay(Duration),
    /// 200 with a script for the prompt's brief wrapped in prose, with a trailing comma
    /// (not JSON).
    MalformedScript,
    /// 200 with script JSON that breaks the schema (scenes without the required
    /// `visual_cue`).
    SchemaViolatingScript,
    /// 200 with a schema-valid script that misses the plan (one scene, a one-word hook).
    OffPlanScript,
}

/// A scripted answer that is not a fault.
#[derive(Debug, Clone, PartialEq)]
enum Scripted {
    Text(String),
    ContextLength,
    NotJson,
    Broken(Broken),
}

/// Where a [`FakeReply`] queues.
#[derive(Debug)]
enum Queued {
    Fault(Fault),
    Script(Scripted),
}

impl FakeReply {
    /// The core fault this aliases, or the scripted answer it is.
    fn queued(self) -> Queued {
        let fault = match self {
            Self::Text(t) => return Queued::Script(Scripted::Text(t)),
            Self::ContextLength => return Queued::Script(Scripted::ContextLength),
            Self::Malformed => return Queued::Script(Scripted::NotJson),
            Self::MalformedScript => return Queued::Script(Scripted::Broken(Broken::Malformed)),
            Self::SchemaViolatingScript => {
                return Queued::Script(Scripted::Broken(Broken::SchemaViolating));
            }
            Self::OffPlanScript => return Queued::Script(Scripted::Broken(Broken::OffPlan)),
            Self::RateLimited { secs, .. } => Fault::RateLimited {
                retry_after_secs: Some(secs),
            },
            Self::InsufficientQuota => Fault::QuotaExhausted,
            Self::ContentFilter => Fault::ContentModeration,
            Self::Unauthorized => Fault::Unauthorized,
            Self::ServerError(status) => Fault::ServerError(status),
            Self::Truncated => Fault::MalformedBody,
            Self::Delay(d) => Fault::Hang(d),
        };
        Queued::Fault(fault)
    }
}

/// The body of [`Reply::NotJson`].
pub(crate) const NOT_JSON: &[u8] = b"<html>oops</html>";

/// The scripted state a vendor shares with its handle.
#[derive(Debug, Default)]
pub(crate) struct Script {
    answers: Mutex<VecDeque<Scripted>>,
    /// `retry-after-ms` of queued [`FakeReply::RateLimited`], in order.
    retry_after_ms: Mutex<VecDeque<u64>>,
}

impl Script {
    /// The `retry-after-ms` of the rate limit being answered, if it was scripted with one.
    pub(crate) fn retry_after_ms(&self) -> Option<u64> {
        lock(&self.retry_after_ms).pop_front()
    }

    /// What a request that met `fault` gets; only a request without a fault takes a
    /// scripted answer.
    pub(crate) fn reply(&self, fault: Option<&Fault>) -> Reply {
        match fault {
            Some(Fault::Unauthorized) => Reply::Unauthorized,
            Some(Fault::QuotaExhausted) => Reply::QuotaExhausted,
            Some(Fault::ContentModeration) => Reply::Refused,
            Some(_) => Reply::Fixture(None),
            None => match lock(&self.answers).pop_front() {
                Some(Scripted::Text(t)) => Reply::Text(t),
                Some(Scripted::ContextLength) => Reply::ContextLength,
                Some(Scripted::NotJson) => Reply::NotJson,
                Some(Scripted::Broken(b)) => Reply::Fixture(Some(b)),
                None => Reply::Fixture(None),
            },
        }
    }
}

/// The handle both fakes are ([`FakeOpenAi`], [`FakeAnthropic`]; `W` names the vendor's
/// wire): core's [`FakeServer`] (reached through `Deref`: `url`, `push_fault`,
/// `fail_always`, `require_key`, `requests`, `violations`, …) plus the queue of scripted
/// answers. Stops when dropped.
#[derive(Debug)]
pub struct ScriptedFake<W> {
    server: FakeServer,
    script: Arc<Script>,
    wire: PhantomData<W>,
}

impl<W: Wire> ScriptedFake<W> {
    /// Start on 127.0.0.1 on a free port (what the vendor answers when nothing is queued:
    /// [`FakeOpenAi`], [`FakeAnthropic`]).
    ///
    /// # Errors
    /// `Io` when no loopback port can be bound.
    pub async fn start() -> ytempire_core::Result<Self> {
        let script = Arc::new(Script::default());
        let vendor: Vendor<W> = Vendor {
            script: Arc::clone(&script),
            wire: PhantomData,
        };
        Ok(Self {
            server: FakeServer::start(vendor).await?,
            script,
            wire: PhantomData,
        })
    }

    /// The base URL a client of this vendor is configured with (`…/v1` for OpenAI, the
    /// origin for Anthropic).
    pub fn base_url(&self) -> String {
        self.url(W::BASE_PATH)
    }
}

impl<W> ScriptedFake<W> {
    /// Queue replies, answered in order (faults and scripted answers each in their own
    /// queue, see the [module docs](self)).
    pub fn push(&self, replies: impl IntoIterator<Item = FakeReply>) {
        for reply in replies {
            if let FakeReply::RateLimited { ms, .. } = reply {
                lock(&self.script.retry_after_ms).push_back(ms);
            }
            match reply.queued() {
                Queued::Fault(fault) => self.push_fault(fault),
                Queued::Script(scripted) => lock(&self.script.answers).push_back(scripted),
            }
        }
    }
}

impl<W> Deref for ScriptedFake<W> {
    type Target = FakeServer;

    fn deref(&self) -> &FakeServer {
        &self.server
    }
}
