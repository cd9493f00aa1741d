//! [`Stability`]: Stability AI v2beta Stable Image generation (feature `stability`).
//!
//! - `POST {base}/v2beta/stable-image/generate/{ultra|core|sd3}` as `multipart/form-data`
//!   (required even for text-to-image), `Authorization: Bearer <key>`, `Accept: image/*` so
//!   the answer is the raw image; `finish-reason` and `seed` come back as headers.
//! - Fields: `prompt` (≤ 10,000 characters, checked before sending), `aspect_ratio` (the
//!   supported ratio nearest the requested size, [`AspectRatio::nearest`]), `output_format`,
//!   `seed` (the request's seed folded into 1..=4294967294, omitted for a random one),
//!   `negative_prompt` and `style_preset` (Core) when configured, `model` for SD3.5.
//! - Errors are JSON `{"id","name","errors":[…]}`: `content_moderation` (HTTP 403) and a
//!   `finish-reason: CONTENT_FILTERED` image are [`ErrorKind::ContentPolicy`]; 402
//!   `payment_required` (no credits left) is [`ErrorKind::QuotaExhausted`]; 429 is
//!   `RateLimited` (150 requests per 10 s) with `Retry-After` when sent.
//! - One image per call. [`ImageSource::fetch`] makes at most
//!   [`StabilityConfig::max_images`] calls (default 1, so a selector asking for several
//!   candidates does not pay for each); `usage.images` counts the images generated and
//!   [`ProviderInfo::model`] is the tier id the cost catalog prices (`ultra`, `core`,
//!   `sd3.5-large`, …). Failed generations are not charged by Stability.
//!
//! ```no_run
//! # async fn demo() -> ytempire_core::Result<()> {
//! use ytempire_core::ImageSourceExt;
//! use ytempire_render::sources::{Stability, StabilityConfig, StabilityModel};
//! let ai = Stability::new(StabilityConfig::from_env(StabilityModel::Core)?)?; // STABILITY_API_KEY
//! let picture = ai.fetch_one("a lighthouse at dusk, cinematic", 1080, 1920).await?;
//! assert_eq!(picture.provider, "stability");
//! # Ok(()) }
//! ```

mod types;

use std::time::Duration;

use async_trait::async_trait;
use reqwest::multipart::Form;
use secrecy::{ExposeSecret, SecretString};
use ytempire_core::http;
use ytempire_core::{
    Capabilities, Error, ErrorKind, ImageRequest, ImageResponse, ImageSource, InputUnit,
    ProviderInfo, Result, Usage,
};

use super::generated::{Candidates, decode_base64, generator_config_builders};
use super::inspect::short_hash;
pub use types::{AspectRatio, StabilityFormat, StabilityModel};
use types::{WireJsonImage, vendor_error};

/// The public Stability API.
pub const STABILITY_BASE_URL: &str = "https://api.stability.ai";

/// Longest prompt Stability accepts, in characters.
pub const STABILITY_MAX_PROMPT: usize = 10_000;

/// Largest seed (0 means random).
pub const STABILITY_MAX_SEED: u64 = 4_294_967_294;

const PROVIDER: &str = "stability";

/// Configuration of a [`Stability`] client. `Debug` never shows the key (a [`SecretString`]
/// prints `[REDACTED]`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StabilityConfig {
    /// Bearer key.
    pub api_key: SecretString,
    /// Base URL without a path (`https://api.stability.ai`).
    pub base_url: String,
    /// Model tier.
    pub model: StabilityModel,
    /// Output format.
    pub output_format: StabilityFormat,
    /// `negative_prompt`: what not to draw.
    pub negative_prompt: Option<String>,
    /// `style_preset` (Core only), e.g. `photographic`, `cinematic`.
    pub style_preset: Option<String>,
    /// `stability-client-id` header.
    pub client_id: Option<String>,
    /// Most images (calls) per [`ImageSource::fetch`].
    pub max_images: u32,
    /// Per-request timeout.
    pub timeout: Duration,
}

impl StabilityConfig {
    /// The public API, `model`, PNG output, one image per fetch.
    pub fn new(model: StabilityModel, api_key: SecretString) -> Self {
        Self {
            api_key,
            base_url: STABILITY_BASE_URL.into(),
            model,
            output_format: StabilityFormat::Png,
            negative_prompt: None,
            style_preset: None,
            client_id: None,
            max_images: 1,
            timeout: http::DEFAULT_TIMEOUT,
        }
    }

    /// From `STABILITY_API_KEY` (required) and `STABILITY_BASE_URL` (optional).
    ///
    /// # Errors
    /// `Config` naming the variable when the key is unset or empty, or the base URL is not an
    /// http(s) URL.
    pub fn from_env(model: StabilityModel) -> Result<Self> {
        Self::from_env_with(model, http::process_env)
    }

    /// [`StabilityConfig::from_env`] reading variables through `lookup` (tests, config
    /// files).
    ///
    /// # Errors
    /// As [`StabilityConfig::from_env`].
    pub fn from_env_with(
        model: StabilityModel,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let (key, base) = http::key_and_base_url(
            &lookup,
            "STABILITY_API_KEY",
            "STABILITY_BASE_URL",
            STABILITY_BASE_URL,
        )?;
        Ok(Self::new(model, key).with_base_url(base))
    }

    /// Set the output format.
    #[must_use]
    pub fn with_output_format(mut self, format: StabilityFormat) -> Self {
        self.output_format = format;
        self
    }

    /// Set the negative prompt.
    #[must_use]
    pub fn with_negative_prompt(mut self, text: impl Into<String>) -> Self {
        self.negative_prompt = Some(text.into());
        self
    }

    /// Set the style preset (Core).
    #[must_use]
    pub fn with_style_preset(mut self, preset: impl Into<String>) -> Self {
        self.style_preset = Some(preset.into());
        self
    }
}

generator_config_builders!(StabilityConfig);

/// One generated image.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Generated {
    /// The encoded image.
    pub bytes: Vec<u8>,
    /// The seed Stability used (from the `seed` header), when reported.
    pub seed: Option<u64>,
    /// `finish-reason`, when reported (`SUCCESS`).
    pub finish_reason: Option<String>,
}

/// The Stability client.
#[derive(Debug, Clone)]
pub struct Stability {
    config: StabilityConfig,
    http: reqwest::Client,
}

impl std::fmt::Display for Stability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{PROVIDER}/{}", self.config.model.id())
    }
}

impl Stability {
    /// A client with its own connection pool.
    ///
    /// # Errors
    /// `Config` for a bad base URL or an output format the tier cannot produce.
    pub fn new(config: StabilityConfig) -> Result<Self> {
        http::check_base_url(PROVIDER, &config.base_url)?;
        if !config.model.supports(config.output_format) {
            return Err(Error::config(format!(
                "stability {} cannot produce {}",
                config.model.id(),
                config.output_format.as_str()
            )));
        }
        let http = http::client(config.timeout)?;
        Ok(Self { config, http })
    }

    /// The configuration.
    pub fn config(&self) -> &StabilityConfig {
        &self.config
    }

    /// Generate one image for `prompt` at `aspect`, with `seed` (0 or `None`: random).
    ///
    /// # Errors
    /// `InvalidRequest` for an empty or too long prompt or a seed above
    /// [`STABILITY_MAX_SEED`]; `ContentPolicy` when moderation refused the prompt or
    /// filtered the image; the mapped HTTP error otherwise.
    pub async fn generate(
        &self,
        prompt: &str,
        aspect: AspectRatio,
        seed: Option<u64>,
    ) -> Result<Generated> {
        let label = self.to_string();
        let prompt = prompt.trim();
        if prompt.is_empty() {
            return Err(
                Error::invalid_request("stability: the prompt is empty").with_provider(&label)
            );
        }
        let chars = prompt.chars().count();
        if chars > STABILITY_MAX_PROMPT {
            return Err(Error::invalid_request(format!(
                "stability: the prompt is {chars} characters, over the {STABILITY_MAX_PROMPT} limit"
            ))
            .with_provider(&label));
        }
        if let Some(s) = seed
            && s > STABILITY_MAX_SEED
        {
            return Err(Error::invalid_request(format!(
                "stability: seed {s} is above {STABILITY_MAX_SEED}"
            ))
            .with_provider(&label));
        }
        let cfg = &self.config;
        let mut form = Form::new()
            .text("prompt", prompt.to_owned())
            .text("aspect_ratio", aspect.as_str())
            .text("output_format", cfg.output_format.as_str());
        if let Some(model) = cfg.model.model_field() {
            form = form.text("model", model);
        }
        if let Some(s) = seed {
            form = form.text("seed", s.to_string());
        }
        if let Some(n) = cfg
            .negative_prompt
            .as_deref()
            .filter(|n| !n.trim().is_empty())
        {
            form = form.text("negative_prompt", n.to_owned());
        }
        if cfg.model == StabilityModel::Core
            && let Some(p) = &cfg.style_preset
        {
            form = form.text("style_preset", p.clone());
        }
        let url = format!(
            "{}/v2beta/stable-image/generate/{}",
            cfg.base_url.trim_end_matches('/'),
            cfg.model.endpoint()
        );
        let mut req = self
            .http
            .post(url)
            .bearer_auth(cfg.api_key.expose_secret())
            .header(reqwest::header::ACCEPT, "image/*")
            .multipart(form);
        if let Some(id) = &cfg.client_id {
            req = req.header("stability-client-id", id);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| http::transport_error(&label, &e))?;
        let resp = http::check(&label, resp, vendor_error).await?;
        let headers = resp.headers().clone();
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_owned())
        };
        let is_json = header("content-type").is_some_and(|c| c.starts_with("application/json"));
        let body = http::read_body(&label, resp, http::MAX_BODY).await?;
        let mut out = if is_json {
            let wire: WireJsonImage = http::json(&label, &body)?;
            Generated {
                bytes: decode_base64(&label, "image", &wire.image)?,
                seed: wire.seed,
                finish_reason: wire.finish_reason,
            }
        } else {
            Generated {
                bytes: body,
                seed: None,
                finish_reason: None,
            }
        };
        out.finish_reason = out.finish_reason.or_else(|| header("finish-reason"));
        out.seed = out
            .seed
            .or_else(|| header("seed").and_then(|s| s.parse().ok()));
        if out
            .finish_reason
            .as_deref()
            .is_some_and(|r| r.eq_ignore_ascii_case("CONTENT_FILTERED"))
        {
            return Err(Error::new(
                ErrorKind::ContentPolicy,
                format!("{label}: the generated image was filtered by content moderation"),
            )
            .with_provider(&label)
            .with_code("CONTENT_FILTERED"));
        }
        Ok(out)
    }
}

/// Fold any seed into Stability's 1..=4294967294 (0 would mean random).
fn fold_seed(seed: u64) -> u64 {
    seed % STABILITY_MAX_SEED + 1
}

#[async_trait]
impl ImageSource for Stability {
    fn info(&self) -> ProviderInfo {
        ProviderInfo::new(
            PROVIDER,
            self.config.model.id(),
            Capabilities::new()
                .with_max_input(STABILITY_MAX_PROMPT, InputUnit::Characters)
                .with_paid(true),
        )
    }

    async fn fetch(&self, request: &ImageRequest) -> Result<ImageResponse> {
        let label = self.to_string();
        request.validate().map_err(|e| e.with_provider(&label))?;
        let aspect = AspectRatio::nearest(request.width, request.height);
        let n = request.count.min(self.config.max_images).max(1);
        let mut candidates = Candidates::new(&label, request, PROVIDER);
        let mut usage = Usage::default();
        for i in 0..n {
            let seed = request
                .seed
                .map(|s| fold_seed(s.wrapping_add(u64::from(i))));
            usage.requests += 1;
            let generated = match self.generate(&request.query, aspect, seed).await {
                Ok(g) => g,
                // Images already paid for are returned; the failure is logged.
                Err(e) if !candidates.is_empty() => {
                    tracing::warn!(error = %e, "stability: extra candidate failed");
                    break;
                }
                Err(e) => return Err(e),
            };
            usage.images += 1;
            let id = format!(
                "{PROVIDER}:{}:{}",
                self.config.model.id(),
                short_hash(&generated.bytes)
            );
            candidates.offer(id, generated.bytes);
        }
        candidates.finish(usage, "every generated image was already used")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_fold_into_range() {
        assert_eq!(fold_seed(0), 1);
        assert_eq!(fold_seed(STABILITY_MAX_SEED - 1), STABILITY_MAX_SEED);
        assert_eq!(fold_seed(u64::MAX), u64::MAX % STABILITY_MAX_SEED + 1);
    }
}
