//! Fuzzing entry points of the OpenAI client (feature `fuzzing`): the SSE reader and the
//! Chat Completions body and error decoders, reached without a server.

use ytempire_core::http::{self, VendorError};
use ytempire_core::{ChatResponse, Result};

use super::streaming::{Answer, SseReader};
use super::wire::WireResponse;

const LABEL: &str = "openai/fuzz";

/// Feed `body` to the SSE reader in pieces of the given sizes (cycled; a size of 0 is 1),
/// then turn the answer into a response, as a streamed completion does.
pub(crate) fn sse(body: &[u8], sizes: &[usize]) -> Result<ChatResponse> {
    let mut reader = SseReader::default();
    let mut rest = body;
    let mut k = 0;
    while !rest.is_empty() {
        let size = sizes
            .get(k % sizes.len().max(1))
            .copied()
            .unwrap_or(rest.len())
            .clamp(1, rest.len());
        let (piece, tail) = rest.split_at(size);
        if reader.feed(LABEL, piece)? {
            break;
        }
        rest = tail;
        k += 1;
    }
    reader.finish(LABEL)?.into_response(LABEL)
}

/// Decode a non-streamed Chat Completions body into a response.
pub(crate) fn chat_response(body: &[u8]) -> Result<ChatResponse> {
    let wire: WireResponse = http::json(LABEL, body)?;
    Answer::from_response(wire).into_response(LABEL)
}

/// Decode an error body with OpenAI's error table.
pub(crate) fn error_body(status: u16, body: &[u8]) -> VendorError {
    super::vendor_error(status, body)
}
