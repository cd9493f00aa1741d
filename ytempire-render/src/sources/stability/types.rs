//! Stability's request vocabulary (model tiers, output formats, aspect ratios), its wire
//! answers and its error table.

use serde::Deserialize;
use ytempire_core::ErrorKind;
use ytempire_core::http::VendorError;

/// A Stable Image model tier, with its published price per successful image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StabilityModel {
    /// Stable Image Ultra (8 credits).
    Ultra,
    /// Stable Image Core (3 credits).
    Core,
    /// SD3.5 Large (6.5 credits).
    Sd35Large,
    /// SD3.5 Large Turbo.
    Sd35LargeTurbo,
    /// SD3.5 Medium.
    Sd35Medium,
}

impl StabilityModel {
    /// The id reported as [`ProviderInfo::model`](ytempire_core::ProviderInfo::model) (what the cost catalog prices).
    pub const fn id(self) -> &'static str {
        match self {
            Self::Ultra => "ultra",
            Self::Core => "core",
            Self::Sd35Large => "sd3.5-large",
            Self::Sd35LargeTurbo => "sd3.5-large-turbo",
            Self::Sd35Medium => "sd3.5-medium",
        }
    }

    /// The endpoint segment: `ultra`, `core` or `sd3`.
    pub const fn endpoint(self) -> &'static str {
        match self {
            Self::Ultra => "ultra",
            Self::Core => "core",
            Self::Sd35Large | Self::Sd35LargeTurbo | Self::Sd35Medium => "sd3",
        }
    }

    /// The `model` form field (SD3.5 only).
    pub const fn model_field(self) -> Option<&'static str> {
        match self {
            Self::Ultra | Self::Core => None,
            _ => Some(self.id()),
        }
    }

    /// Credits per successful image (1 credit = $0.01), from `docs/vendor-apis.md` §6.1.
    /// Only SD3.5 Large is published there; the other SD3.5 models are given its price, as
    /// the cost catalog's `sd3*` entry does, so estimates err high.
    pub const fn credits_per_image(self) -> f64 {
        match self {
            Self::Ultra => 8.0,
            Self::Core => 3.0,
            Self::Sd35Large | Self::Sd35LargeTurbo | Self::Sd35Medium => 6.5,
        }
    }

    /// US dollars per successful image (informational; the cost crate's catalog decides).
    pub fn usd_per_image(self) -> f64 {
        self.credits_per_image() / 100.0
    }

    /// Whether the tier can return `format`.
    pub const fn supports(self, format: StabilityFormat) -> bool {
        // Every tier does PNG and JPEG; WebP (Core only) is not offered because the render
        // crate decodes PNG and JPEG.
        matches!(format, StabilityFormat::Png | StabilityFormat::Jpeg)
    }
}

/// Output format (`output_format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StabilityFormat {
    /// PNG (lossless, larger).
    #[default]
    Png,
    /// JPEG.
    Jpeg,
}

impl StabilityFormat {
    /// The form value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpeg",
        }
    }
}

/// Aspect ratios Stability generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AspectRatio {
    /// 21:9
    R21x9,
    /// 16:9
    R16x9,
    /// 3:2
    R3x2,
    /// 5:4
    R5x4,
    /// 1:1
    R1x1,
    /// 4:5
    R4x5,
    /// 2:3
    R2x3,
    /// 9:16
    R9x16,
    /// 9:21
    R9x21,
}

impl AspectRatio {
    /// Every supported ratio.
    pub const ALL: [Self; 9] = [
        Self::R21x9,
        Self::R16x9,
        Self::R3x2,
        Self::R5x4,
        Self::R1x1,
        Self::R4x5,
        Self::R2x3,
        Self::R9x16,
        Self::R9x21,
    ];

    /// `(width, height)` parts.
    pub const fn parts(self) -> (u32, u32) {
        match self {
            Self::R21x9 => (21, 9),
            Self::R16x9 => (16, 9),
            Self::R3x2 => (3, 2),
            Self::R5x4 => (5, 4),
            Self::R1x1 => (1, 1),
            Self::R4x5 => (4, 5),
            Self::R2x3 => (2, 3),
            Self::R9x16 => (9, 16),
            Self::R9x21 => (9, 21),
        }
    }

    /// The form value, e.g. `16:9`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::R21x9 => "21:9",
            Self::R16x9 => "16:9",
            Self::R3x2 => "3:2",
            Self::R5x4 => "5:4",
            Self::R1x1 => "1:1",
            Self::R4x5 => "4:5",
            Self::R2x3 => "2:3",
            Self::R9x16 => "9:16",
            Self::R9x21 => "9:21",
        }
    }

    /// The supported ratio nearest `width`:`height` (compared on a log scale, so 2:1 is as
    /// far from 1:1 as 1:2).
    ///
    /// ```
    /// use ytempire_render::sources::AspectRatio;
    /// assert_eq!(AspectRatio::nearest(1920, 1080), AspectRatio::R16x9);
    /// assert_eq!(AspectRatio::nearest(1080, 1920), AspectRatio::R9x16);
    /// assert_eq!(AspectRatio::nearest(1000, 990), AspectRatio::R1x1);
    /// ```
    pub fn nearest(width: u32, height: u32) -> Self {
        let want = (f64::from(width.max(1)) / f64::from(height.max(1))).ln();
        let dist = |r: Self| {
            let (w, h) = r.parts();
            ((f64::from(w) / f64::from(h)).ln() - want).abs()
        };
        Self::ALL
            .into_iter()
            .min_by(|a, b| dist(*a).total_cmp(&dist(*b)))
            .unwrap_or(Self::R1x1)
    }
}

#[derive(Deserialize)]
pub(super) struct WireError {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    errors: Vec<String>,
    #[serde(default)]
    message: Option<String>,
}

/// `{"image": base64, "finish_reason", "seed"}` (answers to `Accept: application/json`).
#[derive(Deserialize)]
pub(super) struct WireJsonImage {
    pub(super) image: String,
    #[serde(default)]
    pub(super) finish_reason: Option<String>,
    #[serde(default)]
    pub(super) seed: Option<u64>,
}

/// Stability's error JSON → kind, code and message.
pub(super) fn vendor_error(status: u16, body: &[u8]) -> VendorError {
    let Ok(wire) = serde_json::from_slice::<WireError>(body) else {
        return VendorError::raw(body);
    };
    let message = if wire.errors.is_empty() {
        wire.message.unwrap_or_default()
    } else {
        wire.errors.join("; ")
    };
    let name = wire.name.unwrap_or_default();
    let text = format!("{name} {message}").to_lowercase();
    let kind = if text.contains("moderation") || text.contains("content_filtered") {
        Some(ErrorKind::ContentPolicy)
    } else if status == 402 || text.contains("payment_required") || text.contains("insufficient") {
        Some(ErrorKind::QuotaExhausted)
    } else {
        None
    };
    let mut vendor = VendorError::new(message).with_code(name);
    vendor.kind = kind;
    vendor
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_ratios() {
        assert_eq!(AspectRatio::nearest(2560, 1080), AspectRatio::R21x9);
        assert_eq!(AspectRatio::nearest(1200, 800), AspectRatio::R3x2);
        assert_eq!(AspectRatio::nearest(64, 48), AspectRatio::R5x4);
        assert_eq!(AspectRatio::nearest(1080, 1350), AspectRatio::R4x5);
        assert_eq!(AspectRatio::nearest(400, 1000), AspectRatio::R9x21);
    }

    #[test]
    fn moderation_and_payment_are_typed() {
        let m = vendor_error(
            403,
            br#"{"id":"a","name":"content_moderation","errors":["flagged"]}"#,
        );
        assert_eq!(m.kind, Some(ErrorKind::ContentPolicy));
        let p = vendor_error(
            402,
            br#"{"id":"a","name":"payment_required","errors":["no credits"]}"#,
        );
        assert_eq!(p.kind, Some(ErrorKind::QuotaExhausted));
        let b = vendor_error(
            400,
            br#"{"id":"a","name":"bad_request","errors":["prompt: required"]}"#,
        );
        assert_eq!((b.kind, b.code.as_deref()), (None, Some("bad_request")));
        assert_eq!(b.message, "prompt: required");
    }
}
