//! Server-sent events of a streamed chat completion: `data: {chunk}` lines, a final usage
//! chunk (`stream_options.include_usage`), then `data: [DONE]`.

use futures::StreamExt;
use ytempire_core::{ChatResponse, Error, ErrorKind, FinishReason, Result, Usage};

use super::wire::{WireChunk, WireResponse, finish_reason};

/// An answer being assembled (from one response or many chunks).
#[derive(Debug, Default)]
pub(super) struct Answer {
    text: String,
    refusal: Option<String>,
    finish: Option<String>,
    model: String,
    pub(super) request_id: Option<String>,
    usage: Option<Usage>,
}

impl Answer {
    pub(super) fn from_response(wire: WireResponse) -> Self {
        let choice = wire.choices.into_iter().next();
        let (text, refusal, finish) = match choice {
            Some(c) => (
                c.message.content.unwrap_or_default(),
                c.message.refusal,
                c.finish_reason,
            ),
            None => (String::new(), None, None),
        };
        Self {
            text,
            refusal,
            finish,
            model: wire.model,
            request_id: wire.id,
            usage: wire.usage.map(|u| u.to_usage()),
        }
    }

    fn push(&mut self, chunk: WireChunk) {
        if let Some(model) = chunk.model {
            self.model = model;
        }
        if self.request_id.is_none() {
            self.request_id = chunk.id;
        }
        if let Some(u) = chunk.usage {
            self.usage = Some(u.to_usage());
        }
        for c in chunk.choices {
            if let Some(t) = c.delta.content {
                self.text.push_str(&t);
            }
            if let Some(r) = c.delta.refusal {
                self.refusal.get_or_insert_with(String::new).push_str(&r);
            }
            if c.finish_reason.is_some() {
                self.finish = c.finish_reason;
            }
        }
    }

    pub(super) fn into_response(self, label: &str) -> Result<ChatResponse> {
        let finish = finish_reason(self.finish.as_deref());
        if let Some(refusal) = self.refusal.filter(|r| !r.is_empty()) {
            return Err(Error::new(
                ErrorKind::ContentPolicy,
                format!("{label} refused: {refusal}"),
            )
            .with_provider(label));
        }
        if finish == FinishReason::ContentFilter && self.text.trim().is_empty() {
            return Err(Error::new(
                ErrorKind::ContentPolicy,
                format!("{label}: the content filter removed the answer"),
            )
            .with_provider(label)
            .with_code("content_filter"));
        }
        let mut resp = ChatResponse::new(
            self.text,
            self.model,
            self.usage.unwrap_or(Usage {
                requests: 1,
                ..Usage::default()
            }),
        );
        resp.finish_reason = finish;
        resp.request_id = self.request_id;
        Ok(resp)
    }
}

fn bad(label: &str, what: String) -> Error {
    Error::new(ErrorKind::InvalidResponse, format!("{label}: {what}")).with_provider(label)
}

/// The line-by-line SSE reader: bytes go in as they arrive (split anywhere), chunks come out
/// into an [`Answer`]. Feeding the same bytes in any split gives the same outcome.
#[derive(Debug, Default)]
pub(super) struct SseReader {
    answer: Answer,
    buf: Vec<u8>,
    event: Option<String>,
    done: bool,
}

impl SseReader {
    /// Take the next bytes of the body. Returns `true` once `data: [DONE]` was read (the
    /// rest of the body is then ignored).
    pub(super) fn feed(&mut self, label: &str, chunk: &[u8]) -> Result<bool> {
        if self.done {
            return Ok(true);
        }
        self.buf.extend_from_slice(chunk);
        while let Some(pos) = self.buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.buf.drain(..=pos).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            if let Some(name) = line.strip_prefix("event:") {
                self.event = Some(name.trim().to_owned());
                continue;
            }
            let Some(data) = line.strip_prefix("data:") else {
                continue;
            };
            let data = data.trim_start();
            if data.starts_with("[DONE]") {
                self.done = true;
                self.buf.clear();
                return Ok(true);
            }
            if self.event.as_deref() == Some("error") || data.starts_with("{\"error\"") {
                return Err(Error::new(
                    ErrorKind::Upstream,
                    format!("{label}: the stream reported an error: {data}"),
                )
                .with_provider(label));
            }
            let chunk: WireChunk = serde_json::from_str(data)
                .map_err(|e| bad(label, format!("malformed stream chunk: {e}")))?;
            self.answer.push(chunk);
        }
        Ok(false)
    }

    /// The answer, once the body has ended.
    pub(super) fn finish(self, label: &str) -> Result<Answer> {
        if !self.done {
            return Err(Error::new(
                ErrorKind::Transport,
                format!("{label}: the stream ended before [DONE]"),
            )
            .with_provider(label));
        }
        Ok(self.answer)
    }
}

/// Read an SSE body to the end.
pub(super) async fn collect(label: &str, resp: reqwest::Response) -> Result<Answer> {
    let mut reader = SseReader::default();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ytempire_core::http::transport_error(label, &e))?;
        if reader.feed(label, &chunk)? {
            break;
        }
    }
    reader.finish(label)
}
