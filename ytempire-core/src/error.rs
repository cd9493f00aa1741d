//! The one error type every ytempire crate returns.
//!
//! An [`Error`] carries an [`ErrorKind`] that decides behaviour (retry, fallback, stop), plus the
//! vendor facts a person needs to debug a failure: the provider, the HTTP status, the vendor's
//! error code and the request id. It never carries a secret: provider crates build messages from
//! response bodies and status lines, never from request headers.
//!
//! ```
//! use std::time::Duration;
//! use ytempire_core::{Error, ErrorKind};
//!
//! let err = Error::new(ErrorKind::RateLimited, "slow down")
//!     .with_provider("openai")
//!     .with_status(429)
//!     .with_retry_after(Duration::from_secs(2));
//! assert!(err.is_retryable());
//! assert!(err.should_fallback());
//! assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));
//!
//! let quota = Error::new(ErrorKind::QuotaExhausted, "insufficient_quota");
//! assert!(!quota.is_retryable());
//! assert!(quota.should_fallback());
//! ```

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

/// `Result` with ytempire's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, at the level that decides what to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The vendor asked us to slow down (HTTP 429 rate limit). Retryable; honour `retry_after`.
    RateLimited,
    /// The account's quota or credit is spent (OpenAI `insufficient_quota`, YouTube
    /// `quotaExceeded`, ElevenLabs `quota_exceeded`). Never retried; falls back.
    QuotaExhausted,
    /// Missing, invalid or expired credentials (401, OAuth `invalid_grant`).
    Unauthenticated,
    /// Credentials are valid but not allowed to do this (403).
    PermissionDenied,
    /// The request itself is wrong (400/422, failed validation). Never retried.
    InvalidRequest,
    /// The input is longer than the model's context window; a larger model may accept it.
    ContextLengthExceeded,
    /// The vendor refused the content (moderation, safety filter).
    ContentPolicy,
    /// The model, voice, video or resource does not exist.
    NotFound,
    /// An attempt or the whole operation ran out of time.
    Timeout,
    /// The connection failed, was reset or dropped mid-body.
    Transport,
    /// The vendor failed on its side (5xx, overloaded).
    Upstream,
    /// The vendor answered with a body we cannot understand (truncated or malformed).
    InvalidResponse,
    /// The provider cannot do what was asked (capability missing).
    Unsupported,
    /// The provider is misconfigured (missing key, bad base URL, missing program).
    Config,
    /// The call would exceed a spending budget.
    BudgetExceeded,
    /// The operation was cancelled by the caller.
    Cancelled,
    /// Rendering frames failed.
    Render,
    /// Encoding or muxing audio/video failed.
    Encode,
    /// Local file or storage failure.
    Io,
    /// A bug or an unexpected state inside ytempire.
    Internal,
}

impl ErrorKind {
    /// Whether a fresh attempt at the same provider may succeed.
    pub const fn is_retryable(self) -> bool {
        matches!(
            self,
            Self::RateLimited
                | Self::Timeout
                | Self::Transport
                | Self::Upstream
                | Self::InvalidResponse
        )
    }

    /// Whether a fallback chain should move on to its next provider after this error.
    ///
    /// A broken request, a cancelled job or an exceeded budget would fail the same way at
    /// every provider, so those stop the chain.
    pub const fn should_fallback(self) -> bool {
        !matches!(
            self,
            Self::InvalidRequest | Self::Cancelled | Self::BudgetExceeded | Self::Internal
        )
    }

    /// A stable lower-case name, used in logs, metrics and the cost ledger.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::RateLimited => "rate_limited",
            Self::QuotaExhausted => "quota_exhausted",
            Self::Unauthenticated => "unauthenticated",
            Self::PermissionDenied => "permission_denied",
            Self::InvalidRequest => "invalid_request",
            Self::ContextLengthExceeded => "context_length_exceeded",
            Self::ContentPolicy => "content_policy",
            Self::NotFound => "not_found",
            Self::Timeout => "timeout",
            Self::Transport => "transport",
            Self::Upstream => "upstream",
            Self::InvalidResponse => "invalid_response",
            Self::Unsupported => "unsupported",
            Self::Config => "config",
            Self::BudgetExceeded => "budget_exceeded",
            Self::Cancelled => "cancelled",
            Self::Render => "render",
            Self::Encode => "encode",
            Self::Io => "io",
            Self::Internal => "internal",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// ytempire's error: a kind, a message, vendor facts, retry facts and an optional cause.
///
/// Build one with [`Error::new`] and the `with_*` methods. Boxed inside so `Result<T>` stays
/// one pointer wide.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    provider: Option<String>,
    status: Option<u16>,
    code: Option<String>,
    request_id: Option<String>,
    retry_after: Option<Duration>,
    attempts: Option<u32>,
    elapsed: Option<Duration>,
    related: Vec<Error>,
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
}

impl Error {
    /// A new error of `kind` with a human-readable message that says what to fix.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                provider: None,
                status: None,
                code: None,
                request_id: None,
                retry_after: None,
                attempts: None,
                elapsed: None,
                related: Vec::new(),
                source: None,
            }),
        }
    }

    /// Shorthand for an [`ErrorKind::InvalidRequest`] error.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidRequest, message)
    }

    /// Shorthand for an [`ErrorKind::Config`] error.
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }

    /// Shorthand for an [`ErrorKind::Unsupported`] error.
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unsupported, message)
    }

    /// Shorthand for an [`ErrorKind::Internal`] error.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// Shorthand for an [`ErrorKind::Cancelled`] error.
    pub fn cancelled() -> Self {
        Self::new(ErrorKind::Cancelled, "the operation was cancelled")
    }

    /// An I/O error with the path or action it concerns.
    pub fn io(context: impl Into<String>, err: std::io::Error) -> Self {
        let kind = match err.kind() {
            std::io::ErrorKind::NotFound => ErrorKind::NotFound,
            std::io::ErrorKind::PermissionDenied => ErrorKind::PermissionDenied,
            std::io::ErrorKind::TimedOut => ErrorKind::Timeout,
            _ => ErrorKind::Io,
        };
        Self::new(kind, format!("{}: {err}", context.into())).with_source(err)
    }

    /// An error that lists every attempt of a fallback chain; its kind is the last attempt's.
    pub fn aggregate(message: impl Into<String>, attempts: Vec<Error>) -> Self {
        let kind = attempts
            .last()
            .map_or(ErrorKind::Internal, |last| last.kind());
        let retry_after = attempts.iter().filter_map(Error::retry_after).min();
        let mut err = Self::new(kind, message);
        err.inner.retry_after = retry_after;
        err.inner.attempts = u32::try_from(attempts.len()).ok();
        err.inner.related = attempts;
        err
    }

    /// Name the provider (and model) that produced this error, e.g. `"openai/gpt-4o"`.
    #[must_use]
    pub fn with_provider(mut self, provider: impl Into<String>) -> Self {
        self.inner.provider = Some(provider.into());
        self
    }

    /// Record the HTTP status of the vendor's reply.
    #[must_use]
    pub fn with_status(mut self, status: u16) -> Self {
        self.inner.status = Some(status);
        self
    }

    /// Record the vendor's error code or reason (e.g. `insufficient_quota`, `quotaExceeded`).
    #[must_use]
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.inner.code = Some(code.into());
        self
    }

    /// Record the vendor's request id, for support tickets.
    #[must_use]
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.inner.request_id = Some(id.into());
        self
    }

    /// Record how long the vendor asked us to wait before trying again.
    #[must_use]
    pub fn with_retry_after(mut self, wait: Duration) -> Self {
        self.inner.retry_after = Some(wait);
        self
    }

    /// Record how many attempts were made and how long they took (set by retry layers).
    #[must_use]
    pub fn with_attempts(mut self, attempts: u32, elapsed: Duration) -> Self {
        self.inner.attempts = Some(attempts);
        self.inner.elapsed = Some(elapsed);
        self
    }

    /// Attach the underlying cause.
    #[must_use]
    pub fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    /// Replace the kind, keeping everything else.
    #[must_use]
    pub fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.inner.kind = kind;
        self
    }

    /// What went wrong, at the level that decides what to do next.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The message, without the vendor facts that `Display` appends.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// Whether a fresh attempt at the same provider may succeed.
    pub fn is_retryable(&self) -> bool {
        self.inner.kind.is_retryable()
    }

    /// Whether a fallback chain should move on to its next provider.
    pub fn should_fallback(&self) -> bool {
        self.inner.kind.should_fallback()
    }

    /// How long the vendor asked us to wait, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// The provider that produced the error, if known.
    pub fn provider(&self) -> Option<&str> {
        self.inner.provider.as_deref()
    }

    /// The vendor's HTTP status, if any.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// The vendor's error code or reason, if any.
    pub fn code(&self) -> Option<&str> {
        self.inner.code.as_deref()
    }

    /// The vendor's request id, if any.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// How many attempts were made, when a retry or fallback layer recorded it.
    pub fn attempts(&self) -> Option<u32> {
        self.inner.attempts
    }

    /// How long the attempts took in total, when a retry layer recorded it.
    pub fn elapsed(&self) -> Option<Duration> {
        self.inner.elapsed
    }

    /// The individual errors of an aggregate (one per fallback attempt), oldest first.
    pub fn related(&self) -> &[Error] {
        &self.inner.related
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        write!(f, "{}: {}", i.kind, i.message)?;
        let mut facts = Vec::new();
        if let Some(p) = &i.provider {
            facts.push(format!("provider {p}"));
        }
        if let Some(s) = i.status {
            facts.push(format!("status {s}"));
        }
        if let Some(c) = &i.code {
            facts.push(format!("code {c}"));
        }
        if let Some(r) = &i.request_id {
            facts.push(format!("request id {r}"));
        }
        if let Some(w) = i.retry_after {
            facts.push(format!("retry after {:.3}s", w.as_secs_f64()));
        }
        if let Some(a) = i.attempts {
            facts.push(format!("{a} attempt(s)"));
        }
        if let Some(e) = i.elapsed {
            facts.push(format!("{:.3}s elapsed", e.as_secs_f64()));
        }
        if !facts.is_empty() {
            write!(f, " ({})", facts.join(", "))?;
        }
        for (n, related) in i.related.iter().enumerate() {
            write!(f, "\n  attempt {}: {related}", n + 1)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Error")
            .field("kind", &i.kind)
            .field("message", &i.message)
            .field("provider", &i.provider)
            .field("status", &i.status)
            .field("code", &i.code)
            .field("request_id", &i.request_id)
            .field("retry_after", &i.retry_after)
            .field("attempts", &i.attempts)
            .field("elapsed", &i.elapsed)
            .field("related", &i.related)
            .field("source", &i.source)
            .finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|s| s as &(dyn StdError + 'static))
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Self::io("i/o error", err)
    }
}

impl From<serde_json::Error> for Error {
    fn from(err: serde_json::Error) -> Self {
        Self::new(ErrorKind::InvalidResponse, format!("invalid JSON: {err}")).with_source(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_decide_retry_and_fallback() {
        assert!(ErrorKind::RateLimited.is_retryable());
        assert!(ErrorKind::Upstream.is_retryable());
        assert!(!ErrorKind::QuotaExhausted.is_retryable());
        assert!(!ErrorKind::InvalidRequest.is_retryable());
        assert!(ErrorKind::QuotaExhausted.should_fallback());
        assert!(ErrorKind::ContextLengthExceeded.should_fallback());
        assert!(!ErrorKind::InvalidRequest.should_fallback());
        assert!(!ErrorKind::Cancelled.should_fallback());
        assert!(!ErrorKind::BudgetExceeded.should_fallback());
    }

    #[test]
    fn display_lists_vendor_facts_and_attempts() {
        let a = Error::new(ErrorKind::Upstream, "boom")
            .with_provider("a/m")
            .with_status(503);
        let b = Error::new(ErrorKind::QuotaExhausted, "no credit")
            .with_provider("b/m")
            .with_code("insufficient_quota")
            .with_request_id("req_1");
        let agg = Error::aggregate("all providers failed", vec![a, b]);
        assert_eq!(agg.kind(), ErrorKind::QuotaExhausted);
        assert_eq!(agg.related().len(), 2);
        let text = agg.to_string();
        assert!(text.contains("attempt 1: upstream: boom (provider a/m, status 503)"));
        assert!(text.contains("code insufficient_quota"));
        assert!(text.contains("request id req_1"));
    }

    #[test]
    fn io_not_found_maps_to_not_found() {
        let err = Error::io(
            "reading x.png",
            std::io::Error::from(std::io::ErrorKind::NotFound),
        );
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(err.to_string().contains("reading x.png"));
        assert!(StdError::source(&err).is_some());
    }
}
