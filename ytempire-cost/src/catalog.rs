//! The price catalog: versioned price data embedded in the crate, overridable by the user.
//!
//! The embedded data lives in `src/prices.toml`; every entry carries the date its price took
//! effect and the URL it came from. A user file in the same format is merged over it with
//! [`Catalog::merge`] (same provider and model: the user's entry wins).
//!
//! Pricing never invents a zero: a model that is not in the catalog, or a usage quantity the
//! entry has no rate for, yields [`Cost::Unpriced`].
//!
//! ```
//! use ytempire_core::Usage;
//! use ytempire_cost::{Catalog, Cost};
//!
//! let catalog = Catalog::embedded()?;
//! let cost = catalog.price("openai", "gpt-4o-mini", &Usage::tokens(1_000_000, 1_000_000));
//! assert_eq!(cost.usd(), Some("0.75".parse()?));
//! assert!(catalog.price("openai", "no-such-model", &Usage::tokens(1, 1)).is_unpriced());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;
use ytempire_core::metering::CapabilityKind;
use ytempire_core::{Error, ErrorKind, Usage};

/// The catalog shipped with this crate.
pub const EMBEDDED_PRICES: &str = include_str!("prices.toml");

const MILLION: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

/// One priced provider model (or model pattern with `*` wildcards).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PriceEntry {
    /// Provider id, as in [`ytempire_core::ProviderInfo::provider`].
    pub provider: String,
    /// Model name or pattern (`*` matches any run of characters).
    pub model: String,
    /// Which capability this model serves.
    pub kind: CapabilityKind,
    /// USD per 1M input tokens.
    #[serde(default)]
    pub input_per_mtok: Option<Decimal>,
    /// USD per 1M cached input tokens (falls back to the input rate when absent).
    #[serde(default)]
    pub cached_input_per_mtok: Option<Decimal>,
    /// USD per 1M output tokens.
    #[serde(default)]
    pub output_per_mtok: Option<Decimal>,
    /// USD per 1M characters.
    #[serde(default)]
    pub per_mchar: Option<Decimal>,
    /// USD per image.
    #[serde(default)]
    pub per_image: Option<Decimal>,
    /// USD per request (charged only when set).
    #[serde(default)]
    pub per_request: Option<Decimal>,
    /// API quota units per call (YouTube); not money.
    #[serde(default)]
    pub quota_units: Option<u64>,
    /// Date the price took effect or was last confirmed (ISO 8601).
    pub effective: String,
    /// Where the price comes from.
    pub source: String,
}

impl PriceEntry {
    /// Whether this entry prices an offline provider (source `local`), which costs nothing.
    pub fn is_local(&self) -> bool {
        self.source == "local"
    }

    /// Whether this entry's model pattern matches `model`.
    pub fn matches(&self, model: &str) -> bool {
        glob_match(&self.model, model)
    }

    /// The cost of `usage` at this entry's rates, or why it cannot be priced.
    pub fn cost_of(&self, usage: &Usage) -> Cost {
        let mut total = Decimal::ZERO;
        let mut add = |qty: u64, rate: Option<Decimal>, per: Decimal, what: &str| {
            if qty == 0 {
                return Ok(());
            }
            match rate {
                Some(rate) => {
                    total += Decimal::from(qty) * rate / per;
                    Ok(())
                }
                None => Err(format!(
                    "no {what} rate for {}/{}",
                    self.provider, self.model
                )),
            }
        };
        let one = Decimal::ONE;
        let steps = [
            add(
                usage.input_tokens,
                self.input_per_mtok,
                MILLION,
                "input-token",
            ),
            add(
                usage.cached_input_tokens,
                self.cached_input_per_mtok.or(self.input_per_mtok),
                MILLION,
                "cached-input-token",
            ),
            add(
                usage.output_tokens,
                self.output_per_mtok,
                MILLION,
                "output-token",
            ),
            add(usage.characters, self.per_mchar, MILLION, "per-character"),
            add(usage.images, self.per_image, one, "per-image"),
        ];
        if let Some(reason) = steps.into_iter().find_map(Result::err) {
            return Cost::Unpriced { reason };
        }
        if let Some(rate) = self.per_request {
            total += Decimal::from(usage.requests) * rate;
        }
        Cost::Priced(total.normalize())
    }
}

/// The price of one call: a known amount in USD, or unpriced with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", content = "value", rename_all = "snake_case")]
pub enum Cost {
    /// Priced, in USD.
    Priced(Decimal),
    /// The catalog cannot price this call.
    Unpriced {
        /// Why (unknown model, missing rate).
        reason: String,
    },
}

impl Cost {
    /// Zero dollars (cached or free).
    pub const ZERO: Cost = Cost::Priced(Decimal::ZERO);

    /// The amount, when priced.
    pub fn usd(&self) -> Option<Decimal> {
        match self {
            Self::Priced(d) => Some(*d),
            Self::Unpriced { .. } => None,
        }
    }

    /// True when the catalog could not price the call.
    pub fn is_unpriced(&self) -> bool {
        matches!(self, Self::Unpriced { .. })
    }
}

impl fmt::Display for Cost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Priced(d) => write!(f, "${d}"),
            Self::Unpriced { reason } => write!(f, "unpriced ({reason})"),
        }
    }
}

#[derive(Debug, Deserialize)]
struct CatalogFile {
    version: String,
    #[serde(default)]
    price: Vec<PriceEntry>,
}

/// A set of prices with a version string.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    version: String,
    entries: Vec<PriceEntry>,
}

impl Catalog {
    /// The catalog embedded in this crate.
    ///
    /// # Errors
    /// Only if the embedded data is broken (a test guards against that).
    pub fn embedded() -> Result<Self, Error> {
        Self::from_toml_str(EMBEDDED_PRICES)
    }

    /// Parse a catalog in the embedded TOML format.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] when the text is not a valid catalog.
    pub fn from_toml_str(text: &str) -> Result<Self, Error> {
        let file: CatalogFile = toml::from_str(text)
            .map_err(|e| Error::new(ErrorKind::Config, format!("price catalog: {e}")))?;
        Ok(Self {
            version: file.version,
            entries: file.price,
        })
    }

    /// The embedded catalog with the user's file at `path` merged over it.
    ///
    /// # Errors
    /// [`ErrorKind::Io`] when the file cannot be read, [`ErrorKind::Config`] when it is invalid.
    pub fn embedded_with_overrides(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::new(ErrorKind::Io, format!("reading {}: {e}", path.display())))?;
        let mut base = Self::embedded()?;
        base.merge(Self::from_toml_str(&text)?);
        Ok(base)
    }

    /// Merge `other` over `self`: entries with the same provider and model are replaced, new
    /// ones added; the version becomes `"<self>+<other>"`.
    pub fn merge(&mut self, other: Catalog) {
        for entry in other.entries {
            match self
                .entries
                .iter_mut()
                .find(|e| e.provider == entry.provider && e.model == entry.model)
            {
                Some(existing) => *existing = entry,
                None => self.entries.push(entry),
            }
        }
        self.version = format!("{}+{}", self.version, other.version);
    }

    /// The catalog's version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// All entries.
    pub fn entries(&self) -> &[PriceEntry] {
        &self.entries
    }

    /// The entry for `provider`/`model`: an exact name first, else the longest matching pattern.
    pub fn lookup(&self, provider: &str, model: &str) -> Option<&PriceEntry> {
        let candidates = self.entries.iter().filter(|e| e.provider == provider);
        let mut best: Option<&PriceEntry> = None;
        for entry in candidates {
            if entry.model == model {
                return Some(entry);
            }
            if entry.matches(model) && best.is_none_or(|b| entry.model.len() > b.model.len()) {
                best = Some(entry);
            }
        }
        best
    }

    /// Price one call. Cached calls cost nothing; unknown models are [`Cost::Unpriced`].
    pub fn price(&self, provider: &str, model: &str, usage: &Usage) -> Cost {
        if usage.cached {
            return Cost::ZERO;
        }
        match self.lookup(provider, model) {
            Some(entry) => entry.cost_of(usage),
            None => Cost::Unpriced {
                reason: format!(
                    "{provider}/{model} is not in price catalog {}",
                    self.version
                ),
            },
        }
    }

    /// YouTube-style quota units one call to `method` costs, when known.
    pub fn quota_units(&self, provider: &str, method: &str) -> Option<u64> {
        self.lookup(provider, method).and_then(|e| e.quota_units)
    }

    /// The cheapest priced vendor model of `kind` for a reference usage, with its cost.
    /// Offline providers (entries whose source is `local`: the offline writer, espeak-ng,
    /// procedural visuals) are a different quality tier and are not considered.
    pub fn cheapest(&self, kind: CapabilityKind, usage: &Usage) -> Option<(&PriceEntry, Decimal)> {
        self.entries
            .iter()
            .filter(|e| e.kind == kind && !e.is_local())
            .filter_map(|e| e.cost_of(usage).usd().map(|c| (e, c)))
            .min_by(|a, b| a.1.cmp(&b.1))
    }
}

/// `*`-wildcard match of the whole of `text`.
fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(pos) => rest = &rest[pos + part.len()..],
                None => return false,
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn embedded_catalog_parses_and_every_entry_has_date_and_source() {
        let c = Catalog::embedded().unwrap();
        assert!(c.entries().len() >= 30);
        for e in c.entries() {
            assert!(e.effective.len() == 10, "{e:?}");
            assert!(
                e.source.starts_with("https://") || e.source == "local",
                "{e:?}"
            );
        }
    }

    #[test]
    fn openai_token_prices_are_exact() {
        let c = Catalog::embedded().unwrap();
        let u = Usage::tokens(1200, 800);
        // 1200 * 0.15/1M + 800 * 0.60/1M = 0.00018 + 0.00048
        assert_eq!(
            c.price("openai", "gpt-4o-mini", &u).usd(),
            Some(d("0.00066"))
        );
        let dated = c.price("openai", "gpt-4o-mini-2024-07-18", &u);
        assert_eq!(dated.usd(), Some(d("0.00066")));
        // gpt-4o must not pick up the mini prices, nor mini the gpt-4o ones.
        assert_eq!(c.price("openai", "gpt-4o", &u).usd(), Some(d("0.011")));
        let mut cached = Usage::tokens(0, 0);
        cached.cached_input_tokens = 1_000_000;
        assert_eq!(
            c.price("openai", "gpt-4.1-mini", &cached).usd(),
            Some(d("0.1"))
        );
    }

    #[test]
    fn tts_image_and_free_providers() {
        let c = Catalog::embedded().unwrap();
        let chars = Usage::characters(1000, 60.0);
        assert_eq!(
            c.price("elevenlabs", "eleven_multilingual_v2", &chars)
                .usd(),
            Some(d("0.12"))
        );
        assert_eq!(
            c.price("elevenlabs", "eleven_flash_v2_5", &chars).usd(),
            Some(d("0.06"))
        );
        assert_eq!(
            c.price("google", "en-US-Neural2-A", &chars).usd(),
            Some(d("0.016"))
        );
        assert_eq!(
            c.price("google", "en-US-Standard-C", &chars).usd(),
            Some(d("0.004"))
        );
        assert_eq!(c.price("openai", "tts-1", &chars).usd(), Some(d("0.015")));
        assert_eq!(
            c.price("stability", "core", &Usage::images(2)).usd(),
            Some(d("0.06"))
        );
        assert_eq!(
            c.price("pexels", "search", &Usage::images(5)).usd(),
            Some(Decimal::ZERO)
        );
        assert_eq!(
            c.price("youtube", "videos.insert", &Usage::quota(1600))
                .usd(),
            Some(Decimal::ZERO)
        );
        assert_eq!(c.quota_units("youtube", "videos.insert"), Some(1600));
        assert_eq!(c.quota_units("youtube", "search.list"), Some(100));
    }

    #[test]
    fn unknown_models_and_missing_rates_are_unpriced_not_zero() {
        let c = Catalog::embedded().unwrap();
        let unknown = c.price("openai", "gpt-9", &Usage::tokens(10, 10));
        assert!(unknown.is_unpriced());
        assert_eq!(unknown.usd(), None);
        assert!(c.price("acme", "x", &Usage::new()).is_unpriced());
        // A speech model billed in tokens has no per-character rate.
        let chars = Usage::characters(100, 5.0);
        let Cost::Unpriced { reason } = c.price("openai", "gpt-4o-mini-tts", &chars) else {
            panic!("priced without a rate");
        };
        assert!(reason.contains("per-character"), "{reason}");
    }

    #[test]
    fn cached_calls_cost_nothing() {
        let c = Catalog::embedded().unwrap();
        let u = Usage::tokens(1000, 1000).into_cached();
        assert_eq!(c.price("openai", "gpt-4o", &u), Cost::ZERO);
    }

    #[test]
    fn user_file_overrides_and_extends() {
        let mut c = Catalog::embedded().unwrap();
        let user = Catalog::from_toml_str(
            r#"
version = "mine-1"
[[price]]
provider = "openai"
model = "gpt-4o-mini*"
kind = "llm"
input_per_mtok = "0.10"
output_per_mtok = "0.40"
effective = "2026-11-01"
source = "https://example.com/contract"
[[price]]
provider = "acme"
model = "voice-1"
kind = "tts"
per_mchar = "1"
effective = "2026-11-01"
source = "https://example.com/acme"
"#,
        )
        .unwrap();
        let n = c.entries().len();
        c.merge(user);
        assert_eq!(c.entries().len(), n + 1);
        assert!(c.version().ends_with("+mine-1"));
        let u = Usage::tokens(1_000_000, 1_000_000);
        assert_eq!(c.price("openai", "gpt-4o-mini", &u).usd(), Some(d("0.5")));
        assert_eq!(
            c.price("acme", "voice-1", &Usage::characters(1_000_000, 0.0))
                .usd(),
            Some(d("1"))
        );
        assert!(Catalog::from_toml_str("version = 3").is_err());
    }

    #[test]
    fn glob_matching() {
        assert!(glob_match("*-Neural2-*", "en-US-Neural2-A"));
        assert!(!glob_match("*-Neural2-*", "en-US-Standard-A"));
        assert!(glob_match("gpt-4o-mini*", "gpt-4o-mini"));
        assert!(!glob_match("gpt-4o-2*", "gpt-4o-mini"));
        assert!(glob_match("*", "anything"));
        assert!(!glob_match("abc", "abcd"));
    }

    #[test]
    fn cheapest_llm_for_a_typical_script() {
        let c = Catalog::embedded().unwrap();
        let (entry, cost) = c
            .cheapest(CapabilityKind::Llm, &Usage::tokens(2000, 1500))
            .unwrap();
        assert!(cost > Decimal::ZERO);
        assert!(!entry.is_local());
        for e in c
            .entries()
            .iter()
            .filter(|e| e.kind == CapabilityKind::Llm && !e.is_local())
        {
            if let Some(other) = e.cost_of(&Usage::tokens(2000, 1500)).usd() {
                assert!(cost <= other, "{} cheaper than {}", e.model, entry.model);
            }
        }
    }
}
