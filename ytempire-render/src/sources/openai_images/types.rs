//! The OpenAI images spec's model families (limits, sizes, parameters), its wire answers and
//! its error table.

use serde::Deserialize;
use ytempire_core::ErrorKind;
use ytempire_core::http::{OpenAiError, VendorError};

/// Which rules of the spec a model follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    /// `gpt-image-*`: always base64, `output_format`, 1024/1536 sizes.
    GptImage,
    DallE3,
    DallE2,
    /// A compatible server's own model: DALL·E-style parameters.
    Other,
}

impl Family {
    pub(super) fn of(model: &str) -> Self {
        if model.starts_with("gpt-image") {
            Self::GptImage
        } else if model.starts_with("dall-e-3") {
            Self::DallE3
        } else if model.starts_with("dall-e-2") {
            Self::DallE2
        } else {
            Self::Other
        }
    }

    pub(super) const fn max_prompt(self) -> Option<usize> {
        match self {
            Self::GptImage => Some(32_000),
            Self::DallE3 => Some(4_000),
            Self::DallE2 => Some(1_000),
            Self::Other => None,
        }
    }

    pub(super) const fn max_n(self) -> u32 {
        match self {
            Self::DallE3 => 1,
            _ => 10,
        }
    }

    const fn sizes(self) -> &'static [(u32, u32)] {
        match self {
            Self::GptImage | Self::Other => &[(1024, 1024), (1536, 1024), (1024, 1536)],
            Self::DallE3 => &[(1024, 1024), (1792, 1024), (1024, 1792)],
            Self::DallE2 => &[(256, 256), (512, 512), (1024, 1024)],
        }
    }

    pub(super) const fn takes_response_format(self) -> bool {
        !matches!(self, Self::GptImage)
    }
}

/// The model's supported size nearest the aspect of `width`×`height`; among equally near
/// ones, the smallest covering the request (else the largest).
pub(super) fn pick_size(family: Family, width: u32, height: u32) -> (u32, u32) {
    let ln = |w: u32, h: u32| (f64::from(w.max(1)) / f64::from(h.max(1))).ln();
    let want = ln(width, height);
    let sizes = family.sizes();
    let best = sizes
        .iter()
        .map(|&(w, h)| (ln(w, h) - want).abs())
        .fold(f64::INFINITY, f64::min);
    let mut near: Vec<(u32, u32)> = sizes
        .iter()
        .copied()
        .filter(|&(w, h)| ((ln(w, h) - want).abs() - best).abs() < 1e-9)
        .collect();
    near.sort_by_key(|&(w, h)| u64::from(w) * u64::from(h));
    near.iter()
        .copied()
        .find(|&(w, h)| w >= width && h >= height)
        .or_else(|| near.last().copied())
        .unwrap_or((1024, 1024))
}

#[derive(Deserialize)]
pub(super) struct WireResponse {
    #[serde(default)]
    pub(super) data: Vec<WireImage>,
    #[serde(default)]
    pub(super) usage: Option<WireUsage>,
}

#[derive(Deserialize)]
pub(super) struct WireImage {
    #[serde(default)]
    pub(super) b64_json: Option<String>,
    #[serde(default)]
    pub(super) url: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct WireUsage {
    #[serde(default)]
    pub(super) input_tokens: u64,
    #[serde(default)]
    pub(super) output_tokens: u64,
}

/// OpenAI's error JSON → kind, code and message.
pub(super) fn vendor_error(body: &[u8]) -> VendorError {
    let Some(e) = OpenAiError::parse(body) else {
        return VendorError::raw(body);
    };
    let code = e.code.or(e.kind).unwrap_or_default();
    let text = format!("{code} {}", e.message).to_lowercase();
    let kind = if text.contains("insufficient_quota") || text.contains("billing_hard_limit") {
        Some(ErrorKind::QuotaExhausted)
    } else if text.contains("content_policy")
        || text.contains("moderation_blocked")
        || text.contains("safety system")
    {
        Some(ErrorKind::ContentPolicy)
    } else {
        None
    };
    let mut vendor = VendorError::new(e.message).with_code(code);
    vendor.kind = kind;
    vendor
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_the_model() {
        assert_eq!(pick_size(Family::GptImage, 1920, 1080), (1536, 1024));
        assert_eq!(pick_size(Family::GptImage, 1080, 1920), (1024, 1536));
        assert_eq!(pick_size(Family::DallE3, 1080, 1920), (1024, 1792));
        assert_eq!(pick_size(Family::DallE3, 500, 500), (1024, 1024));
        assert_eq!(pick_size(Family::DallE2, 300, 300), (512, 512));
        assert_eq!(pick_size(Family::DallE2, 64, 48), (256, 256));
        assert_eq!(pick_size(Family::DallE2, 4000, 3000), (1024, 1024));
    }

    #[test]
    fn quota_and_policy_errors_are_typed() {
        let q = vendor_error(br#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#);
        assert_eq!(q.kind, Some(ErrorKind::QuotaExhausted));
        let p = vendor_error(br#"{"error":{"message":"Your request was rejected by our safety system","type":"invalid_request_error","param":null,"code":"content_policy_violation"}}"#);
        assert_eq!(p.kind, Some(ErrorKind::ContentPolicy));
    }
}
