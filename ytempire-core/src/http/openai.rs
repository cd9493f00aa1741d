//! [`OpenAiAccount`]: the one OpenAI configuration chat (`ytempire-llm`), speech
//! (`ytempire-tts`) and images (`ytempire-render`) share: key, base URL, organisation and
//! project, read from the environment in one place.

use secrecy::{ExposeSecret, SecretString};

use super::env::{key_and_base_url, var_from};
use crate::Result;

/// OpenAI's API root.
pub const OPENAI_BASE_URL: &str = "https://api.openai.com/v1";

/// One OpenAI account (or an OpenAI-compatible server): build it once, then hand it to each
/// client (`OpenAiConfig::for_account` for chat, `OpenAiSpeech::for_account`,
/// `OpenAiImagesConfig::for_account`).
///
/// Its `Debug` prints the key as `[REDACTED]`.
///
/// ```
/// use ytempire_core::http::OpenAiAccount;
/// let lookup = |name: &str| match name {
///     "OPENAI_API_KEY" => Some("sk-test".to_owned()),
///     "OPENAI_BASE_URL" => Some("http://127.0.0.1:9/v1/".to_owned()),
///     "OPENAI_PROJECT_ID" => Some("proj_1".to_owned()),
///     _ => None,
/// };
/// let account = OpenAiAccount::from_env_with(lookup)?;
/// assert_eq!(account.base_url, "http://127.0.0.1:9/v1");
/// assert_eq!(account.project.as_deref(), Some("proj_1"));
/// assert!(!format!("{account:?}").contains("sk-test"));
/// # Ok::<(), ytempire_core::Error>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OpenAiAccount {
    /// Base URL up to and including `/v1`, without a trailing slash.
    pub base_url: String,
    /// Bearer key (`None` for local servers without auth).
    pub api_key: Option<SecretString>,
    /// `OpenAI-Organization` header.
    pub organization: Option<String>,
    /// `OpenAI-Project` header.
    pub project: Option<String>,
}

impl OpenAiAccount {
    /// OpenAI itself with `api_key`.
    pub fn new(api_key: SecretString) -> Self {
        Self {
            base_url: OPENAI_BASE_URL.to_owned(),
            api_key: Some(api_key),
            organization: None,
            project: None,
        }
    }

    /// A compatible server at `base_url` that needs no key (Ollama, llama.cpp, LM Studio).
    pub fn keyless(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            api_key: None,
            organization: None,
            project: None,
        }
    }

    /// From `OPENAI_API_KEY` (required), `OPENAI_BASE_URL`, `OPENAI_ORG_ID` and
    /// `OPENAI_PROJECT_ID` (optional) in the process environment.
    ///
    /// # Errors
    /// `Config` naming the variable when the key is unset or empty, or the base URL is not an
    /// http(s) URL.
    pub fn from_env() -> Result<Self> {
        Self::from_env_with(super::process_env)
    }

    /// [`OpenAiAccount::from_env`] reading variables through `lookup` (tests, config files).
    ///
    /// # Errors
    /// As [`OpenAiAccount::from_env`].
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let (key, base) = key_and_base_url(
            &lookup,
            "OPENAI_API_KEY",
            "OPENAI_BASE_URL",
            OPENAI_BASE_URL,
        )?;
        Ok(Self {
            base_url: base.trim_end_matches('/').to_owned(),
            api_key: Some(key),
            organization: var_from(&lookup, "OPENAI_ORG_ID"),
            project: var_from(&lookup, "OPENAI_PROJECT_ID"),
        })
    }

    /// Point at another server (`…/v1`).
    #[must_use]
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into().trim_end_matches('/').to_owned();
        self
    }

    /// Set the organisation and project headers.
    #[must_use]
    pub fn with_org_project(mut self, org: Option<String>, project: Option<String>) -> Self {
        self.organization = org;
        self.project = project;
        self
    }

    /// `request` with the bearer key (when there is one) and the organisation and project
    /// headers (when set).
    pub fn authorize(&self, mut request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key.expose_secret());
        }
        if let Some(org) = &self.organization {
            request = request.header("OpenAI-Organization", org);
        }
        if let Some(project) = &self.project {
            request = request.header("OpenAI-Project", project);
        }
        request
    }
}

/// OpenAI's error JSON, `{"error":{"message","type","param","code"}}`, as chat, speech and
/// images receive it (and OpenAI-compatible servers mostly copy).
///
/// ```
/// use ytempire_core::http::OpenAiError;
/// let e = OpenAiError::parse(br#"{"error":{"message":"Slow down","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#).unwrap();
/// assert_eq!((e.kind.as_deref(), e.code.as_deref()), (Some("requests"), Some("rate_limit_exceeded")));
/// assert!(OpenAiError::parse(b"<html>").is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[non_exhaustive]
pub struct OpenAiError {
    /// Human-readable text.
    #[serde(default)]
    pub message: String,
    /// The error's `type` (`invalid_request_error`, `insufficient_quota`, …).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// The machine code (`rate_limit_exceeded`, `context_length_exceeded`, …).
    #[serde(default)]
    pub code: Option<String>,
    /// The request field at fault, when the error names one.
    #[serde(default)]
    pub param: Option<String>,
}

impl OpenAiError {
    /// The error in an OpenAI error body; `None` when the body is not one.
    pub fn parse(body: &[u8]) -> Option<Self> {
        #[derive(serde::Deserialize)]
        struct Envelope {
            error: OpenAiError,
        }
        serde_json::from_slice::<Envelope>(body)
            .ok()
            .map(|e| e.error)
    }
}
