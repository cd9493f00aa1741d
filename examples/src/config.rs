//! The `ytempire` config file: channels, providers per capability in fallback order, a
//! per-video budget, video shape, output and data directories and YouTube paths.
//!
//! TOML, read from `--config FILE`, else from the file named by `YTEMPIRE_CONFIG`, else
//! built-in defaults (everything offline-capable, vendors used where their key is set).
//! API keys never live in the file: they come from environment variables (`OPENAI_API_KEY`,
//! `ANTHROPIC_API_KEY`, …; a provider entry may name another variable with `api_key_env`).
//!
//! Every table refuses unknown keys, and values are checked while parsing, so a mistake is
//! reported as `FILE:LINE: key: what is wrong`. `examples/ytempire.example.toml` is the
//! annotated reference.
//!
//! ```no_run
//! # fn demo() -> ytempire_core::Result<()> {
//! use ytempire_examples::config::Config;
//! let config = Config::load(Some("ytempire.toml".as_ref()))?;
//! let channel = config.channel(None)?;
//! println!("{} on {:?}", channel.profile().name, config.paths.output_dir);
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, Deserializer};
use ytempire_core::{ChannelProfile, Error, Privacy, Result, VideoSpec, VoiceGender};

/// Environment variable naming the config file when `--config` is not given.
pub const CONFIG_ENV: &str = "YTEMPIRE_CONFIG";

/// The whole config file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct Config {
    /// Output and data directories.
    pub paths: Paths,
    /// Video shape, length and render choices.
    pub video: VideoSettings,
    /// Spending caps.
    pub budget: BudgetSettings,
    /// Providers per capability, in fallback order.
    pub providers: Providers,
    /// YouTube credentials and state files.
    pub youtube: YouTubeSettings,
    /// Channels; the first is the default.
    pub channels: Vec<ChannelSettings>,
    /// The job queue's database (`ytempire queue`): a `postgres://` URL or a SQLite file;
    /// `--database` and `DATABASE_URL` take precedence. Default `DATA_DIR/queue.sqlite`.
    pub database: Option<DatabaseUrl>,
    /// Where `ytempire queue work` serves Prometheus metrics (`/metrics`), e.g.
    /// `"127.0.0.1:9898"`; `--metrics-addr` takes precedence. Default: not served.
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// What one worker process may run at once, e.g. `"network=8,render=1,memory=2048"`
    /// ([`crate::lanes`]); `ytempire queue work --lanes` takes precedence.
    pub lanes: Option<crate::lanes::Lanes>,
    /// The file this config was read from (`None`: defaults).
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

/// A database URL, never printed (it may hold a password).
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(pub String);

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseUrl(…)")
    }
}

/// Where outputs and working state go.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct Paths {
    /// Finished videos, thumbnails, quality and cost reports (default `out`).
    pub output_dir: PathBuf,
    /// Job directories, provider cache, cost ledger and queue (default `OUTPUT_DIR/.ytempire`).
    pub data_dir: Option<PathBuf>,
    /// A folder of the user's music (WAV files; sub-folder names and `<file>.wav.tags`
    /// sidecars give moods), picked by the channel's `music_mood`. Without one, a generated
    /// ambient bed plays under the narration.
    pub music_dir: Option<PathBuf>,
    /// The user's media library: a folder of images (png, jpg, webp) and H.264 clips (mp4),
    /// searched after the stock sources and before AI and procedural pictures. Files are
    /// known by their folder and file names and `<name>.txt` / `<name>.tags` sidecar tags;
    /// the index is cached in `DATA_DIR/library-index.json`. `make --library` overrides it.
    pub library: Option<PathBuf>,
}

impl Default for Paths {
    fn default() -> Self {
        Self {
            output_dir: PathBuf::from("out"),
            data_dir: None,
            music_dir: None,
            library: None,
        }
    }
}

impl Paths {
    /// The data directory (explicit, else under the output directory).
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir
            .clone()
            .unwrap_or_else(|| self.output_dir.join(".ytempire"))
    }
}

/// The video's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// 1920×1080.
    #[default]
    Landscape,
    /// 1080×1920 (YouTube Shorts).
    Shorts,
    /// 1080×1080.
    Square,
}

/// Which compositor renders frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compositor {
    /// A hardware GPU if present, else the CPU.
    #[default]
    Auto,
    /// The CPU compositor.
    Cpu,
    /// The wgpu compositor (any adapter, lavapipe included).
    Gpu,
}

/// Video settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct VideoSettings {
    /// Shape preset.
    pub format: Format,
    /// Width override in pixels (even, 16–7680).
    pub width: Option<Pixels>,
    /// Height override in pixels (even, 16–7680).
    pub height: Option<Pixels>,
    /// Frame rate (1–120; default 30).
    pub fps: Option<Fps>,
    /// Target length in seconds (5–3600; default 60).
    pub duration_secs: Seconds,
    /// Compositor.
    pub compositor: Compositor,
    /// Thumbnail variants (1–3; default 3).
    pub thumbnails: Variants,
    /// Minimum quality score (0–10) for the gate to pass an upload (default 6).
    pub quality_threshold: Score,
}

impl Default for VideoSettings {
    fn default() -> Self {
        Self {
            format: Format::Landscape,
            width: None,
            height: None,
            fps: None,
            duration_secs: Seconds(60.0),
            compositor: Compositor::Auto,
            thumbnails: Variants(3),
            quality_threshold: Score(6.0),
        }
    }
}

impl VideoSettings {
    /// The video spec for `format` (the configured one unless overridden) with the overrides.
    pub fn spec(&self, format: Option<Format>) -> VideoSpec {
        let mut spec = match format.unwrap_or(self.format) {
            Format::Landscape => VideoSpec::landscape(),
            Format::Shorts => VideoSpec::shorts(),
            Format::Square => VideoSpec::square(),
        };
        if let Some(w) = self.width {
            spec.width = w.0;
        }
        if let Some(h) = self.height {
            spec.height = h.0;
        }
        if let Some(f) = self.fps {
            spec.fps = f.0;
        }
        spec
    }
}

/// Spending caps, enforced by `ytempire_cost::Budgeted` before each paid call.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct BudgetSettings {
    /// Cap per video in USD (default 3.00). Over it, paid providers give way to free ones.
    pub per_video_usd: Option<Usd>,
    /// Cap per provider per UTC day in USD, e.g. `{ openai = 20 }`.
    pub per_provider_day_usd: BTreeMap<String, Usd>,
    /// Refuse paid calls the price catalog cannot price (default true).
    pub refuse_unpriced: bool,
}

impl Default for BudgetSettings {
    fn default() -> Self {
        Self {
            per_video_usd: Some(Usd(3.0)),
            per_provider_day_usd: BTreeMap::new(),
            refuse_unpriced: true,
        }
    }
}

/// Providers per capability, in fallback order. Empty lists use the defaults.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct Providers {
    /// With no language-model key set, look for a local OpenAI-compatible server (Ollama
    /// :11434, llama.cpp :8080, LM Studio :1234) and use it before the offline writer.
    pub probe_local: bool,
    /// Skip a provider that keeps failing (down, refusing, out of quota) for a cooldown
    /// (30 s, doubling to 10 minutes), shared by the script, narration and visuals chains;
    /// `false` tries every provider on every call.
    pub cooldown: bool,
    /// Script writers (`openai`, `anthropic`, `compatible`, `offline`).
    pub script: Vec<ScriptProvider>,
    /// Narrators (`elevenlabs`, `google`, `openai`, `espeak`).
    pub narration: Vec<NarrationProvider>,
    /// Visual sources (`pexels`, `pixabay`, `stability`, `openai`, `procedural`).
    pub visuals: Vec<VisualProvider>,
    /// The offline voice, last in the narration chain (`piper` or `espeak`; `make --voice`
    /// overrides it).
    pub offline_voice: OfflineVoice,
}

/// The offline voice: Piper's neural voice (falling back to espeak-ng when its runtime or a
/// voice is not installed, or it has no voice for the language) or espeak-ng alone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OfflineVoice {
    /// Piper (installed by `scripts/setup.sh`), espeak-ng when it cannot speak.
    #[default]
    Piper,
    /// espeak-ng only.
    Espeak,
}

impl Default for Providers {
    fn default() -> Self {
        Self {
            probe_local: true,
            cooldown: true,
            script: Vec::new(),
            narration: Vec::new(),
            visuals: Vec::new(),
            offline_voice: OfflineVoice::default(),
        }
    }
}

/// A script-writing provider.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScriptKind {
    /// OpenAI Chat Completions (`OPENAI_API_KEY`, `OPENAI_BASE_URL`).
    Openai,
    /// Anthropic Messages (`ANTHROPIC_API_KEY`, `ANTHROPIC_BASE_URL`).
    Anthropic,
    /// Any OpenAI-compatible server at `base_url` (Ollama, vLLM, llama.cpp), key optional.
    Compatible,
    /// The offline, non-AI writer.
    Offline,
}

/// One script provider entry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ScriptProvider {
    /// Which provider.
    pub kind: ScriptKind,
    /// Model name (e.g. `gpt-4o-mini`, `claude-3-5-haiku-latest`, `llama3.1`).
    pub model: Option<String>,
    /// Base URL (else the vendor's environment variable, else its default).
    pub base_url: Option<BaseUrl>,
    /// Environment variable holding the key (else the vendor's usual one).
    pub api_key_env: Option<String>,
    /// Per-request timeout in seconds.
    pub timeout_secs: Option<Seconds>,
}

/// A narration provider.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NarrationKind {
    /// ElevenLabs (`ELEVENLABS_API_KEY`).
    Elevenlabs,
    /// Google Cloud TTS (`GOOGLE_TTS_API_KEY` or `GOOGLE_API_KEY`).
    Google,
    /// OpenAI speech (`OPENAI_API_KEY`, `OPENAI_BASE_URL`).
    Openai,
    /// espeak-ng, offline.
    Espeak,
}

/// One narration provider entry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct NarrationProvider {
    /// Which provider.
    pub kind: NarrationKind,
    /// Model name.
    pub model: Option<String>,
    /// Voice id or name.
    pub voice: Option<String>,
    /// Base URL (else the vendor's environment variable, else its default).
    pub base_url: Option<BaseUrl>,
}

/// A visual source.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VisualKind {
    /// Pexels stock photos (`PEXELS_API_KEY`).
    Pexels,
    /// Pixabay stock photos (`PIXABAY_API_KEY`, `PIXABAY_BASE_URL`).
    Pixabay,
    /// Stability AI generation (`STABILITY_API_KEY`).
    Stability,
    /// OpenAI images (`OPENAI_API_KEY`, `OPENAI_BASE_URL`).
    Openai,
    /// Procedural pictures, offline.
    Procedural,
}

/// One visual provider entry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct VisualProvider {
    /// Which provider.
    pub kind: VisualKind,
    /// Model name (`gpt-image-1`; Stability: `core`, `ultra`, `sd3.5-large`, …).
    pub model: Option<String>,
    /// Base URL (else the vendor's environment variable, else its default).
    pub base_url: Option<BaseUrl>,
}

/// YouTube credentials and state files.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct YouTubeSettings {
    /// OAuth client secrets JSON from Google Cloud (default `client_secret.json`).
    pub client_secrets: Option<PathBuf>,
    /// Accounts and refresh tokens (default `DATA_DIR/accounts.json`).
    pub token_store: Option<PathBuf>,
    /// Quota ledger (default `DATA_DIR/quota.json`).
    pub quota_ledger: Option<PathBuf>,
    /// Resumable-upload sessions (default `DATA_DIR/sessions`).
    pub session_dir: Option<PathBuf>,
    /// Upload chunk size in KiB (a multiple of 256; default 8192).
    pub chunk_kib: Option<u64>,
}

impl YouTubeSettings {
    /// Client secrets path.
    pub fn client_secrets(&self) -> PathBuf {
        self.client_secrets
            .clone()
            .unwrap_or_else(|| PathBuf::from("client_secret.json"))
    }

    /// Token store path.
    pub fn token_store(&self, data: &Path) -> PathBuf {
        self.token_store
            .clone()
            .unwrap_or_else(|| data.join("accounts.json"))
    }

    /// Quota ledger path.
    pub fn quota_ledger(&self, data: &Path) -> PathBuf {
        self.quota_ledger
            .clone()
            .unwrap_or_else(|| data.join("quota.json"))
    }

    /// Session directory.
    pub fn session_dir(&self, data: &Path) -> PathBuf {
        self.session_dir
            .clone()
            .unwrap_or_else(|| data.join("sessions"))
    }
}

/// A channel: the full [`ChannelProfile`] plus persona, music mood, upload accounts and a
/// publishing cadence.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct ChannelSettings {
    /// Channel name (what `--channel` selects).
    pub name: String,
    /// Subject area.
    pub niche: String,
    /// Who watches.
    pub audience: String,
    /// Tone words.
    pub tone: String,
    /// BCP-47 language tag.
    pub language: String,
    /// Narration speaking rate (80–400 words per minute).
    pub words_per_minute: Wpm,
    /// Voice preferences.
    pub voice: VoiceSettings,
    /// Visual preferences.
    pub visual: VisualSettings,
    /// Upload privacy (`private`, `unlisted`, `public`).
    pub default_privacy: Privacy,
    /// COPPA declaration.
    pub made_for_kids: bool,
    /// YouTube category id.
    pub category_id: String,
    /// Terms never to say.
    pub banned_terms: Vec<String>,
    /// Who narrates, e.g. "Dr. Reef, a marine biologist who loves puns" (joins the tone).
    pub persona: Option<String>,
    /// Background music mood (kept for the music stage; e.g. "calm", "upbeat").
    pub music_mood: Option<String>,
    /// Token-store account names uploads rotate over (empty: every stored account).
    pub accounts: Vec<String>,
    /// Publishing cadence: hours between two videos (for schedulers; `make` publishes when
    /// asked, with `--publish-at`).
    pub cadence_hours: Option<Hours>,
    /// Publishing slots for `ytempire plan`: weekdays and a local time, e.g.
    /// `"Mon, Wed, Fri 15:00"` (in `time_zone`).
    pub cadence: Option<crate::cli::plan::Cadence>,
    /// IANA time zone of the cadence, e.g. `"Europe/Berlin"`.
    pub time_zone: Option<crate::cli::plan::TimeZoneName>,
    /// Keywords the trend search looks for and the scorer fits topics to.
    pub keywords: Vec<String>,
    /// Titles of videos the channel already made elsewhere (the scorer drops repeats).
    pub past_topics: Vec<String>,
    /// Where `ytempire trends` and `plan` look for topics (default: the most-popular chart).
    pub sources: Vec<TrendSourceSettings>,
    /// Most YouTube quota units trend refreshes may spend a day (default 500).
    pub trend_quota_per_day: Option<u64>,
}

/// One trend source of a channel (`kind = "most_popular" | "search" | "feed"`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum TrendSourceSettings {
    /// YouTube's most-popular chart (1 quota unit a refresh).
    MostPopular {
        /// ISO 3166-1 region (default: `--region`).
        region: Option<String>,
        /// Video category id, e.g. "28".
        category: Option<String>,
    },
    /// `search.list` for the channel's keywords in the last days (101 quota units a refresh).
    Search {
        /// Days back (default 7).
        within_days: Option<u32>,
        /// ISO 3166-1 region.
        region: Option<String>,
    },
    /// An RSS or Atom feed by URL (no quota; conditional requests).
    Feed {
        /// The feed's URL (`http://` or `https://`).
        url: String,
    },
}

impl Default for ChannelSettings {
    fn default() -> Self {
        let p = ChannelProfile::default();
        Self {
            name: p.name,
            niche: p.niche,
            audience: p.audience,
            tone: p.tone,
            language: p.language,
            words_per_minute: Wpm(p.words_per_minute),
            voice: VoiceSettings::default(),
            visual: VisualSettings::default(),
            default_privacy: p.default_privacy,
            made_for_kids: p.made_for_kids,
            category_id: p.category_id,
            banned_terms: p.banned_terms,
            persona: None,
            music_mood: None,
            accounts: Vec::new(),
            cadence_hours: None,
            cadence: None,
            time_zone: None,
            keywords: Vec::new(),
            past_topics: Vec::new(),
            sources: Vec::new(),
            trend_quota_per_day: None,
        }
    }
}

/// How narration should sound.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct VoiceSettings {
    /// `female`, `male` or `any`.
    pub gender: VoiceGender,
    /// Style words.
    pub style: Option<String>,
    /// A provider voice id.
    pub voice_id: Option<String>,
    /// Whether premium voices may be used.
    pub premium_allowed: bool,
    /// Speaking-rate multiplier (0.25–4).
    pub rate: Option<f32>,
}

/// How visuals should look.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct VisualSettings {
    /// Style words.
    pub style: Option<String>,
    /// Brand colours `#rrggbb`.
    pub palette: Vec<String>,
    /// Whether paid AI images may be used.
    pub ai_images_allowed: bool,
    /// Logo to watermark with.
    pub logo: Option<PathBuf>,
}

impl ChannelSettings {
    /// The core channel profile (persona joined to the tone).
    pub fn profile(&self) -> ChannelProfile {
        let mut p = ChannelProfile::new(self.name.clone(), self.niche.clone());
        p.audience = self.audience.clone();
        p.tone = match &self.persona {
            Some(persona) => format!("{}; narrated as {persona}", self.tone),
            None => self.tone.clone(),
        };
        p.language = self.language.clone();
        p.words_per_minute = self.words_per_minute.0;
        p.voice.gender = self.voice.gender;
        p.voice.style = self.voice.style.clone();
        p.voice.voice_id = self.voice.voice_id.clone();
        p.voice.premium_allowed = self.voice.premium_allowed;
        p.voice.rate = self.voice.rate;
        p.visual.style = self.visual.style.clone();
        p.visual.palette = self.visual.palette.clone();
        p.visual.ai_images_allowed = self.visual.ai_images_allowed;
        p.visual.logo = self.visual.logo.clone();
        p.default_privacy = self.default_privacy;
        p.made_for_kids = self.made_for_kids;
        p.category_id = self.category_id.clone();
        p.banned_terms = self.banned_terms.clone();
        p
    }
}

impl Config {
    /// Load `path`, else the file named by `YTEMPIRE_CONFIG`, else the defaults.
    ///
    /// # Errors
    /// `Config` when the file is missing or unreadable, or a key or value is wrong (the
    /// message names the file, line and key).
    pub fn load(path: Option<&Path>) -> Result<Self> {
        let from_env = std::env::var_os(CONFIG_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let Some(path) = path.map(Path::to_path_buf).or(from_env) else {
            return Ok(Self::default());
        };
        let text = std::fs::read_to_string(&path).map_err(|e| {
            let hint = if e.kind() == std::io::ErrorKind::NotFound {
                format!(
                    "config file {} does not exist; give an existing file with --config (or {CONFIG_ENV}), or copy examples/ytempire.example.toml",
                    path.display()
                )
            } else {
                format!("cannot read config file {}: {e}", path.display())
            };
            Error::config(hint)
        })?;
        let mut config = Self::parse(&text, &path.display().to_string())?;
        config.source = Some(path);
        Ok(config)
    }

    /// Parse TOML `text`; `name` (a file name) prefixes error messages.
    ///
    /// # Errors
    /// `Config` naming `name:line` and the key for an unknown key or a bad value.
    pub fn parse(text: &str, name: &str) -> Result<Self> {
        let config: Self = toml::from_str(text).map_err(|e| {
            let message = e.message().trim().replace('\n', " ");
            let Some(span) = e.span() else {
                return Error::config(format!("{name}: {message}"));
            };
            let start = span.start.min(text.len());
            let line_no = text[..start].matches('\n').count() + 1;
            let line = text.lines().nth(line_no - 1).unwrap_or_default();
            let key = line
                .split_once('=')
                .map(|(k, _)| k.trim())
                .filter(|k| !k.is_empty() && !k.starts_with('[') && !message.contains(k));
            match key {
                Some(key) => Error::config(format!("{name}:{line_no}: {key}: {message}")),
                None => Error::config(format!("{name}:{line_no}: {message}")),
            }
        })?;
        config.check(name)?;
        Ok(config)
    }

    /// Cross-field checks the parser cannot do.
    fn check(&self, name: &str) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        for c in &self.channels {
            if c.name.trim().is_empty() {
                return Err(Error::config(format!(
                    "{name}: a [[channels]] entry has an empty name; give every channel a name"
                )));
            }
            if !seen.insert(c.name.clone()) {
                return Err(Error::config(format!(
                    "{name}: channel {:?} is defined twice; channel names must be unique",
                    c.name
                )));
            }
        }
        if let Some(kib) = self.youtube.chunk_kib
            && (kib == 0 || kib % 256 != 0)
        {
            return Err(Error::config(format!(
                "{name}: youtube.chunk_kib = {kib} must be a positive multiple of 256"
            )));
        }
        for p in &self.providers.script {
            if p.kind == ScriptKind::Compatible && (p.base_url.is_none() || p.model.is_none()) {
                return Err(Error::config(format!(
                    "{name}: a `compatible` script provider needs base_url and model"
                )));
            }
        }
        let spec = self.video.spec(None);
        spec.validate()
            .map_err(|e| Error::config(format!("{name}: [video]: {}", e.message())))?;
        Ok(())
    }

    /// The channel called `name`, else the first configured one, else the default channel.
    ///
    /// # Errors
    /// `Config` when `name` is given and no channel has it.
    pub fn channel(&self, name: Option<&str>) -> Result<ChannelSettings> {
        match name {
            Some(n) => self
                .channels
                .iter()
                .find(|c| c.name == n)
                .cloned()
                .ok_or_else(|| {
                    let known: Vec<&str> = self.channels.iter().map(|c| c.name.as_str()).collect();
                    Error::config(if known.is_empty() {
                        format!("no channel named {n:?}: the config defines no [[channels]]")
                    } else {
                        format!(
                            "no channel named {n:?}; the config defines {}",
                            known.join(", ")
                        )
                    })
                }),
            None => Ok(self.channels.first().cloned().unwrap_or_default()),
        }
    }
}

macro_rules! checked {
    ($(#[$doc:meta])* $name:ident($inner:ty), $via:ty, |$v:ident| $ok:expr, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
        pub struct $name(pub $inner);

        impl<'de> Deserialize<'de> for $name {
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::unnecessary_cast,
                reason = "range checked before the cast"
            )]
            fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let raw = <$via>::deserialize(d)?;
                let $v = raw;
                if $ok {
                    Ok(Self($v as $inner))
                } else {
                    Err(de::Error::custom(format!(concat!($what, ", not {}"), raw)))
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

checked!(
    /// Seconds, 5–3600 (also used for timeouts).
    Seconds(f64), f64, |v| v.is_finite() && (5.0..=3600.0).contains(&v),
    "must be a number of seconds between 5 and 3600"
);
checked!(
    /// US dollars, 0 or more.
    Usd(f64), f64, |v| v.is_finite() && (0.0..=1_000_000.0).contains(&v),
    "must be an amount of US dollars of at least 0"
);
checked!(
    /// An even pixel count, 16–7680.
    Pixels(u32), i64, |v| (16..=7680).contains(&v) && v % 2 == 0,
    "must be an even number of pixels between 16 and 7680"
);
checked!(
    /// Frames per second, 1–120.
    Fps(u32), i64, |v| (1..=120).contains(&v),
    "must be a frame rate between 1 and 120"
);
checked!(
    /// Thumbnail variants, 1–3.
    Variants(usize), i64, |v| (1..=3).contains(&v),
    "must be 1, 2 or 3 thumbnail variants"
);
checked!(
    /// A quality score, 0–10.
    Score(f64), f64, |v| v.is_finite() && (0.0..=10.0).contains(&v),
    "must be a score between 0 and 10"
);
checked!(
    /// Words per minute, 80–400.
    Wpm(u32), i64, |v| (80..=400).contains(&v),
    "must be between 80 and 400 words per minute"
);
checked!(
    /// Hours, 1–8760.
    Hours(u32), i64, |v| (1..=8760).contains(&v),
    "must be a number of hours between 1 and 8760"
);

/// An `http://` or `https://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(pub String);

impl<'de> Deserialize<'de> for BaseUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let ok = (s.starts_with("http://") || s.starts_with("https://"))
            && s.len() > "https://".len()
            && !s.chars().any(char::is_whitespace);
        if ok {
            Ok(Self(s.trim_end_matches('/').to_string()))
        } else {
            Err(de::Error::custom(format!(
                "must be an http:// or https:// URL, not {s:?}"
            )))
        }
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
