//! OpenAI speech wire types (`/audio/speech`) and its error table.

use serde::Serialize;
use ytempire_core::ErrorKind;
use ytempire_core::http::{OpenAiError, VendorError};

/// `POST /audio/speech`'s body.
#[derive(Serialize)]
pub(super) struct Wire<'a> {
    pub(super) model: &'a str,
    pub(super) input: &'a str,
    pub(super) voice: &'a str,
    pub(super) response_format: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) speed: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) instructions: Option<&'a str>,
}

/// OpenAI's error table: `{"error":{"message","code","param"}}`; `insufficient_quota` is a
/// spent quota.
pub(super) fn vendor_error(bytes: &[u8]) -> VendorError {
    let Some(error) = OpenAiError::parse(bytes) else {
        return VendorError::raw(bytes);
    };
    let mut vendor = VendorError::new(error.message);
    vendor.code = error.code;
    if vendor.code.as_deref() == Some("insufficient_quota") {
        vendor.kind = Some(ErrorKind::QuotaExhausted);
    }
    vendor.field = error.param;
    vendor
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_code_field_and_quota() {
        let quota = vendor_error(
            br#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#,
        );
        assert_eq!(quota.kind, Some(ErrorKind::QuotaExhausted));
        assert_eq!(quota.field, None);
        let bad = vendor_error(
            br#"{"error":{"message":"Invalid value for 'voice'.","type":"invalid_request_error","param":"voice","code":"invalid_value"}}"#,
        );
        assert_eq!(bad.code.as_deref(), Some("invalid_value"));
        assert_eq!(bad.field.as_deref(), Some("voice"));
        assert_eq!(bad.kind, None);
        assert_eq!(vendor_error(b"upstream connect error").code, None);
    }
}
