//! Metered consumption of one provider call, in the units vendors bill.

use serde::{Deserialize, Serialize};
use std::ops::{Add, AddAssign};

/// What one call consumed, in the units vendors bill by.
///
/// Providers fill the fields that apply; the cost crate prices them. `cached` is set by the
/// cache layer when the response came from the cache, so the call cost nothing.
///
/// ```
/// use ytempire_core::Usage;
/// let a = Usage { input_tokens: 10, output_tokens: 5, ..Usage::default() };
/// let b = Usage { characters: 120, ..Usage::default() };
/// let total = a + b;
/// assert_eq!(total.input_tokens, 10);
/// assert_eq!(total.characters, 120);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Usage {
    /// Prompt tokens billed at the input rate.
    pub input_tokens: u64,
    /// Prompt tokens served from the vendor's prompt cache (billed at the cached rate).
    pub cached_input_tokens: u64,
    /// Completion tokens billed at the output rate.
    pub output_tokens: u64,
    /// Characters billed (TTS), counted the way the vendor counts them.
    pub characters: u64,
    /// Images generated or fetched.
    pub images: u64,
    /// Seconds of audio produced.
    pub audio_seconds: f64,
    /// API quota units spent (YouTube).
    pub quota_units: u64,
    /// HTTP requests made.
    pub requests: u64,
    /// True when served from ytempire's cache: nothing was paid.
    pub cached: bool,
}

impl Usage {
    /// An empty usage record.
    pub fn new() -> Self {
        Self::default()
    }

    /// Token usage of a language-model call.
    pub fn tokens(input: u64, output: u64) -> Self {
        Self {
            input_tokens: input,
            output_tokens: output,
            requests: 1,
            ..Self::default()
        }
    }

    /// Character usage of a speech call.
    pub fn characters(characters: u64, audio_seconds: f64) -> Self {
        Self {
            characters,
            audio_seconds,
            requests: 1,
            ..Self::default()
        }
    }

    /// Image usage.
    pub fn images(images: u64) -> Self {
        Self {
            images,
            requests: 1,
            ..Self::default()
        }
    }

    /// Quota-unit usage.
    pub fn quota(units: u64) -> Self {
        Self {
            quota_units: units,
            requests: 1,
            ..Self::default()
        }
    }

    /// The same usage marked as served from cache (nothing billed).
    #[must_use]
    pub fn into_cached(mut self) -> Self {
        self.cached = true;
        self
    }

    /// True when nothing at all was consumed.
    pub fn is_empty(&self) -> bool {
        self.input_tokens == 0
            && self.cached_input_tokens == 0
            && self.output_tokens == 0
            && self.characters == 0
            && self.images == 0
            && self.audio_seconds == 0.0
            && self.quota_units == 0
            && self.requests == 0
    }
}

impl Add for Usage {
    type Output = Self;
    fn add(mut self, rhs: Self) -> Self {
        self += rhs;
        self
    }
}

impl AddAssign for Usage {
    fn add_assign(&mut self, rhs: Self) {
        self.input_tokens += rhs.input_tokens;
        self.cached_input_tokens += rhs.cached_input_tokens;
        self.output_tokens += rhs.output_tokens;
        self.characters += rhs.characters;
        self.images += rhs.images;
        self.audio_seconds += rhs.audio_seconds;
        self.quota_units += rhs.quota_units;
        self.requests += rhs.requests;
        self.cached = self.cached && rhs.cached;
    }
}
