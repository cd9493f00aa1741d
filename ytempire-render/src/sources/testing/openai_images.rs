//! The OpenAI images fake: `POST /v1/images/generations` (spec `CreateImageRequest` /
//! `ImagesResponse`) and the image URLs it hands out for `response_format: url`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use async_trait::async_trait;
use axum::http::Method;
use axum::response::Response;
use base64::Engine as _;
use serde_json::{Value, json};
use ytempire_core::Result;

use super::images::{encode_jpeg, picture};
use crate::sources::inspect::encode_png;
use ytempire_core::testing::server::{
    Call, FakeServer, FakeVendor, Fault, Incoming, Route, respond, respond_json, spoil_image,
};

const MODELS: &[&str] = &[
    "gpt-image-1",
    "gpt-image-1-mini",
    "gpt-image-1.5",
    "gpt-image-2",
    "gpt-image-2-2026-04-21",
    "dall-e-2",
    "dall-e-3",
];

/// A loopback OpenAI images server. Stops when dropped.
///
/// - Auth: `Authorization: Bearer <key>` (401 `invalid_api_key` otherwise).
/// - Validation per the spec: `prompt` required (32,000 / 4,000 / 1,000 characters for GPT
///   image models / `dall-e-3` / `dall-e-2`), known `model` (default `dall-e-2`), `n`
///   1..=10 (`dall-e-3`: 1), `size` per model, `quality` per model, `response_format` only
///   for DALL·E, `output_format`/`background`/`moderation` only for GPT image models, `style`
///   only for `dall-e-3`, no unknown parameters. A violation is a 400
///   `invalid_request_error`.
/// - Success: `{"created","data":[{"b64_json"}|{"url"}],…}`; GPT image models also report
///   `size`, `quality`, `output_format` and token `usage`; `dall-e-3` a `revised_prompt`.
///   `url` answers point back at this server.
#[derive(Debug)]
pub struct FakeOpenAiImages {
    pub(super) server: FakeServer,
    vendor: Arc<OpenAiVendor>,
}

impl FakeOpenAiImages {
    /// Start on 127.0.0.1 on a free port.
    ///
    /// # Errors
    /// `Io` when no port can be bound.
    pub async fn start() -> Result<Self> {
        let vendor = Arc::new(OpenAiVendor {
            counter: AtomicU64::new(1),
            urls: AtomicBool::new(false),
        });
        Ok(Self {
            server: FakeServer::start_shared(Arc::clone(&vendor)).await?,
            vendor,
        })
    }

    /// Answer with `url` items even when `b64_json` was asked for, as some compatible
    /// servers do (the URLs point back at this fake).
    pub fn answer_with_urls(&self, yes: bool) {
        self.vendor.urls.store(yes, Ordering::Relaxed);
    }

    /// Base URL including `/v1`.
    pub fn base_url(&self) -> String {
        format!("{}/v1", self.origin())
    }
}

#[derive(Debug)]
struct OpenAiVendor {
    counter: AtomicU64,
    urls: AtomicBool,
}

fn is_gpt(model: &str) -> bool {
    model.starts_with("gpt-image")
}

fn validate(body: &Value) -> Vec<String> {
    let mut v = Vec::new();
    let Some(obj) = body.as_object() else {
        return vec!["the body must be a JSON object".to_owned()];
    };
    let model = match obj.get("model") {
        None | Some(Value::Null) => "dall-e-2",
        Some(Value::String(m)) if MODELS.contains(&m.as_str()) => m.as_str(),
        Some(other) => {
            v.push(format!("`model` {other} is not a known image model"));
            "dall-e-2"
        }
    };
    let gpt = is_gpt(model);
    match obj.get("prompt").and_then(Value::as_str) {
        None => v.push("`prompt` is required and must be a string".to_owned()),
        Some(p) if p.trim().is_empty() => v.push("`prompt` must not be empty".to_owned()),
        Some(p) => {
            let max = if gpt {
                32_000
            } else if model == "dall-e-3" {
                4_000
            } else {
                1_000
            };
            if p.chars().count() > max {
                v.push(format!(
                    "`prompt` is longer than {max} characters for {model}"
                ));
            }
        }
    }
    if let Some(n) = obj.get("n").filter(|n| !n.is_null()) {
        let max = if model == "dall-e-3" { 1 } else { 10 };
        if !n.as_u64().is_some_and(|n| (1..=max).contains(&n)) {
            v.push(format!("`n` must be an integer in 1..={max} for {model}"));
        }
    }
    if let Some(size) = obj.get("size").and_then(Value::as_str) {
        let ok: &[&str] = match model {
            "dall-e-2" => &["256x256", "512x512", "1024x1024"],
            "dall-e-3" => &["1024x1024", "1792x1024", "1024x1792"],
            _ => &["auto", "1024x1024", "1536x1024", "1024x1536"],
        };
        let free = model.starts_with("gpt-image-2")
            && size.split_once('x').is_some_and(|(w, h)| {
                w.parse::<u32>().is_ok_and(|w| w % 16 == 0)
                    && h.parse::<u32>().is_ok_and(|h| h % 16 == 0)
            });
        if !ok.contains(&size) && !free {
            v.push(format!("`size` {size:?} is not supported by {model}"));
        }
    }
    if let Some(q) = obj.get("quality").and_then(Value::as_str) {
        let ok: &[&str] = match model {
            "dall-e-2" => &["standard", "auto"],
            "dall-e-3" => &["standard", "hd", "auto"],
            _ => &["low", "medium", "high", "auto"],
        };
        if !ok.contains(&q) {
            v.push(format!("`quality` {q:?} is not supported by {model}"));
        }
    }
    if let Some(rf) = obj.get("response_format").filter(|r| !r.is_null()) {
        if gpt {
            v.push(format!(
                "`response_format` is not supported for {model} (it always returns b64_json)"
            ));
        } else if !matches!(rf.as_str(), Some("url" | "b64_json")) {
            v.push("`response_format` must be url or b64_json".to_owned());
        }
    }
    for key in [
        "output_format",
        "output_compression",
        "background",
        "moderation",
        "partial_images",
        "stream",
    ] {
        if obj.get(key).is_some_and(|x| !x.is_null()) && !gpt {
            v.push(format!(
                "`{key}` is only supported for the GPT image models"
            ));
        }
    }
    if let Some(f) = obj.get("output_format").and_then(Value::as_str)
        && !["png", "jpeg", "webp"].contains(&f)
    {
        v.push(format!("`output_format` {f:?} is not png|jpeg|webp"));
    }
    if let Some(s) = obj.get("style").filter(|s| !s.is_null()) {
        if model != "dall-e-3" {
            v.push("`style` is only supported for dall-e-3".to_owned());
        } else if !matches!(s.as_str(), Some("vivid" | "natural")) {
            v.push("`style` must be vivid or natural".to_owned());
        }
    }
    let known = [
        "prompt",
        "model",
        "n",
        "quality",
        "response_format",
        "output_format",
        "output_compression",
        "stream",
        "partial_images",
        "size",
        "moderation",
        "background",
        "style",
        "user",
    ];
    for k in obj.keys() {
        if !known.contains(&k.as_str()) {
            v.push(format!("Unknown parameter: '{k}'."));
        }
    }
    v
}

impl OpenAiVendor {
    fn image(&self, seed: u64, w: u32, h: u32, jpeg: bool) -> Option<Vec<u8>> {
        let img = picture(seed, w, h);
        if jpeg {
            encode_jpeg(&img).ok()
        } else {
            encode_png(&image::DynamicImage::ImageRgb8(img)).ok()
        }
    }
}

#[async_trait]
impl FakeVendor for OpenAiVendor {
    fn route(&self, req: &Incoming) -> Option<Route> {
        let p = req.uri.path();
        if req.method == Method::POST && p == "/v1/images/generations" {
            Some(Route {
                api: true,
                json: true,
                media: true,
            })
        } else if req.method == Method::GET && p.starts_with("/v1/fake-images/") {
            Some(Route::DOWNLOAD)
        } else {
            None
        }
    }

    fn error(&self, status: u16, code: &str, message: &str) -> Response {
        let kind = match status {
            429 if code == "insufficient_quota" => "insufficient_quota",
            429 => "requests",
            500..=599 => "server_error",
            _ => "invalid_request_error",
        };
        respond_json(
            status,
            &json!({"error": {"message": message, "type": kind, "param": null, "code": code}}),
            &[("x-request-id", "req_fake_images".to_owned())],
        )
    }

    fn rate_limited(&self, retry_after_secs: Option<u64>) -> Response {
        let mut r = self.error(
            429,
            "rate_limit_exceeded",
            "Rate limit reached for images per minute.",
        );
        if let Some(s) = retry_after_secs {
            for (k, v) in [
                ("retry-after", s.to_string()),
                ("retry-after-ms", (s * 1000).to_string()),
            ] {
                if let Ok(v) = v.parse() {
                    r.headers_mut().insert(k, v);
                }
            }
        }
        r
    }

    fn check_auth(&self, req: &Incoming, required: Option<&str>) -> Option<Response> {
        let key = req
            .header("authorization")
            .and_then(|a| a.strip_prefix("Bearer "))
            .filter(|k| !k.trim().is_empty());
        let ok = key.is_some() && required.is_none_or(|r| key == Some(r));
        (!ok).then(|| self.error(401, "invalid_api_key", "Incorrect API key provided."))
    }

    async fn answer(&self, call: Call<'_>) -> Response {
        let (req, route, fault, state) = (call.req, call.route, call.fault, call.state);
        if !route.api {
            // An image URL handed out earlier: /v1/fake-images/{seed}-{w}x{h}.png
            let name = req.uri.path().trim_start_matches("/v1/fake-images/");
            let parsed = name
                .trim_end_matches(".png")
                .split_once('-')
                .and_then(|(s, d)| {
                    let (w, h) = d.split_once('x')?;
                    Some((s.parse().ok()?, w.parse().ok()?, h.parse().ok()?))
                });
            return match parsed.and_then(|(s, w, h)| self.image(s, w, h, false)) {
                Some(png) => respond(200, "image/png", spoil_image(png, fault), &[]),
                None => self.error(404, "not_found", "no such image"),
            };
        }
        let body: Value = match serde_json::from_slice(&req.body) {
            Ok(b) => b,
            Err(e) => {
                let why = format!("the body is not valid JSON: {e}");
                state.violate(std::slice::from_ref(&why));
                return self.error(400, "invalid_json", &why);
            }
        };
        let violations = validate(&body);
        if !violations.is_empty() {
            state.violate(&violations);
            return self.error(400, "invalid_request", &violations.join("; "));
        }
        let model = body
            .get("model")
            .and_then(Value::as_str)
            .unwrap_or("dall-e-2");
        let gpt = is_gpt(model);
        match fault {
            Some(Fault::Unauthorized) => {
                return self.error(401, "invalid_api_key", "Incorrect API key provided.");
            }
            Some(Fault::QuotaExhausted) => {
                return self.error(
                    429,
                    "insufficient_quota",
                    "You exceeded your current quota, please check your plan and billing details.",
                );
            }
            Some(Fault::ContentModeration) => {
                let code = if gpt {
                    "moderation_blocked"
                } else {
                    "content_policy_violation"
                };
                return self.error(
                    400,
                    code,
                    "Your request was rejected as a result of our safety system.",
                );
            }
            _ => {}
        }
        let n = body.get("n").and_then(Value::as_u64).unwrap_or(1);
        let size = body
            .get("size")
            .and_then(Value::as_str)
            .unwrap_or("1024x1024");
        let (w, h) = size
            .split_once('x')
            .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
            .unwrap_or((1024, 1024));
        let jpeg = gpt && body.get("output_format").and_then(Value::as_str) == Some("jpeg");
        let as_url = self.urls.load(Ordering::Relaxed)
            || (!gpt && body.get("response_format").and_then(Value::as_str) != Some("b64_json"));
        let mut data = Vec::new();
        for _ in 0..n {
            let seed = self.counter.fetch_add(1, Ordering::Relaxed) * 104_729;
            let item = if as_url {
                json!({"url": format!("{}/v1/fake-images/{seed}-{w}x{h}.png", req.origin())})
            } else {
                let Some(bytes) = self.image(seed, w, h, jpeg) else {
                    return self.error(500, "server_error", "encoding failed");
                };
                let bytes = spoil_image(bytes, fault);
                json!({"b64_json": base64::engine::general_purpose::STANDARD.encode(bytes)})
            };
            data.push(item);
        }
        if model == "dall-e-3" {
            let prompt = body
                .get("prompt")
                .and_then(Value::as_str)
                .unwrap_or_default();
            for item in &mut data {
                item["revised_prompt"] = Value::String(format!("A detailed picture of {prompt}"));
            }
        }
        let mut out = json!({"created": 1_713_833_628, "data": data});
        if gpt {
            let prompt_tokens = body
                .get("prompt")
                .and_then(Value::as_str)
                .map_or(0, |p| p.chars().count().div_ceil(4) as u64);
            let out_tokens = 272 * n;
            out["size"] = Value::String(size.to_owned());
            out["quality"] = Value::String("medium".into());
            out["output_format"] = Value::String(if jpeg { "jpeg" } else { "png" }.into());
            out["background"] = Value::String("opaque".into());
            out["usage"] = json!({"total_tokens": prompt_tokens + out_tokens, "input_tokens": prompt_tokens,
                "output_tokens": out_tokens, "input_tokens_details": {"text_tokens": prompt_tokens, "image_tokens": 0}});
        }
        respond_json(200, &out, &[("x-request-id", "req_fake_images".to_owned())])
    }
}
