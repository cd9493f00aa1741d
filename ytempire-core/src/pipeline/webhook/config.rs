//! Where and how webhooks are delivered: a validated URL, the secret, retries, timeouts and the
//! queue bound.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::sign::WebhookSigner;
use crate::layers::{Backoff, JitterSource, SeededJitter};
use crate::{Error, Result};

/// `User-Agent` of every webhook request: `ytempire/<version>`.
pub const USER_AGENT: &str = concat!("ytempire/", env!("CARGO_PKG_VERSION"));

/// A webhook endpoint: an absolute `http` or `https` URL with a host.
///
/// `Debug` and `Display` show a redacted form (no user info, query replaced by `?…`), because
/// endpoint URLs often carry tokens; [`WebhookUrl::as_str`] gives the full URL to send to.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookUrl {
    full: String,
    redacted: String,
}

impl WebhookUrl {
    /// Validate `url`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest), naming the problem:
    /// empty, whitespace or control characters, no scheme, a scheme other than `http`/`https`,
    /// no host, or a port that is not a number from 1 to 65535.
    pub fn parse(url: &str) -> Result<Self> {
        let bad = |problem: &str| Error::invalid_request(format!("webhook URL {problem}"));
        if url.is_empty() {
            return Err(bad("is empty"));
        }
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("contains whitespace or control characters"));
        }
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(bad("has no scheme: it must start with http:// or https://"));
        };
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            let shown: String = scheme.chars().take(16).collect();
            return Err(bad(&format!(
                "has scheme `{shown}`; only http and https are allowed"
            )));
        }
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
        let (host, port) = split_host_port(host_port);
        if host.is_empty() || host == "[]" {
            return Err(bad("has no host"));
        }
        if let Some(port) = port
            && !matches!(port.parse::<u16>(), Ok(p) if p > 0)
        {
            return Err(bad("has a port that is not a number from 1 to 65535"));
        }
        let path_end = tail.find(['?', '#']).unwrap_or(tail.len());
        let (path, query) = tail.split_at(path_end);
        let query = if query.starts_with('?') { "?…" } else { "" };
        Ok(Self {
            full: url.to_owned(),
            redacted: format!("{scheme}://{host_port}{path}{query}"),
        })
    }

    /// The full URL, to send the request to. Do not log it; log [`WebhookUrl::redacted`].
    pub fn as_str(&self) -> &str {
        &self.full
    }

    /// The URL without user info or query, safe to log.
    pub fn redacted(&self) -> &str {
        &self.redacted
    }
}

/// Split `host:port` (IPv6 hosts in brackets) into host and optional port.
fn split_host_port(host_port: &str) -> (&str, Option<&str>) {
    if host_port.starts_with('[') {
        return match host_port.find(']') {
            Some(i) => {
                let (host, rest) = host_port.split_at(i + 1);
                (host, rest.strip_prefix(':'))
            }
            None => ("", None),
        };
    }
    match host_port.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (host_port, None),
    }
}

impl fmt::Debug for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("WebhookUrl").field(&self.redacted).finish()
    }
}

impl fmt::Display for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

/// How a [`WebhookDispatcher`](super::WebhookDispatcher) delivers events.
///
/// Defaults: 5 attempts per event; backoff from 1 s doubling to at most 60 s with jitter
/// (each wait is uniform between half and all of the exponential step); `Retry-After`
/// honoured up to 5 minutes; 10 s per request; 1024 queued events; 10 s to flush at shutdown.
///
/// The secret never appears in `Debug` (the signer redacts it), logs or errors.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    url: WebhookUrl,
    signer: WebhookSigner,
    max_attempts: u32,
    backoff: Backoff,
    max_retry_after: Duration,
    request_timeout: Duration,
    queue_capacity: usize,
    shutdown_timeout: Duration,
    jitter: Arc<dyn JitterSource>,
}

impl WebhookConfig {
    /// Deliver to `url`, signing with `secret`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest) when the URL is not a
    /// valid `http`/`https` URL (see [`WebhookUrl::parse`]) or the secret is empty.
    pub fn new(url: &str, secret: impl Into<Vec<u8>>) -> Result<Self> {
        let url = WebhookUrl::parse(url)?;
        let signer = WebhookSigner::new(secret);
        if signer.is_empty() {
            return Err(Error::invalid_request("webhook secret is empty"));
        }
        Ok(Self {
            url,
            signer,
            max_attempts: 5,
            backoff: Backoff::new(Duration::from_secs(1), Duration::from_secs(60), 2.0),
            max_retry_after: Duration::from_secs(300),
            request_timeout: Duration::from_secs(10),
            queue_capacity: 1024,
            shutdown_timeout: Duration::from_secs(10),
            jitter: Arc::new(SeededJitter::from_entropy()),
        })
    }

    /// Attempts per event, the first included (at least 1).
    #[must_use]
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Wait growth between attempts.
    #[must_use]
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// The longest `Retry-After` honoured; longer requests wait this long.
    #[must_use]
    pub fn with_max_retry_after(mut self, limit: Duration) -> Self {
        self.max_retry_after = limit;
        self
    }

    /// Deadline for each request (connect, send and response headers).
    #[must_use]
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How many events may wait for delivery (at least 1); see the overflow policy in the
    /// [module docs](super).
    #[must_use]
    pub fn with_queue_capacity(mut self, capacity: usize) -> Self {
        self.queue_capacity = capacity.max(1);
        self
    }

    /// How long shutdown (or drop) keeps delivering queued events before dropping the rest.
    #[must_use]
    pub fn with_shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// Where backoff jitter comes from (tests: a fixed one).
    #[must_use]
    pub fn with_jitter(mut self, jitter: Arc<dyn JitterSource>) -> Self {
        self.jitter = jitter;
        self
    }

    /// The endpoint.
    pub fn url(&self) -> &WebhookUrl {
        &self.url
    }

    /// The signer holding the secret.
    pub fn signer(&self) -> &WebhookSigner {
        &self.signer
    }

    /// Attempts per event, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Wait growth between attempts.
    pub fn backoff(&self) -> Backoff {
        self.backoff
    }

    /// The longest `Retry-After` honoured.
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// Deadline for each request.
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// How many events may wait for delivery.
    pub fn queue_capacity(&self) -> usize {
        self.queue_capacity
    }

    /// How long shutdown keeps delivering.
    pub fn shutdown_timeout(&self) -> Duration {
        self.shutdown_timeout
    }

    /// The wait before retry number `retry` (1 = the wait after the first attempt):
    /// `min(max, initial × multiplier^(retry−1))`, scaled by a jitter factor in `[0.5, 1]`.
    pub fn backoff_for(&self, retry: u32) -> Duration {
        let b = &self.backoff;
        let exp = i32::try_from(retry.saturating_sub(1)).unwrap_or(i32::MAX);
        let step = b.initial.as_secs_f64() * b.multiplier.max(1.0).powi(exp);
        let step = step.min(b.max.as_secs_f64()).max(0.0);
        let factor = 0.5 + 0.5 * self.jitter.next_unit().clamp(0.0, 1.0);
        Duration::try_from_secs_f64(step * factor).unwrap_or(b.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn webhook_url_validation_names_the_problem() {
        for (url, problem) in [
            ("", "is empty"),
            ("ftp://example.com/x", "scheme `ftp`"),
            ("example.com/hook", "no scheme"),
            ("https://", "no host"),
            ("https:///path", "no host"),
            ("http://user:pw@/path", "no host"),
            ("https://example.com:0/", "port"),
            ("https://example.com:99999/", "port"),
            ("https://example.com:http/", "port"),
            ("https://exa mple.com/", "whitespace"),
            ("https://example.com/\n", "control"),
        ] {
            let err = WebhookUrl::parse(url).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{url:?}");
            assert!(err.message().contains(problem), "{url:?}: {err}");
        }
        for url in [
            "http://127.0.0.1:8080/hook",
            "HTTPS://example.com",
            "https://[::1]:9000/x?y=1",
            "https://example.com/a/b#frag",
        ] {
            assert!(WebhookUrl::parse(url).is_ok(), "{url:?}");
        }
    }

    #[test]
    fn webhook_url_redacts_credentials_and_query() {
        let url = WebhookUrl::parse("https://bob:hunter2@hooks.example.com/h/1?token=abc").unwrap();
        assert_eq!(url.redacted(), "https://hooks.example.com/h/1?…");
        assert_eq!(url.to_string(), url.redacted());
        let debug = format!("{url:?}");
        assert!(
            !debug.contains("hunter2") && !debug.contains("abc"),
            "{debug}"
        );
        assert_eq!(
            url.as_str(),
            "https://bob:hunter2@hooks.example.com/h/1?token=abc"
        );
    }

    #[test]
    fn webhook_config_defaults_debug_and_backoff() {
        let cfg = WebhookConfig::new("https://example.com/hook", "topsecret-value").unwrap();
        let debug = format!("{cfg:?}");
        assert!(!debug.contains("topsecret"), "{debug}");
        assert!(debug.contains("[REDACTED]"));
        let err = WebhookConfig::new("https://example.com/hook", "").unwrap_err();
        assert!(err.message().contains("secret is empty"));

        #[derive(Debug)]
        struct Max;
        impl JitterSource for Max {
            fn next_unit(&self) -> f64 {
                1.0
            }
        }
        let cfg = cfg
            .with_jitter(Arc::new(Max))
            .with_backoff(Backoff::new(
                Duration::from_secs(1),
                Duration::from_secs(5),
                2.0,
            ))
            .with_max_attempts(0);
        assert_eq!(cfg.max_attempts(), 1);
        let waits: Vec<u64> = (1..=5).map(|r| cfg.backoff_for(r).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 5, 5]);
        assert_eq!(cfg.backoff_for(u32::MAX), Duration::from_secs(5));
    }
}
