//! What a provider is and what it can do: [`ProviderInfo`] and [`Capabilities`]; who answered
//! a call: [`Provenance`].

use serde::{Deserialize, Serialize};

/// The unit a provider's input limit is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum InputUnit {
    /// Unicode characters (ElevenLabs, OpenAI speech).
    #[default]
    Characters,
    /// UTF-8 bytes (Google Cloud TTS).
    Bytes,
    /// Model tokens (language models).
    Tokens,
}

impl InputUnit {
    /// Measure `text` in this unit (tokens estimated as ⌈chars / 4⌉).
    pub fn measure(self, text: &str) -> usize {
        match self {
            Self::Characters => text.chars().count(),
            Self::Bytes => text.len(),
            Self::Tokens => text.chars().count().div_ceil(4),
        }
    }
}

/// What a provider supports, so unsupported requests are refused before money is spent.
///
/// Build with [`Capabilities::new`] and the `const fn with_*` setters:
///
/// ```
/// use ytempire_core::{Capabilities, InputUnit};
/// const CAPS: Capabilities = Capabilities::new()
///     .with_max_input(5000, InputUnit::Bytes)
///     .with_ssml(true)
///     .with_word_timings(true);
/// assert!(CAPS.ssml && CAPS.word_timings && !CAPS.json_mode);
/// assert!(CAPS.fits("hello"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub struct Capabilities {
    /// Largest input per call, in `input_unit`s (`None` = no known limit).
    pub max_input: Option<usize>,
    /// Unit of `max_input`.
    pub input_unit: InputUnit,
    /// Largest output per call (tokens for LLMs).
    pub max_output: Option<usize>,
    /// Accepts SSML input (speech).
    pub ssml: bool,
    /// Returns word timings (speech).
    pub word_timings: bool,
    /// Honours JSON mode (`response_format: json_object`).
    pub json_mode: bool,
    /// Honours strict JSON-schema output.
    pub json_schema: bool,
    /// Can stream partial output.
    pub streaming: bool,
    /// Can resume interrupted transfers (uploads).
    pub resumable: bool,
    /// Can set thumbnails (uploads).
    pub thumbnails: bool,
    /// Produces video clips (image sources).
    pub video_clips: bool,
    /// Costs money per call (false for offline providers).
    pub paid: bool,
}

impl Capabilities {
    /// Nothing supported, no limits.
    pub const fn new() -> Self {
        Self {
            max_input: None,
            input_unit: InputUnit::Characters,
            max_output: None,
            ssml: false,
            word_timings: false,
            json_mode: false,
            json_schema: false,
            streaming: false,
            resumable: false,
            thumbnails: false,
            video_clips: false,
            paid: false,
        }
    }

    /// Set the input limit and its unit.
    #[must_use]
    pub const fn with_max_input(mut self, max: usize, unit: InputUnit) -> Self {
        self.max_input = Some(max);
        self.input_unit = unit;
        self
    }

    /// Set the output limit.
    #[must_use]
    pub const fn with_max_output(mut self, max: usize) -> Self {
        self.max_output = Some(max);
        self
    }

    /// Set SSML support.
    #[must_use]
    pub const fn with_ssml(mut self, yes: bool) -> Self {
        self.ssml = yes;
        self
    }

    /// Set word-timing support.
    #[must_use]
    pub const fn with_word_timings(mut self, yes: bool) -> Self {
        self.word_timings = yes;
        self
    }

    /// Set JSON-mode support.
    #[must_use]
    pub const fn with_json_mode(mut self, yes: bool) -> Self {
        self.json_mode = yes;
        self
    }

    /// Set strict JSON-schema support.
    #[must_use]
    pub const fn with_json_schema(mut self, yes: bool) -> Self {
        self.json_schema = yes;
        self
    }

    /// Set streaming support.
    #[must_use]
    pub const fn with_streaming(mut self, yes: bool) -> Self {
        self.streaming = yes;
        self
    }

    /// Set resumable-transfer support.
    #[must_use]
    pub const fn with_resumable(mut self, yes: bool) -> Self {
        self.resumable = yes;
        self
    }

    /// Set thumbnail support.
    #[must_use]
    pub const fn with_thumbnails(mut self, yes: bool) -> Self {
        self.thumbnails = yes;
        self
    }

    /// Set video-clip support.
    #[must_use]
    pub const fn with_video_clips(mut self, yes: bool) -> Self {
        self.video_clips = yes;
        self
    }

    /// Mark the provider as paid.
    #[must_use]
    pub const fn with_paid(mut self, yes: bool) -> Self {
        self.paid = yes;
        self
    }

    /// Whether `text` fits the input limit.
    pub fn fits(&self, text: &str) -> bool {
        self.max_input
            .is_none_or(|max| self.input_unit.measure(text) <= max)
    }

    /// Capabilities every one of `all` has (limits: the smallest). Used by fallback chains.
    pub fn intersection(all: impl IntoIterator<Item = Self>) -> Self {
        let mut iter = all.into_iter();
        let Some(mut acc) = iter.next() else {
            return Self::new();
        };
        for c in iter {
            acc.max_input = match (acc.max_input, c.max_input) {
                (Some(a), Some(b)) if acc.input_unit == c.input_unit => Some(a.min(b)),
                (Some(a), Some(_)) => Some(a), // different units: keep the first's
                (a, b) => a.or(b),
            };
            acc.max_output = match (acc.max_output, c.max_output) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            acc.ssml &= c.ssml;
            acc.word_timings &= c.word_timings;
            acc.json_mode &= c.json_mode;
            acc.json_schema &= c.json_schema;
            acc.streaming &= c.streaming;
            acc.resumable &= c.resumable;
            acc.thumbnails &= c.thumbnails;
            acc.video_clips &= c.video_clips;
            acc.paid |= c.paid;
        }
        acc
    }
}

/// Who a provider is: vendor id, model and capabilities.
///
/// ```
/// use ytempire_core::{Capabilities, ProviderInfo};
/// let info = ProviderInfo::new("openai", "gpt-4o-mini", Capabilities::new().with_json_mode(true));
/// assert_eq!(info.label(), "openai/gpt-4o-mini");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProviderInfo {
    /// Vendor or implementation id, e.g. `openai`, `elevenlabs`, `espeak-ng`, `fake`.
    pub provider: String,
    /// Model, voice family or endpoint, e.g. `gpt-4o-mini`, `eleven_multilingual_v2`.
    pub model: String,
    /// What it can do.
    pub capabilities: Capabilities,
}

impl ProviderInfo {
    /// A provider description.
    pub fn new(
        provider: impl Into<String>,
        model: impl Into<String>,
        capabilities: Capabilities,
    ) -> Self {
        Self {
            provider: provider.into(),
            model: model.into(),
            capabilities,
        }
    }

    /// `provider/model`.
    pub fn label(&self) -> String {
        format!("{}/{}", self.provider, self.model)
    }
}

/// Who actually answered a call: the provider and model behind a response.
///
/// A chain's [`ProviderInfo`] names its *first* provider; when a fallback chain skips a dead
/// provider, the answer comes from another one. Responses ([`ChatResponse`](crate::ChatResponse),
/// [`Speech`](crate::Speech), [`ImageResponse`](crate::ImageResponse) and each
/// [`Visual`](crate::Visual)) carry an `answered_by` that a leaf provider may set and that the
/// `Fallback` layer fills with the provider that answered; other decorators pass it through,
/// and the cache stores it with the response.
///
/// ```
/// use ytempire_core::{Capabilities, Provenance, ProviderInfo};
/// let info = ProviderInfo::new("offline", "template", Capabilities::new());
/// assert_eq!(Provenance::from(&info).label(), "offline/template");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Provenance {
    /// Vendor or implementation id, as in [`ProviderInfo::provider`].
    pub provider: String,
    /// Model, voice family or endpoint, as in [`ProviderInfo::model`].
    pub model: String,
}

impl Provenance {
    /// `provider` answered with `model`.
    pub fn new(provider: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            provider: provider.into(),
            model: model.into(),
        }
    }

    /// `provider/model`.
    pub fn label(&self) -> String {
        format!("{}/{}", self.provider, self.model)
    }
}

impl From<&ProviderInfo> for Provenance {
    fn from(info: &ProviderInfo) -> Self {
        Self::new(info.provider.clone(), info.model.clone())
    }
}

impl std::fmt::Display for Provenance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.provider, self.model)
    }
}

/// `with_answered_by`, `fill_answered_by` and `provenance` for a response type with an
/// `answered_by: Option<Provenance>` field; `$who` says what the provider did ("answered",
/// "spoke") and `$asked` who was asked.
macro_rules! answered_by_methods {
    ($ty:ty, $who:literal, $asked:literal) => {
        impl $ty {
            #[doc = concat!("Record who ", $who, ".")]
            #[must_use]
            pub fn with_answered_by(mut self, by: $crate::Provenance) -> Self {
                self.answered_by = Some(by);
                self
            }

            #[doc = concat!(
                "Record `info` as who ", $who, " unless this already names someone (a leaf or ",
                "a nested fallback chain knew better)."
            )]
            pub fn fill_answered_by(&mut self, info: &$crate::ProviderInfo) {
                self.answered_by.get_or_insert_with(|| info.into());
            }

            #[doc = concat!(
                "Who ", $who, ": [`answered_by`](Self::answered_by), else `asked` (",
                $asked, ", whose `info()` is right when no layer recorded anything)."
            )]
            pub fn provenance(&self, asked: &$crate::ProviderInfo) -> $crate::Provenance {
                self.answered_by.clone().unwrap_or_else(|| asked.into())
            }
        }
    };
}
pub(crate) use answered_by_methods;
