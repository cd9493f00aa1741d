//! Loopback fakes of Google TTS, ElevenLabs and OpenAI speech (feature `testing`), built on
//! core's fake-server core ([`ytempire_core::testing::server`]).
//!
//! Each vendor's fake ([`FakeGoogleTts`], [`FakeElevenLabs`], [`FakeOpenAiSpeech`], in the
//! vendor's own folder) supplies only its routes, auth check, request validation and answer
//! shapes; the server, the fault queue ([`Fault`]), the request log ([`Recorded`]) and the
//! body faults are core's. The fakes return real PCM audio ([`speech_like`]: voiced bursts
//! per word, with exact word timings). [`FakeServer`] starts one by vendor name and derefs to
//! core's server for `url`, `push_fault`, `fail_always`, `requests`, `require_key`.
//!
//! Faults the vendors shape themselves: [`Fault::QuotaExhausted`] (Google 403
//! `PERMISSION_DENIED`, ElevenLabs 401 `quota_exceeded`, OpenAI 429 `insufficient_quota`)
//! and [`Fault::Unauthorized`] (each vendor's bad-key answer). [`Fault::MalformedBody`]
//! applies to JSON answers (Google, ElevenLabs `/with-timestamps`).
//!
//! ```no_run
//! # async fn demo() -> ytempire_core::Result<()> {
//! use ytempire_tts::testing::{FakeServer, Fault};
//! let fake = FakeServer::openai().await?;
//! fake.push_fault(Fault::RateLimited { retry_after_secs: Some(2) });
//! let tts = ytempire_tts::OpenAiSpeech::new(Some("k".to_owned().into()))?.with_base_url(fake.url("/v1"));
//! # Ok(()) }
//! ```

use std::borrow::Cow;
use std::ops::Deref;

use axum::http::HeaderValue;
use axum::response::Response;
use ytempire_core::testing::server;
use ytempire_core::{AudioTrack, Result, WordTiming};

pub use crate::elevenlabs::testing::FakeElevenLabs;
pub use crate::google::testing::FakeGoogleTts;
pub use crate::openai::testing::FakeOpenAiSpeech;
pub use ytempire_core::testing::server::{Fault, Recorded};

use crate::timing;

/// Which vendor a server imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    /// Google Cloud TTS.
    Google,
    /// ElevenLabs.
    ElevenLabs,
    /// OpenAI speech.
    OpenAi,
}

/// A running loopback fake of one speech vendor; stops when dropped. Derefs to core's
/// [`server::FakeServer`] (`url`, `push_fault`, `fail_always`, `requests`, `require_key`).
#[derive(Debug)]
pub struct FakeServer {
    server: server::FakeServer,
    vendor: Vendor,
}

impl Deref for FakeServer {
    type Target = server::FakeServer;

    fn deref(&self) -> &server::FakeServer {
        &self.server
    }
}

impl FakeServer {
    /// A Google TTS fake.
    ///
    /// # Errors
    /// `Io` when no loopback port can be bound.
    pub async fn google() -> Result<Self> {
        Self::start(Vendor::Google).await
    }

    /// An ElevenLabs fake.
    ///
    /// # Errors
    /// `Io` when no loopback port can be bound.
    pub async fn elevenlabs() -> Result<Self> {
        Self::start(Vendor::ElevenLabs).await
    }

    /// An OpenAI speech fake.
    ///
    /// # Errors
    /// `Io` when no loopback port can be bound.
    pub async fn openai() -> Result<Self> {
        Self::start(Vendor::OpenAi).await
    }

    /// A fake of `vendor`.
    ///
    /// # Errors
    /// `Io` when no loopback port can be bound.
    pub async fn start(vendor: Vendor) -> Result<Self> {
        let server = match vendor {
            Vendor::Google => server::FakeServer::start(FakeGoogleTts).await?,
            Vendor::ElevenLabs => server::FakeServer::start(FakeElevenLabs).await?,
            Vendor::OpenAi => server::FakeServer::start(FakeOpenAiSpeech).await?,
        };
        Ok(Self { server, vendor })
    }

    /// The vendor imitated.
    pub fn vendor(&self) -> Vendor {
        self.vendor
    }
}

/// A refusal in a vendor's words, before the vendor's error shape is put on it.
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
    /// HTTP status.
    pub(crate) status: u16,
    /// Machine code (ElevenLabs' 422: the field at fault).
    pub(crate) code: &'static str,
    /// Human-readable message.
    pub(crate) message: Cow<'static, str>,
}

impl Refusal {
    /// A refusal with a fixed message.
    pub(crate) const fn fixed(status: u16, code: &'static str, message: &'static str) -> Self {
        Self {
            status,
            code,
            message: Cow::Borrowed(message),
        }
    }

    /// A refusal with a message built for this request.
    pub(crate) fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: Cow::Owned(message.into()),
        }
    }
}

/// What a speech vendor's fake supplies; [`speech_vendor!`] turns it into its
/// [`FakeVendor`](server::FakeVendor) impl.
pub(crate) trait SpeechFake {
    /// The answer to a spent quota ([`Fault::QuotaExhausted`]).
    const QUOTA: Refusal;
    /// The answer to a missing or wrong key ([`Fault::Unauthorized`] too).
    const UNAUTHORIZED: Refusal;
    /// The machine code of a 429.
    const RATE_LIMITED: &'static str;

    /// [`FakeVendor::route`](server::FakeVendor::route): what `req` is, `None` for an unknown route.
    fn route_of(req: &server::Incoming) -> Option<server::Route>;

    /// [`FakeVendor::error`](server::FakeVendor::error): the vendor's error body.
    fn shape_error(status: u16, code: &str, message: &str) -> Response;

    /// The key `req` presents, if any.
    fn presented_key(req: &server::Incoming) -> Option<String>;

    /// Validate `req` and speak it; `Err` is the vendor's refusal.
    fn speak(req: &server::Incoming) -> std::result::Result<Response, Refusal>;

    /// `refusal` in the vendor's error shape.
    fn refuse(refusal: Refusal) -> Response {
        Self::shape_error(refusal.status, refusal.code, &refusal.message)
    }

    /// [`FakeVendor::check_auth`](server::FakeVendor::check_auth): no key, an empty key, or not the required one is refused.
    fn deny(req: &server::Incoming, required: Option<&str>) -> Option<Response> {
        let key = Self::presented_key(req).filter(|k| !k.is_empty());
        let accepted = key.is_some_and(|k| required.is_none_or(|r| r == k));
        (!accepted).then(|| Self::refuse(Self::UNAUTHORIZED))
    }

    /// [`FakeVendor::rate_limited`](server::FakeVendor::rate_limited): the vendor's code, `Retry-After` when `Some`.
    fn slow_down(retry_after_secs: Option<u64>) -> Response {
        let mut resp = Self::shape_error(429, Self::RATE_LIMITED, "slow down");
        if let Some(secs) = retry_after_secs {
            resp.headers_mut()
                .insert("retry-after", HeaderValue::from(secs));
        }
        resp
    }

    /// [`FakeVendor::answer`](server::FakeVendor::answer): the vendor's refusal for the faults it shapes, else speech.
    fn reply(req: &server::Incoming, fault: Option<&Fault>) -> Response {
        match fault {
            Some(Fault::QuotaExhausted) => Self::refuse(Self::QUOTA),
            Some(Fault::Unauthorized) => Self::refuse(Self::UNAUTHORIZED),
            _ => Self::speak(req).unwrap_or_else(Self::refuse),
        }
    }
}

/// Implement core's [`FakeVendor`](server::FakeVendor) for a [`SpeechFake`].
macro_rules! speech_vendor {
    ($fake:ty) => {
        #[async_trait::async_trait]
        impl ytempire_core::testing::server::FakeVendor for $fake {
            fn route(
                &self,
                req: &ytempire_core::testing::server::Incoming,
            ) -> Option<ytempire_core::testing::server::Route> {
                <$fake as $crate::testing::SpeechFake>::route_of(req)
            }

            fn error(&self, status: u16, code: &str, message: &str) -> axum::response::Response {
                <$fake as $crate::testing::SpeechFake>::shape_error(status, code, message)
            }

            fn rate_limited(&self, retry_after_secs: Option<u64>) -> axum::response::Response {
                <$fake as $crate::testing::SpeechFake>::slow_down(retry_after_secs)
            }

            fn check_auth(
                &self,
                req: &ytempire_core::testing::server::Incoming,
                required: Option<&str>,
            ) -> Option<axum::response::Response> {
                <$fake as $crate::testing::SpeechFake>::deny(req, required)
            }

            async fn answer(
                &self,
                call: ytempire_core::testing::server::Call<'_>,
            ) -> axum::response::Response {
                let ytempire_core::testing::server::Call { req, fault, .. } = call;
                <$fake as $crate::testing::SpeechFake>::reply(req, fault)
            }
        }
    };
}
pub(crate) use speech_vendor;

/// Speech-like audio for `text`: a voiced burst per word (length from its letters, with
/// deterministic jitter), short gaps, longer pauses at commas and sentence ends, 100 ms of
/// silence at both ends. Returns the audio and each word's exact span.
pub fn speech_like(text: &str, sample_rate: u32) -> (AudioTrack, Vec<WordTiming>) {
    let rate = f64::from(sample_rate.max(1));
    let mut samples: Vec<i16> = Vec::new();
    let mut timings = Vec::new();
    let push_silence = |samples: &mut Vec<i16>, secs: f64| {
        samples.extend(std::iter::repeat_n(0, (secs * rate) as usize));
    };
    push_silence(&mut samples, 0.1);
    let words = timing::words(text);
    for (i, w) in words.iter().enumerate() {
        let letters = w.chars().filter(|c| c.is_alphanumeric()).count() as f64;
        let hash = w
            .bytes()
            .fold(i as u32 * 31 + 7, |h, b| h.wrapping_mul(33) ^ u32::from(b));
        let jitter = 0.85 + f64::from(hash % 31) / 100.0;
        let dur = (0.08 + 0.06 * letters) * jitter;
        let start = samples.len() as f64 / rate;
        let n = (dur * rate) as usize;
        let f0 = 110.0 + f64::from(hash % 60);
        samples.extend((0..n).map(|k| {
            let t = k as f64 / rate;
            let env = (std::f64::consts::PI * k as f64 / n as f64).sin().powf(0.3);
            let s = (t * f0 * std::f64::consts::TAU).sin()
                + 0.5 * (t * 2.0 * f0 * std::f64::consts::TAU).sin();
            (s * env * 9000.0) as i16
        }));
        timings.push(WordTiming::new(*w, start, samples.len() as f64 / rate));
        let gap = match w.chars().last() {
            Some('.' | '!' | '?') => 0.35,
            Some(',' | ';' | ':') => 0.2,
            _ => 0.05,
        };
        push_silence(&mut samples, gap);
    }
    push_silence(&mut samples, 0.1);
    let track = AudioTrack {
        sample_rate: sample_rate.max(1),
        channels: 1,
        samples,
    };
    (track, timings)
}
