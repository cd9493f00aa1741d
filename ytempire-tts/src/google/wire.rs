//! Google Cloud TTS wire types (`text:synthesize`, `voices`) and its error table.

use serde::Deserialize;
use ytempire_core::ErrorKind;
use ytempire_core::http::{self, VendorError};

use crate::client::ErrorEnvelope;

/// `text:synthesize`'s answer: base64 WAV and, with time pointing, the marks' times.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SynthesizeResponse {
    pub(super) audio_content: String,
    #[serde(default)]
    pub(super) timepoints: Vec<Timepoint>,
}

/// When an SSML `<mark>` was reached.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Timepoint {
    pub(super) mark_name: String,
    pub(super) time_seconds: f64,
}

/// One voice of `GET v1/voices`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireVoice {
    #[serde(default)]
    pub(super) language_codes: Vec<String>,
    pub(super) name: String,
    #[serde(default)]
    pub(super) ssml_gender: Option<String>,
}

/// `GET v1/voices`' answer.
#[derive(Deserialize)]
pub(super) struct VoicesResponse {
    #[serde(default)]
    pub(super) voices: Vec<WireVoice>,
}

/// Google's error table: `{"error":{"code","message","status"}}`. `RESOURCE_EXHAUSTED`, or a
/// message about quota or billing, is a spent quota unless the status is 429 (a rate
/// limit); the field is the first word of the message naming one.
pub(super) fn vendor_error(status: u16, bytes: &[u8]) -> VendorError {
    let (message, code) = match ErrorEnvelope::parse(bytes) {
        Some(error) => (error.message, error.status),
        None => (http::excerpt(bytes), None),
    };
    let lower = message.to_ascii_lowercase();
    let quota = status != 429
        && (code.as_deref() == Some("RESOURCE_EXHAUSTED")
            || lower.contains("quota")
            || lower.contains("billing"));
    let field = message
        .split_whitespace()
        .find(|w| {
            w.contains("input")
                || w.contains("voice")
                || w.contains("audio_config")
                || w.contains("audioConfig")
        })
        .map(|w| {
            // Inner dots stay (`voice.languageCode`); surrounding punctuation goes.
            w.trim_matches(|c: char| !c.is_alphanumeric() && c != '_')
                .to_owned()
        });
    let mut vendor = VendorError::new(message);
    vendor.code = code;
    vendor.field = field;
    vendor.kind = quota.then_some(ErrorKind::QuotaExhausted);
    vendor
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quota_rate_limit_and_field() {
        let quota = br#"{"error":{"code":403,"message":"Quota exceeded for quota metric","status":"PERMISSION_DENIED"}}"#;
        let v = vendor_error(403, quota);
        assert_eq!(v.kind, Some(ErrorKind::QuotaExhausted));
        assert_eq!(v.code.as_deref(), Some("PERMISSION_DENIED"));
        let busy = br#"{"error":{"code":429,"message":"slow down","status":"RESOURCE_EXHAUSTED"}}"#;
        assert_eq!(vendor_error(429, busy).kind, None);
        let field = br#"{"error":{"code":400,"message":"Requested language tlh is not supported (voice.languageCode).","status":"INVALID_ARGUMENT"}}"#;
        assert_eq!(
            vendor_error(400, field).field.as_deref(),
            Some("voice.languageCode")
        );
        assert_eq!(vendor_error(502, b"<html>bad gateway").code, None);
    }
}
