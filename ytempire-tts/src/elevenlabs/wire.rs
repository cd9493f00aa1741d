//! ElevenLabs wire types (`/with-timestamps`) and its error table.

use serde::Deserialize;
use ytempire_core::ErrorKind;
use ytempire_core::http::VendorError;

/// `/with-timestamps`' answer: base64 PCM and per-character alignment.
#[derive(Deserialize)]
pub(super) struct TimestampsResponse {
    pub(super) audio_base64: String,
    #[serde(default)]
    pub(super) alignment: Option<Alignment>,
}

/// Each character's start and end in seconds.
#[derive(Deserialize)]
pub(super) struct Alignment {
    pub(super) characters: Vec<String>,
    pub(super) character_start_times_seconds: Vec<f64>,
    pub(super) character_end_times_seconds: Vec<f64>,
}

/// ElevenLabs' error table: `{"detail":{"status","message"}}` (`quota_exceeded`, even as
/// HTTP 401, is a spent quota) or a validation error's `{"detail":[{"loc","msg"}]}`.
pub(super) fn vendor_error(bytes: &[u8]) -> VendorError {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return VendorError::raw(bytes);
    };
    let mut vendor = match &v["detail"] {
        serde_json::Value::Array(items) => {
            let first = items.first();
            let field = first
                .and_then(|i| i["loc"].as_array())
                .and_then(|loc| loc.last())
                .map(|l| l.as_str().map_or_else(|| l.to_string(), str::to_owned));
            let mut vendor =
                VendorError::new(first.and_then(|i| i["msg"].as_str()).unwrap_or_default())
                    .with_code("validation_error");
            vendor.field = field;
            vendor
        }
        detail => {
            let mut vendor = VendorError::new(
                detail["message"]
                    .as_str()
                    .or_else(|| detail.as_str())
                    .unwrap_or_default(),
            );
            vendor.code = detail["status"].as_str().map(str::to_owned);
            vendor
        }
    };
    if vendor.code.as_deref() == Some("quota_exceeded") {
        vendor.kind = Some(ErrorKind::QuotaExhausted);
    }
    vendor
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_error_shapes() {
        let quota = vendor_error(br#"{"detail":{"status":"quota_exceeded","message":"This request exceeds your quota"}}"#);
        assert_eq!(quota.code.as_deref(), Some("quota_exceeded"));
        assert_eq!(quota.kind, Some(ErrorKind::QuotaExhausted));
        let v = vendor_error(br#"{"detail":[{"loc":["body","text"],"msg":"field required","type":"value_error.missing"}]}"#);
        assert_eq!(v.field.as_deref(), Some("text"));
        assert_eq!(v.message, "field required");
    }
}
