//! What a video is about ([`Topic`]) and who it is for ([`ChannelProfile`]).

use serde::{Deserialize, Serialize};

use super::Privacy;

/// A subject for one video, typed by a person or found by a [`crate::TrendSource`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Topic {
    /// The subject in a few words, e.g. "How octopuses change colour".
    pub title: String,
    /// Keywords for search, visuals and tags.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Optional notes or source text the script should draw on.
    #[serde(default)]
    pub notes: Option<String>,
    /// Where the topic came from (e.g. "youtube:mostPopular:US"), if found automatically.
    #[serde(default)]
    pub source: Option<String>,
    /// A popularity score from the trend source, if any (higher is hotter).
    #[serde(default)]
    pub score: Option<f64>,
    /// The page the topic is about (a news article, a video), when it came from a trend:
    /// the script stage cites it in the video's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

impl Topic {
    /// A topic with just a title.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            keywords: Vec::new(),
            notes: None,
            source: None,
            score: None,
            link: None,
        }
    }

    /// Add keywords.
    #[must_use]
    pub fn with_keywords<I, S>(mut self, keywords: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.keywords = keywords.into_iter().map(Into::into).collect();
        self
    }

    /// Add notes or source text for the script writer.
    #[must_use]
    pub fn with_notes(mut self, notes: impl Into<String>) -> Self {
        self.notes = Some(notes.into());
        self
    }

    /// Name the page the topic is about (see [`Topic::link`]).
    ///
    /// ```
    /// use ytempire_core::Topic;
    /// let t = Topic::new("Octopuses punch fish").with_link("https://news.example/octopus");
    /// assert_eq!(t.link.as_deref(), Some("https://news.example/octopus"));
    /// ```
    #[must_use]
    pub fn with_link(mut self, link: impl Into<String>) -> Self {
        self.link = Some(link.into());
        self
    }
}

/// Preferred voice gender for narration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum VoiceGender {
    /// A female voice.
    Female,
    /// A male voice.
    Male,
    /// Any voice.
    #[default]
    Any,
}

/// How the channel's narration should sound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
#[non_exhaustive]
pub struct VoicePreference {
    /// Gender preference.
    pub gender: VoiceGender,
    /// Style words such as "calm", "energetic", "documentary".
    pub style: Option<String>,
    /// A specific provider voice id to use when available.
    pub voice_id: Option<String>,
    /// Whether paid premium voices may be used.
    pub premium_allowed: bool,
    /// Speaking-rate multiplier (1.0 = provider default).
    pub rate: Option<f32>,
}

/// How the channel's visuals should look.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
#[non_exhaustive]
pub struct VisualPreference {
    /// Style words for image search and generation ("cinematic", "flat illustration").
    pub style: Option<String>,
    /// Brand colours as `#rrggbb`.
    pub palette: Vec<String>,
    /// Whether AI-generated images may be used (they cost money).
    pub ai_images_allowed: bool,
    /// A logo image to watermark with.
    pub logo: Option<std::path::PathBuf>,
}

/// Who a channel speaks to and how: drives script tone, voice, visuals and upload defaults.
///
/// ```
/// use ytempire_core::ChannelProfile;
/// let channel = ChannelProfile::new("Deep Sea Facts", "marine biology");
/// assert_eq!(channel.language, "en");
/// assert_eq!(channel.words_per_minute, 150);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ChannelProfile {
    /// Channel name.
    pub name: String,
    /// Subject area, e.g. "personal finance".
    pub niche: String,
    /// Who watches, e.g. "curious adults new to the subject".
    pub audience: String,
    /// Tone words, e.g. "friendly, precise".
    pub tone: String,
    /// BCP-47 language tag of scripts and narration, e.g. "en", "es-MX".
    pub language: String,
    /// Narration speaking rate used to size scripts.
    pub words_per_minute: u32,
    /// Voice preferences.
    pub voice: VoicePreference,
    /// Visual preferences.
    pub visual: VisualPreference,
    /// Privacy for uploads unless a job says otherwise.
    pub default_privacy: Privacy,
    /// Whether the channel's videos are made for kids (COPPA declaration).
    pub made_for_kids: bool,
    /// YouTube category id for uploads (e.g. "27" Education).
    pub category_id: String,
    /// Terms the channel never wants in a script.
    pub banned_terms: Vec<String>,
}

impl Default for ChannelProfile {
    fn default() -> Self {
        Self {
            name: "ytempire".into(),
            niche: "general knowledge".into(),
            audience: "curious adults".into(),
            tone: "friendly, clear".into(),
            language: "en".into(),
            words_per_minute: 150,
            voice: VoicePreference::default(),
            visual: VisualPreference::default(),
            default_privacy: Privacy::Private,
            made_for_kids: false,
            category_id: "27".into(),
            banned_terms: Vec::new(),
        }
    }
}

impl ChannelProfile {
    /// A profile with a name and niche, other fields defaulted.
    pub fn new(name: impl Into<String>, niche: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            niche: niche.into(),
            ..Self::default()
        }
    }
}
