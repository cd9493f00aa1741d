//! Bounded response bodies, JSON decoding with an excerpt of the body in the error, and
//! credential-free downloads.

use std::time::SystemTime;

use super::error::{VendorError, check_at, transport_error};
use crate::{Error, ErrorKind, Result};

/// Largest media body accepted (images, clips, audio); larger answers are refused, not
/// buffered.
pub const MAX_BODY: usize = 256 << 20;

/// Largest JSON answer accepted.
pub const MAX_JSON_BODY: usize = 16 << 20;

/// Largest error body read (the rest is not needed to explain the error).
pub const MAX_ERROR_BODY: usize = 64 << 10;

/// Characters of a body kept in an error.
const EXCERPT_CHARS: usize = 200;

/// A short single-line excerpt of `body` for an error message: whitespace folded, at most
/// 200 characters, invalid UTF-8 replaced.
///
/// ```
/// assert_eq!(ytempire_core::http::excerpt(b"  bad\n\n gateway "), "bad gateway");
/// ```
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out = String::new();
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
        if out.chars().count() >= EXCERPT_CHARS {
            break;
        }
    }
    out.chars().take(EXCERPT_CHARS).collect()
}

/// Read a body of at most `max` bytes. A `Content-Length` over `max`, or more bytes than
/// `max` arriving, is [`ErrorKind::InvalidResponse`]; a body that breaks off (dropped
/// connection, fewer bytes than `Content-Length` promised, timeout) is the
/// [`transport_error`].
///
/// # Errors
///
/// As above.
pub async fn read_body(
    provider: &str,
    mut response: reqwest::Response,
    max: usize,
) -> Result<Vec<u8>> {
    let too_big = || {
        Error::new(
            ErrorKind::InvalidResponse,
            format!("{provider}: the response body is larger than {max} bytes"),
        )
        .with_provider(provider)
    };
    if response.content_length().is_some_and(|n| n > max as u64) {
        return Err(too_big());
    }
    let mut out = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport_error(provider, &e))?
    {
        if out.len() + chunk.len() > max {
            return Err(too_big());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Decode a JSON answer. A malformed or truncated body is [`ErrorKind::InvalidResponse`]
/// naming serde's complaint and quoting the body's start ([`excerpt`]), so a proxy's HTML
/// page is recognisable in the error.
///
/// # Errors
///
/// As above.
pub fn json<T: serde::de::DeserializeOwned>(provider: &str, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| {
        let start = excerpt(body);
        let shown = if start.is_empty() {
            "the body is empty".to_owned()
        } else {
            format!("the body starts `{start}`")
        };
        Error::new(
            ErrorKind::InvalidResponse,
            format!("{provider}: malformed or truncated JSON answer ({e}); {shown}"),
        )
        .with_provider(provider)
    })
}

/// `GET url` without credentials (CDN links never need the API key, and sending it to
/// another host would leak it), checked with the raw-body table and read up to [`MAX_BODY`].
/// Returns the body and its `Content-Type`.
///
/// # Errors
///
/// The transport error, the status error (with `Retry-After` measured from `now`), or a body
/// over the limit.
pub async fn download(
    client: &reqwest::Client,
    provider: &str,
    url: &str,
    now: SystemTime,
) -> Result<(Vec<u8>, Option<String>)> {
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| transport_error(provider, &e))?;
    let response = check_at(provider, response, now, |_, body| VendorError::raw(body)).await?;
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Ok((read_body(provider, response, MAX_BODY).await?, content_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_quote_the_body() {
        let e = json::<serde_json::Value>("p", b"<html><body>502 Bad Gateway</body></html>")
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidResponse);
        assert!(e.message().contains("`<html><body>502 Bad Gateway"), "{e}");
        let e = json::<serde_json::Value>("p", b"").unwrap_err();
        assert!(e.message().contains("the body is empty"), "{e}");
        let v: serde_json::Value = json("p", br#"{"a":1}"#).unwrap();
        assert_eq!(v["a"], 1);
    }

    #[test]
    fn excerpts_are_short() {
        let long = "word ".repeat(500);
        assert_eq!(excerpt(long.as_bytes()).chars().count(), 200);
        assert_eq!(excerpt(&[0xff, b'a']), "\u{fffd}a");
    }
}
