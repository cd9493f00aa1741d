//! Loopback fakes of Google TTS, ElevenLabs and OpenAI speech (feature `testing`).
//!
//! Each [`FakeServer`] listens on `127.0.0.1:0`, speaks the vendor's wire format, validates
//! requests (auth, required fields, limits, enums) with the vendor's error shapes, returns real
//! PCM audio ([`speech_like`]: voiced bursts per word, with exact word timings) and injects
//! scripted [`Fault`]s.
//!
//! ```no_run
//! # async fn demo() -> ytempire_core::Result<()> {
//! use ytempire_tts::testing::{FakeServer, Fault};
//! let fake = FakeServer::openai().await?;
//! fake.push_fault(Fault::RateLimited { retry_after_secs: 2 });
//! let tts = ytempire_tts::OpenAiSpeech::new(Some("k".to_owned().into()))?.with_base_url(fake.url("/v1"));
//! # Ok(()) }
//! ```

mod vendors;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use ytempire_core::{AudioTrack, Error, Result, WordTiming};

use crate::timing;

/// A fault the next request (or every request) meets.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// 429 with `Retry-After`.
    RateLimited {
        /// Seconds in the header.
        retry_after_secs: u64,
    },
    /// The vendor's quota/billing failure (ElevenLabs: 401 `quota_exceeded`).
    QuotaExceeded,
    /// 503.
    ServerError,
    /// Headers sent, then the connection dies mid-body.
    DropConnection,
    /// Wait this long before answering.
    Hang(Duration),
    /// A `Content-Length` promising more body than is sent.
    TruncatedBody,
    /// 200 with a body that is not what the vendor sends.
    MalformedBody,
}

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

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// HTTP method.
    pub method: String,
    /// Path and query.
    pub uri: String,
    /// The JSON body (Null when none or not JSON).
    pub body: serde_json::Value,
}

#[derive(Debug, Default)]
struct Shared {
    faults: Mutex<VecDeque<Fault>>,
    always: Mutex<Option<Fault>>,
    requests: Mutex<Vec<Recorded>>,
}

/// A running loopback fake; stops when dropped.
#[derive(Debug)]
pub struct FakeServer {
    addr: std::net::SocketAddr,
    vendor: Vendor,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeServer {
    /// A Google TTS fake.
    pub async fn google() -> Result<Self> {
        Self::start(Vendor::Google).await
    }

    /// An ElevenLabs fake.
    pub async fn elevenlabs() -> Result<Self> {
        Self::start(Vendor::ElevenLabs).await
    }

    /// An OpenAI speech fake.
    pub async fn openai() -> Result<Self> {
        Self::start(Vendor::OpenAi).await
    }

    async fn start(vendor: Vendor) -> Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| Error::io("binding fake server", e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::io("fake server address", e))?;
        let shared = Arc::new(Shared::default());
        let state = (vendor, Arc::clone(&shared));
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let (vendor, shared) = state.clone();
                async move { handle(vendor, &shared, method, uri, headers, body).await }
            },
        );
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::warn!("fake server stopped: {e}");
            }
        });
        Ok(Self {
            addr,
            vendor,
            shared,
            task,
        })
    }

    /// `http://127.0.0.1:PORT` followed by `suffix`.
    pub fn url(&self, suffix: &str) -> String {
        format!("http://{}{suffix}", self.addr)
    }

    /// The vendor imitated.
    pub fn vendor(&self) -> Vendor {
        self.vendor
    }

    /// The next request meets `fault` (faults queue up in order).
    pub fn push_fault(&self, fault: Fault) {
        if let Ok(mut q) = self.shared.faults.lock() {
            q.push_back(fault);
        }
    }

    /// Every request meets `fault` (`None` to heal).
    pub fn fail_always(&self, fault: Option<Fault>) {
        if let Ok(mut a) = self.shared.always.lock() {
            *a = fault;
        }
    }

    /// Requests received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared
            .requests
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }
}

async fn handle(
    vendor: Vendor,
    shared: &Shared,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    if let Ok(mut r) = shared.requests.lock() {
        r.push(Recorded {
            method: method.to_string(),
            uri: uri.to_string(),
            body: json.clone(),
        });
    }
    let fault = shared
        .faults
        .lock()
        .ok()
        .and_then(|mut q| q.pop_front())
        .or_else(|| shared.always.lock().ok().and_then(|a| a.clone()));
    if let Some(Fault::Hang(d)) = &fault {
        tokio::time::sleep(*d).await;
    }
    if let Some(f) = &fault
        && let Some(resp) = vendors::fault_response(vendor, f)
    {
        return resp;
    }
    let ok = vendors::answer(vendor, &method, &uri, &headers, &json);
    match (fault, ok) {
        (Some(Fault::TruncatedBody), Ok((status, ctype, bytes))) => truncated(status, ctype, bytes),
        (Some(Fault::DropConnection), Ok((status, ctype, bytes))) => dropped(status, ctype, bytes),
        (_, Ok((status, ctype, bytes))) => respond(status, ctype, bytes, &[]),
        (_, Err(resp)) => resp,
    }
}

pub(crate) fn respond(
    status: u16,
    ctype: &str,
    body: Vec<u8>,
    extra: &[(&str, String)],
) -> Response {
    let mut b = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("content-type", ctype);
    for (k, v) in extra {
        b = b.header(*k, v.as_str());
    }
    b.body(Body::from(body)).unwrap_or_default()
}

fn truncated(status: u16, ctype: &str, bytes: Vec<u8>) -> Response {
    let full = bytes.len();
    let half = bytes[..full / 2].to_vec();
    let stream = futures::stream::iter(vec![Ok::<_, std::io::Error>(Bytes::from(half))]);
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
        .header("content-type", ctype)
        .header("content-length", full.to_string())
        .body(Body::from_stream(stream))
        .unwrap_or_default()
}

fn dropped(status: u16, ctype: &str, bytes: Vec<u8>) -> Response {
    let half = bytes[..bytes.len() / 2].to_vec();
    let stream = futures::stream::iter(vec![
        Ok(Bytes::from(half)),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "fake drop",
        )),
    ]);
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
        .header("content-type", ctype)
        .body(Body::from_stream(stream))
        .unwrap_or_default()
}

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
