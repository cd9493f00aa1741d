//! The Stability fake: v2beta Stable Image generation over multipart/form-data.

use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use axum::http::Method;
use axum::response::Response;
use base64::Engine as _;
use serde_json::json;
use ytempire_core::Result;

use super::images::{encode_jpeg, picture};
use crate::sources::inspect::encode_png;
use ytempire_core::testing::server::{
    Call, FakeServer, FakeVendor, Fault, Incoming, Route, respond, respond_json, spoil_image,
};

const RATIOS: &[(&str, (u32, u32))] = &[
    ("21:9", (1536, 640)),
    ("16:9", (1344, 768)),
    ("3:2", (1216, 832)),
    ("5:4", (1152, 896)),
    ("1:1", (1024, 1024)),
    ("4:5", (896, 1152)),
    ("2:3", (832, 1216)),
    ("9:16", (768, 1344)),
    ("9:21", (640, 1536)),
];

const SD3_MODELS: &[&str] = &[
    "sd3.5-large",
    "sd3.5-large-turbo",
    "sd3.5-medium",
    "sd3.5-flash",
];

const STYLE_PRESETS: &[&str] = &[
    "3d-model",
    "analog-film",
    "anime",
    "cinematic",
    "comic-book",
    "digital-art",
    "enhance",
    "fantasy-art",
    "isometric",
    "line-art",
    "low-poly",
    "modeling-compound",
    "neon-punk",
    "origami",
    "photographic",
    "pixel-art",
    "tile-texture",
];

/// A loopback Stability AI: `POST /v2beta/stable-image/generate/{ultra|core|sd3}`. Stops
/// when dropped.
///
/// - Auth: `Authorization: Bearer <key>` (401 `unauthorized` otherwise).
/// - The body must be `multipart/form-data` with a boundary; `prompt` (1..=10,000
///   characters) is required; `aspect_ratio`, `output_format` (per tier), `seed`
///   (0..=4294967294), `style_preset` (Core), `model` (SD3), `negative_prompt` are checked;
///   `Accept` must be `image/*` or `application/json`. A violation is a 400 `bad_request`
///   with Stability's `{"id","name","errors"}` body.
/// - Success: the raw image (`content-type: image/png` or `image/jpeg`) at the ratio's
///   1-megapixel size (16:9 → 1344×768, 9:16 → 768×1344, …), with `finish-reason` and `seed`
///   headers; or `{"image","finish_reason","seed"}` for `Accept: application/json`. The
///   picture depends on the seed (a random one when 0 or absent).
#[derive(Debug)]
pub struct FakeStability {
    pub(super) server: FakeServer,
}

impl FakeStability {
    /// Start on 127.0.0.1 on a free port.
    ///
    /// # Errors
    /// `Io` when no port can be bound.
    pub async fn start() -> Result<Self> {
        let vendor = StabilityVendor {
            next_seed: AtomicU64::new(0x5EED),
        };
        Ok(Self {
            server: FakeServer::start(vendor).await?,
        })
    }

    /// The base URL to configure the client with (`http://127.0.0.1:PORT`).
    pub fn base_url(&self) -> String {
        self.origin()
    }
}

struct StabilityVendor {
    next_seed: AtomicU64,
}

/// Text fields of a `multipart/form-data` body, or why it is not one.
pub(crate) fn parse_multipart(
    content_type: Option<&str>,
    body: &[u8],
) -> std::result::Result<Vec<(String, String)>, String> {
    let ct = content_type.unwrap_or_default();
    if !ct.to_ascii_lowercase().starts_with("multipart/form-data") {
        return Err(format!(
            "content-type: must be multipart/form-data, got {ct:?}"
        ));
    }
    let boundary = ct
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_owned())
        .filter(|b| !b.is_empty())
        .ok_or("content-type: multipart boundary is missing")?;
    let text = String::from_utf8_lossy(body);
    let delim = format!("--{boundary}");
    let mut parts = text.split(delim.as_str());
    if parts.next().is_none_or(|pre| !pre.trim().is_empty()) {
        return Err("body does not start with the boundary".into());
    }
    let mut fields = Vec::new();
    let mut closed = false;
    for part in parts {
        if part.starts_with("--") {
            closed = true;
            break;
        }
        let part = part
            .strip_prefix("\r\n")
            .ok_or("part does not start with CRLF")?;
        let (head, value) = part
            .split_once("\r\n\r\n")
            .ok_or("part has no blank line after its headers")?;
        let name = head
            .lines()
            .find(|l| {
                l.to_ascii_lowercase()
                    .starts_with("content-disposition: form-data")
            })
            .and_then(|l| l.split(';').find_map(|p| p.trim().strip_prefix("name=")))
            .map(|n| n.trim_matches('"').to_owned())
            .ok_or("part has no Content-Disposition form-data name")?;
        let value = value
            .strip_suffix("\r\n")
            .ok_or("part value does not end with CRLF")?;
        fields.push((name, value.to_owned()));
    }
    if !closed {
        return Err("multipart body is not closed by the final boundary".into());
    }
    Ok(fields)
}

fn validate(tier: &str, accept: Option<&str>, fields: &[(String, String)]) -> Vec<String> {
    let mut v = Vec::new();
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    match get("prompt") {
        None => v.push("prompt: required".to_owned()),
        Some(p) if p.trim().is_empty() => v.push("prompt: cannot be empty".to_owned()),
        Some(p) if p.chars().count() > 10_000 => {
            v.push("prompt: must be at most 10000 characters".to_owned());
        }
        _ => {}
    }
    if let Some(a) = get("aspect_ratio")
        && !RATIOS.iter().any(|(r, _)| *r == a)
    {
        v.push(format!("aspect_ratio: {a:?} is not a supported ratio"));
    }
    let formats: &[&str] = if tier == "core" {
        &["png", "jpeg", "webp"]
    } else {
        &["png", "jpeg"]
    };
    if let Some(f) = get("output_format")
        && !formats.contains(&f)
    {
        v.push(format!("output_format: {f:?} is not one of {formats:?}"));
    }
    if let Some(s) = get("seed")
        && !s.parse::<u64>().is_ok_and(|s| s <= 4_294_967_294)
    {
        v.push(format!("seed: {s:?} must be an integer in 0..=4294967294"));
    }
    if let Some(p) = get("style_preset") {
        if tier != "core" {
            v.push("style_preset: only supported by core".to_owned());
        } else if !STYLE_PRESETS.contains(&p) {
            v.push(format!("style_preset: {p:?} is not a preset"));
        }
    }
    match (tier, get("model")) {
        ("sd3", Some(m)) if !SD3_MODELS.contains(&m) => {
            v.push(format!("model: {m:?} is not an SD3.5 model"));
        }
        ("ultra" | "core", Some(_)) => v.push("model: only supported by sd3".to_owned()),
        _ => {}
    }
    let known = [
        "prompt",
        "negative_prompt",
        "aspect_ratio",
        "seed",
        "output_format",
        "style_preset",
        "model",
        "mode",
        "cfg_scale",
        "image",
        "strength",
        "none",
    ];
    for (k, _) in fields {
        if !known.contains(&k.as_str()) {
            v.push(format!("{k}: unknown field"));
        }
    }
    if let Some(a) = accept
        && !(a.contains("image/*") || a.contains("application/json"))
    {
        v.push(format!(
            "accept: must be image/* or application/json, got {a:?}"
        ));
    }
    v
}

#[async_trait]
impl FakeVendor for StabilityVendor {
    fn route(&self, req: &Incoming) -> Option<Route> {
        let tier = req
            .uri
            .path()
            .strip_prefix("/v2beta/stable-image/generate/")?;
        (req.method == Method::POST && ["ultra", "core", "sd3"].contains(&tier))
            .then_some(Route::MEDIA_API)
    }

    fn error(&self, status: u16, code: &str, message: &str) -> Response {
        let name = match status {
            400 => "bad_request",
            401 => "unauthorized",
            402 => "payment_required",
            403 => "content_moderation",
            404 => "not_found",
            429 => "rate_limit_exceeded",
            _ => code,
        };
        respond_json(
            status,
            &json!({"id": format!("{:032x}", u128::from(status) * 0x9e37_79b9), "name": name, "errors": [message]}),
            &[],
        )
    }

    fn rate_limited(&self, retry_after_secs: Option<u64>) -> Response {
        let mut r = self.error(
            429,
            "rate_limit_exceeded",
            "You have exceeded the rate limit of 150 requests within a 10 second period",
        );
        if let Some(v) = retry_after_secs.and_then(|s| s.to_string().parse().ok()) {
            r.headers_mut().insert("retry-after", v);
        }
        r
    }

    fn check_auth(&self, req: &Incoming, required: Option<&str>) -> Option<Response> {
        let key = req
            .header("authorization")
            .and_then(|a| a.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|k| !k.is_empty());
        let ok = match (key, required) {
            (Some(k), Some(r)) => k == r,
            (Some(_), None) => true,
            (None, _) => false,
        };
        (!ok).then(|| {
            self.error(
                401,
                "unauthorized",
                "authorization: invalid or missing Bearer key",
            )
        })
    }

    async fn answer(&self, call: Call<'_>) -> Response {
        let (req, fault, state, recorded) = (call.req, call.fault, call.state, call.recorded);
        let tier = req
            .uri
            .path()
            .trim_start_matches("/v2beta/stable-image/generate/")
            .to_owned();
        let fields = match parse_multipart(req.header("content-type"), &req.body) {
            Ok(f) => f,
            Err(why) => {
                state.violate(std::slice::from_ref(&why));
                return self.error(400, "bad_request", &why);
            }
        };
        recorded.form.clone_from(&fields);
        let accept = req.header("accept");
        let violations = validate(&tier, accept, &fields);
        if !violations.is_empty() {
            state.violate(&violations);
            return self.error(400, "bad_request", &violations.join("; "));
        }
        match fault {
            Some(Fault::Unauthorized) => {
                return self.error(401, "unauthorized", "authorization: invalid key");
            }
            Some(Fault::QuotaExhausted) => {
                return self.error(402, "payment_required", "You lack sufficient credits to make this request. Please purchase more credits and try again.");
            }
            Some(Fault::ContentModeration) => {
                return self.error(403, "content_moderation", "Your request was flagged by our content moderation system, as a result your request was denied and you were not charged.");
            }
            _ => {}
        }
        let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let ratio = get("aspect_ratio").unwrap_or("1:1");
        let (w, h) = RATIOS
            .iter()
            .find(|(r, _)| *r == ratio)
            .map_or((1024, 1024), |(_, d)| *d);
        let seed = match get("seed").and_then(|s| s.parse::<u64>().ok()) {
            Some(s) if s > 0 => s,
            _ => self.next_seed.fetch_add(7919, Ordering::Relaxed) % 4_294_967_294 + 1,
        };
        let jpeg = get("output_format") == Some("jpeg");
        let prompt_seed = get("prompt").map_or(0, |p| p.len() as u64);
        let img = picture(seed ^ (prompt_seed << 40), w, h);
        let encoded = if jpeg {
            encode_jpeg(&img)
        } else {
            encode_png(&image::DynamicImage::ImageRgb8(img))
        };
        let Ok(bytes) = encoded else {
            return self.error(500, "internal_error", "encoding failed");
        };
        let bytes = spoil_image(bytes, fault);
        let finish = if fault == Some(&Fault::ContentFiltered) {
            "CONTENT_FILTERED"
        } else {
            "SUCCESS"
        };
        let ctype = if jpeg { "image/jpeg" } else { "image/png" };
        if accept.is_some_and(|a| a.contains("application/json")) {
            let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
            return respond_json(
                200,
                &json!({"image": b64, "finish_reason": finish, "seed": seed}),
                &[],
            );
        }
        respond(
            200,
            ctype,
            bytes,
            &[
                ("finish-reason", finish.to_owned()),
                ("seed", seed.to_string()),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_multipart_fields() {
        let body = "--b1\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\na cat\r\n--b1\r\nContent-Disposition: form-data; name=\"seed\"\r\n\r\n7\r\n--b1--\r\n";
        let f = parse_multipart(Some("multipart/form-data; boundary=b1"), body.as_bytes()).unwrap();
        assert_eq!(
            f,
            [
                ("prompt".into(), "a cat".into()),
                ("seed".into(), "7".into())
            ]
        );
        assert!(parse_multipart(Some("application/json"), b"{}").is_err());
        assert!(parse_multipart(Some("multipart/form-data; boundary=b1"), b"--b1\r\n").is_err());
    }
}
