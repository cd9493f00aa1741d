//! [`RecordingTransport`]: a webhook transport that records what the dispatcher or the
//! queue follower posts and answers each request as the test says, with no HTTP server.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use async_trait::async_trait;

use crate::pipeline::{
    ATTEMPT_HEADER, DEFAULT_TOLERANCE, EVENT_ID_HEADER, JobEventEnvelope, SIGNATURE_HEADER,
    TIMESTAMP_HEADER, WebhookRequest, WebhookResponse, WebhookTransport, verify_signed_request,
};
use crate::{Error, ErrorKind, Result};

/// The status to answer, from the envelope id and the attempt number.
type Reply = Box<dyn Fn(&str, u32) -> u16 + Send + Sync>;

/// Records every request and answers it with `reply(envelope id, attempt)`; reads back what
/// was sent with every signature checked against the secret.
///
/// ```
/// use ytempire_core::testing::RecordingTransport;
///
/// // 500 to the first attempt of `a:2`, 204 to everything else.
/// let t = RecordingTransport::with("secret", |id, attempt| {
///     if id == "a:2" && attempt == 1 { 500 } else { 204 }
/// });
/// assert!(t.ids().unwrap().is_empty());
/// ```
pub struct RecordingTransport {
    secret: Vec<u8>,
    sent: Mutex<Vec<WebhookRequest>>,
    reply: Reply,
}

impl fmt::Debug for RecordingTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordingTransport")
            .field("sent", &lock(&self.sent).len())
            .finish_non_exhaustive()
    }
}

impl RecordingTransport {
    /// Answers 204 to every request signed with `secret`.
    pub fn ok(secret: &str) -> Arc<Self> {
        Self::with(secret, |_, _| 204)
    }

    /// Answers `reply(envelope id, attempt)`.
    pub fn with(
        secret: &str,
        reply: impl Fn(&str, u32) -> u16 + Send + Sync + 'static,
    ) -> Arc<Self> {
        Arc::new(Self {
            secret: secret.as_bytes().to_vec(),
            sent: Mutex::new(Vec::new()),
            reply: Box::new(reply),
        })
    }

    /// Every request posted, in order, as it was sent.
    pub fn requests(&self) -> Vec<WebhookRequest> {
        lock(&self.sent).clone()
    }

    /// The envelopes posted, in order (retries included), each one's signature checked and
    /// its event-id header matched to its id.
    ///
    /// # Errors
    /// `InvalidRequest` naming the request whose signature, body or event id is wrong.
    pub fn envelopes(&self) -> Result<Vec<JobEventEnvelope>> {
        let sent = lock(&self.sent);
        sent.iter()
            .enumerate()
            .map(|(i, r)| {
                let bad = |what: String| {
                    Error::new(
                        ErrorKind::InvalidRequest,
                        format!("webhook request {i}: {what}"),
                    )
                };
                verify_signed_request(
                    &self.secret,
                    r.header(TIMESTAMP_HEADER).unwrap_or_default(),
                    &r.body,
                    r.header(SIGNATURE_HEADER).unwrap_or_default(),
                    SystemTime::now(),
                    DEFAULT_TOLERANCE,
                )
                .map_err(|e| bad(e.to_string()))?;
                let env: JobEventEnvelope = serde_json::from_slice(&r.body)
                    .map_err(|e| bad(format!("the body is not an envelope: {e}")))?;
                if r.header(EVENT_ID_HEADER) != Some(env.id.as_str()) {
                    return Err(bad(format!("the event-id header is not {}", env.id)));
                }
                Ok(env)
            })
            .collect()
    }

    /// The ids of [`envelopes`](Self::envelopes), in order.
    ///
    /// # Errors
    /// As [`envelopes`](Self::envelopes).
    pub fn ids(&self) -> Result<Vec<String>> {
        Ok(self.envelopes()?.into_iter().map(|e| e.id).collect())
    }
}

/// A poisoned lock's requests are still the record.
fn lock(m: &Mutex<Vec<WebhookRequest>>) -> MutexGuard<'_, Vec<WebhookRequest>> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[async_trait]
impl WebhookTransport for RecordingTransport {
    async fn post(&self, request: &WebhookRequest) -> Result<WebhookResponse> {
        lock(&self.sent).push(request.clone());
        let id = request.header(EVENT_ID_HEADER).unwrap_or_default();
        let attempt = request
            .header(ATTEMPT_HEADER)
            .and_then(|a| a.parse().ok())
            .unwrap_or(1);
        Ok(WebhookResponse::new((self.reply)(id, attempt)))
    }
}
