//! [`OpenAiImages`]: `POST {base}/images/generations` on OpenAI or a compatible server
//! (feature `openai-images`).
//!
//! - Body per the spec's `CreateImageRequest`: `model`, `prompt` (checked against the
//!   model's limit before sending: 32,000 characters for GPT image models, 4,000 for
//!   `dall-e-3`, 1,000 for `dall-e-2`), `n` (`dall-e-3` only makes 1), `size` (the model's
//!   size nearest the requested aspect, or [`OpenAiImagesConfig::size`]), and optional
//!   `quality`, `style` (`dall-e-3`) and `output_format` (GPT image models).
//! - `response_format: "b64_json"` is sent for DALL·E models and unknown (compatible) models
//!   only: the spec says GPT image models always answer base64 and do not take the
//!   parameter. An answer with `url` instead is downloaded (without the key).
//! - Each image is decoded ([`decode_image`](super::inspect::decode_image)) before it is returned.
//! - Usage: `images` = images returned, one request, and the GPT image models' token usage
//!   (`input_tokens`, `output_tokens`). [`ProviderInfo::model`] is the model, except
//!   `dall-e-3` at `quality: hd`, reported as `dall-e-3-hd` (the cost catalog's id).
//! - Errors: OpenAI's `{"error":{"message","type","param","code"}}`; `insufficient_quota`
//!   and `billing_hard_limit_reached` are `QuotaExhausted`, `content_policy_violation` and
//!   `moderation_blocked` are `ContentPolicy`, 429 otherwise `RateLimited` with
//!   `Retry-After`/`retry-after-ms`.
//!
//! ```no_run
//! # async fn demo() -> ytempire_core::Result<()> {
//! use ytempire_core::ImageSourceExt;
//! use ytempire_render::sources::{OpenAiImages, OpenAiImagesConfig};
//! // OPENAI_API_KEY, and OPENAI_BASE_URL for a compatible server.
//! let images = OpenAiImages::new(OpenAiImagesConfig::from_env("gpt-image-1")?)?;
//! let picture = images.fetch_one("an octopus changing colour", 1024, 1536).await?;
//! println!("{} is {}x{}", picture.id, picture.width, picture.height);
//! # Ok(()) }
//! ```

mod types;

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use ytempire_core::{
    Capabilities, Error, ErrorKind, ImageRequest, ImageResponse, ImageSource, InputUnit,
    ProviderInfo, Result, Usage,
};

use ytempire_core::http::{self, OpenAiAccount};

use super::generated::{Candidates, decode_base64, generator_config_builders};
use super::inspect::short_hash;
use types::{Family, WireImage, WireResponse, pick_size, vendor_error};

pub use ytempire_core::http::OPENAI_BASE_URL;

/// Configuration of an [`OpenAiImages`] client. `Debug` never shows the key (a
/// [`SecretString`] prints `[REDACTED]`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OpenAiImagesConfig {
    /// Base URL up to and including `/v1`.
    pub base_url: String,
    /// Bearer key (`None` for local servers without auth).
    pub api_key: Option<SecretString>,
    /// Model id: `gpt-image-1`, `dall-e-3`, … or a compatible server's model.
    pub model: String,
    /// Provider id reported in [`ProviderInfo`] (`openai`, or the compatible server's name).
    pub provider: String,
    /// `quality` (`low`/`medium`/`high`/`auto` for GPT image models, `standard`/`hd` for
    /// `dall-e-3`).
    pub quality: Option<String>,
    /// `style` (`vivid`/`natural`, `dall-e-3` only).
    pub style: Option<String>,
    /// `output_format` (`png`/`jpeg`, GPT image models only).
    pub output_format: Option<String>,
    /// A fixed `size` instead of the one nearest each request's aspect.
    pub size: Option<String>,
    /// Most images per [`ImageSource::fetch`] (the request's `count` is capped by it).
    pub max_images: u32,
    /// Per-request timeout.
    pub timeout: Duration,
}

impl OpenAiImagesConfig {
    /// OpenAI itself with `model`, one image per fetch.
    pub fn openai(model: impl Into<String>, api_key: SecretString) -> Self {
        Self {
            base_url: OPENAI_BASE_URL.into(),
            api_key: Some(api_key),
            model: model.into(),
            provider: "openai".into(),
            quality: None,
            style: None,
            output_format: None,
            size: None,
            max_images: 1,
            timeout: Duration::from_secs(300),
        }
    }

    /// A compatible server at `base_url` (including `/v1`), no key.
    pub fn compatible(
        provider: impl Into<String>,
        base_url: impl Into<String>,
        model: impl Into<String>,
    ) -> Self {
        Self {
            base_url: base_url.into(),
            api_key: None,
            provider: provider.into(),
            ..Self::openai(model, SecretString::from(String::new()))
        }
    }

    /// From `OPENAI_API_KEY` (required) and `OPENAI_BASE_URL` (optional).
    ///
    /// # Errors
    /// `Config` naming the variable when the key is unset or empty, or the base URL is not an
    /// http(s) URL.
    pub fn from_env(model: impl Into<String>) -> Result<Self> {
        Self::from_env_with(model, http::process_env)
    }

    /// [`OpenAiImagesConfig::from_env`] reading variables through `lookup` (tests, config
    /// files).
    ///
    /// # Errors
    /// As [`OpenAiImagesConfig::from_env`].
    pub fn from_env_with(
        model: impl Into<String>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        Ok(Self::for_account(
            model,
            &OpenAiAccount::from_env_with(lookup)?,
        ))
    }

    /// Images through a shared [`OpenAiAccount`] (the one chat and speech use too): its key
    /// and base URL.
    pub fn for_account(model: impl Into<String>, account: &OpenAiAccount) -> Self {
        Self {
            base_url: account.base_url.clone(),
            api_key: account.api_key.clone(),
            ..Self::openai(model, SecretString::from(String::new()))
        }
    }

    /// Set the quality.
    #[must_use]
    pub fn with_quality(mut self, quality: impl Into<String>) -> Self {
        self.quality = Some(quality.into());
        self
    }

    /// Set the style (`dall-e-3`).
    #[must_use]
    pub fn with_style(mut self, style: impl Into<String>) -> Self {
        self.style = Some(style.into());
        self
    }

    /// Set the output format (GPT image models).
    #[must_use]
    pub fn with_output_format(mut self, format: impl Into<String>) -> Self {
        self.output_format = Some(format.into());
        self
    }

    /// Always ask for this `size` (e.g. `1536x864` on `gpt-image-2`).
    #[must_use]
    pub fn with_size(mut self, size: impl Into<String>) -> Self {
        self.size = Some(size.into());
        self
    }
}

generator_config_builders!(OpenAiImagesConfig);

/// An images/generations client.
#[derive(Debug, Clone)]
pub struct OpenAiImages {
    config: OpenAiImagesConfig,
    http: reqwest::Client,
}

impl std::fmt::Display for OpenAiImages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.config.provider, self.config.model)
    }
}

impl OpenAiImages {
    /// A client with its own connection pool.
    ///
    /// # Errors
    /// `Config` for a bad base URL or an empty model.
    pub fn new(config: OpenAiImagesConfig) -> Result<Self> {
        http::check_base_url(&config.provider, &config.base_url)?;
        if config.model.trim().is_empty() {
            return Err(Error::config("openai images: the model is empty"));
        }
        let http = http::client(config.timeout)?;
        Ok(Self { config, http })
    }

    /// The configuration.
    pub fn config(&self) -> &OpenAiImagesConfig {
        &self.config
    }

    /// The model id the cost catalog prices (`dall-e-3-hd` for `dall-e-3` at `hd`).
    pub fn pricing_model(&self) -> String {
        let hd = self.config.quality.as_deref() == Some("hd");
        if hd && Family::of(&self.config.model) == Family::DallE3 {
            "dall-e-3-hd".to_owned()
        } else {
            self.config.model.clone()
        }
    }

    fn body(&self, family: Family, prompt: &str, n: u32, size: &str) -> Value {
        let cfg = &self.config;
        let mut body = json!({"model": cfg.model, "prompt": prompt, "n": n, "size": size});
        let mut set = |k: &str, v: Option<&String>| {
            if let (Some(v), Some(obj)) = (v, body.as_object_mut()) {
                obj.insert(k.to_owned(), Value::String(v.clone()));
            }
        };
        set("quality", cfg.quality.as_ref());
        if family == Family::DallE3 {
            set("style", cfg.style.as_ref());
        }
        if family == Family::GptImage {
            set("output_format", cfg.output_format.as_ref());
        }
        if family.takes_response_format() {
            set("response_format", Some(&"b64_json".to_owned()));
        }
        body
    }

    async fn image_bytes(&self, label: &str, item: WireImage) -> Result<Vec<u8>> {
        if let Some(b64) = item.b64_json {
            return decode_base64(label, "b64_json", &b64);
        }
        match item.url {
            Some(url) => Ok(http::download(&self.http, label, &url, SystemTime::now())
                .await?
                .0),
            None => Err(Error::new(
                ErrorKind::InvalidResponse,
                format!("{label}: an image has neither b64_json nor url"),
            )
            .with_provider(label)),
        }
    }
}

#[async_trait]
impl ImageSource for OpenAiImages {
    fn info(&self) -> ProviderInfo {
        let mut caps = Capabilities::new()
            .with_paid(self.config.provider == "openai" || self.config.api_key.is_some());
        if let Some(max) = Family::of(&self.config.model).max_prompt() {
            caps = caps.with_max_input(max, InputUnit::Characters);
        }
        ProviderInfo::new(&self.config.provider, self.pricing_model(), caps)
    }

    async fn fetch(&self, request: &ImageRequest) -> Result<ImageResponse> {
        let label = self.to_string();
        request.validate().map_err(|e| e.with_provider(&label))?;
        let family = Family::of(&self.config.model);
        let prompt = request.query.trim();
        if let Some(max) = family.max_prompt() {
            let chars = prompt.chars().count();
            if chars > max {
                return Err(Error::invalid_request(format!(
                    "{label}: the prompt is {chars} characters, over the model's {max}"
                ))
                .with_provider(&label));
            }
        }
        let n = request
            .count
            .min(self.config.max_images)
            .min(family.max_n())
            .max(1);
        let size = self.config.size.clone().unwrap_or_else(|| {
            let (w, h) = pick_size(family, request.width, request.height);
            format!("{w}x{h}")
        });
        let url = format!(
            "{}/images/generations",
            self.config.base_url.trim_end_matches('/')
        );
        let mut req = self
            .http
            .post(url)
            .json(&self.body(family, prompt, n, &size));
        if let Some(key) = &self.config.api_key {
            req = req.bearer_auth(key.expose_secret());
        }
        let resp = req
            .send()
            .await
            .map_err(|e| http::transport_error(&label, &e))?;
        let resp = http::check(&label, resp, |_, body| vendor_error(body)).await?;
        let body = http::read_body(&label, resp, http::MAX_BODY).await?;
        let wire: WireResponse = http::json(&label, &body)?;
        let mut usage = Usage {
            images: wire.data.len() as u64,
            requests: 1,
            ..Usage::default()
        };
        if let Some(u) = &wire.usage {
            usage.input_tokens = u.input_tokens;
            usage.output_tokens = u.output_tokens;
        }
        let mut candidates = Candidates::new(&label, request, &self.config.provider);
        for item in wire.data {
            match self.image_bytes(&label, item).await {
                Ok(bytes) => {
                    let id = format!("openai:{}:{}", self.config.model, short_hash(&bytes));
                    candidates.offer(id, bytes);
                }
                Err(e) => candidates.fail(e),
            }
        }
        candidates.finish(usage, "no new image in the answer")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_format_only_where_the_spec_allows_it() {
        let key = SecretString::from("k");
        let gpt =
            OpenAiImages::new(OpenAiImagesConfig::openai("gpt-image-1", key.clone())).unwrap();
        let b = gpt.body(Family::GptImage, "p", 1, "1024x1024");
        assert!(b.get("response_format").is_none(), "{b}");
        let dalle = OpenAiImages::new(
            OpenAiImagesConfig::openai("dall-e-3", key)
                .with_quality("hd")
                .with_style("natural"),
        )
        .unwrap();
        let b = dalle.body(Family::DallE3, "p", 1, "1024x1024");
        assert_eq!(b["response_format"], "b64_json");
        assert_eq!(b["style"], "natural");
        assert_eq!(dalle.pricing_model(), "dall-e-3-hd");
    }
}
