//! The cooldown (circuit breaker) state a [`Fallback`](super::Fallback) chain keeps per
//! provider, so a provider that is down or refusing costs one try per cooldown, not one per
//! call.
//!
//! - A provider *opens* after [`BreakerConfig::failure_threshold`] consecutive failures of a
//!   kind that says it is down or refusing: `Transport`, `Timeout`, `Upstream`,
//!   `Unauthenticated`, `QuotaExhausted`. A retry layer's failed call counts as many
//!   failures as it made attempts ([`Error::attempts`]), so `Retry(dead)` under the default
//!   retry config opens on its first failed call.
//! - While open, the chain skips it (recorded as an attempt in the aggregate error, and a
//!   `tracing` warning), unless it is the chain's last provider: with nothing left to fall
//!   back to, the last one is always called. When the cooldown ends, one call tries it again (*half-open*; a
//!   [`Retry`](crate::layers::Retry) inside makes a single attempt for it). Success, or an
//!   answer that shows the provider is reachable (a refused request, a rate limit...), closes
//!   it; another down-or-refusing failure opens it again for twice as long, up to
//!   [`BreakerConfig::max_cooldown`].
//! - State is keyed by provider label (`provider/model`) in a [`Breakers`] registry. Every
//!   chain owns one; pass the same registry to several chains
//!   ([`Fallback::with_breakers`](super::Fallback::with_breakers)) to share what they learn.
//!   [`Breakers::open`] lists open breakers for a summary.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::{Error, ErrorKind};

tokio::task_local! {
    static PROBE: bool;
}

/// Whether the current call is a half-open probe of a cooling-down provider (a
/// [`Retry`](crate::layers::Retry) layer then makes a single attempt).
pub(crate) fn probing() -> bool {
    PROBE.try_with(|p| *p).unwrap_or(false)
}

/// Run `fut` as a half-open probe when `probe` is true.
pub(crate) async fn scope_probe<F: std::future::Future>(probe: bool, fut: F) -> F::Output {
    PROBE.scope(probe, fut).await
}

/// When a provider's breaker opens and for how long.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct BreakerConfig {
    /// Consecutive down-or-refusing failures (attempts) that open the breaker.
    pub failure_threshold: u32,
    /// The first cooldown.
    pub initial_cooldown: Duration,
    /// The longest cooldown (each failed half-open try doubles it up to this).
    pub max_cooldown: Duration,
}

impl Default for BreakerConfig {
    /// Open after 3 failures, skip for 30 s, doubling up to 10 minutes.
    fn default() -> Self {
        Self {
            failure_threshold: 3,
            initial_cooldown: Duration::from_secs(30),
            max_cooldown: Duration::from_secs(600),
        }
    }
}

impl BreakerConfig {
    /// Never open (every call tries every provider).
    pub fn disabled() -> Self {
        Self {
            failure_threshold: u32::MAX,
            ..Self::default()
        }
    }

    /// Open after `n` consecutive failures (at least 1).
    #[must_use]
    pub fn with_failure_threshold(mut self, n: u32) -> Self {
        self.failure_threshold = n.max(1);
        self
    }

    /// First cooldown `initial`, doubling up to `max`.
    #[must_use]
    pub fn with_cooldown(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_cooldown = initial;
        self.max_cooldown = max.max(initial);
        self
    }
}

/// Whether `kind` says the provider is down or refusing (counts towards opening).
pub(crate) fn is_breaker_failure(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::Transport
            | ErrorKind::Timeout
            | ErrorKind::Upstream
            | ErrorKind::Unauthenticated
            | ErrorKind::QuotaExhausted
    )
}

/// One open breaker, as [`Breakers::open`] lists it. `Display` reads
/// `openai/gpt-4o skipped for 60 s after 3 transport failures`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OpenBreaker {
    /// The provider label (`provider/model`).
    pub provider: String,
    /// The current cooldown.
    pub cooldown: Duration,
    /// Time left before the next try (zero: the next call tries it).
    pub remaining: Duration,
    /// Consecutive down-or-refusing failures so far.
    pub failures: u32,
    /// The kind of the last failure.
    pub kind: ErrorKind,
    /// Calls that skipped it since it first opened.
    pub skipped: u64,
}

impl fmt::Display for OpenBreaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} skipped for {} s after {} {} failure{}",
            self.provider,
            self.cooldown.as_secs(),
            self.failures,
            self.kind.as_str().replace('_', " "),
            if self.failures == 1 { "" } else { "s" }
        )
    }
}

#[derive(Debug, Default)]
struct State {
    failures: u32,
    kind: Option<ErrorKind>,
    open_until: Option<Instant>,
    cooldown: Duration,
    probing: bool,
    skipped: u64,
}

impl State {
    fn open_breaker(&self, provider: &str, now: Instant) -> Option<OpenBreaker> {
        let until = self.open_until?;
        Some(OpenBreaker {
            provider: provider.to_owned(),
            cooldown: self.cooldown,
            remaining: until.saturating_duration_since(now),
            failures: self.failures,
            kind: self.kind.unwrap_or(ErrorKind::Transport),
            skipped: self.skipped,
        })
    }
}

#[derive(Debug)]
struct Registry {
    config: BreakerConfig,
    states: HashMap<String, State>,
}

/// Per-provider cooldown state of [`Fallback`](super::Fallback) chains, keyed by provider
/// label; clones share it, so chains given clones of one registry share what they learn.
///
/// A provider opens after [`BreakerConfig::failure_threshold`] consecutive failures that say
/// it is down or refusing (`Transport`, `Timeout`, `Upstream`, `Unauthenticated`,
/// `QuotaExhausted`; a retry layer's failed call counts its attempts); chains then skip it
/// for the cooldown and try it once when the cooldown ends (a `Retry` inside makes a single
/// attempt). Success or an answer showing it is reachable closes it; another such failure
/// reopens it for twice as long, up to [`BreakerConfig::max_cooldown`].
///
/// ```
/// use ytempire_core::layers::{BreakerConfig, Breakers, Fallback};
/// use ytempire_core::{DynLanguageModel, DynSpeechSynthesizer, LanguageModel, SpeechSynthesizer};
/// fn chains(
///     llms: Vec<DynLanguageModel>,
///     voices: Vec<DynSpeechSynthesizer>,
/// ) -> (Fallback<dyn LanguageModel>, Fallback<dyn SpeechSynthesizer>, Breakers) {
///     let breakers = Breakers::new(BreakerConfig::default());
///     let llm = Fallback::new(llms).with_breakers(breakers.clone());
///     let tts = Fallback::new(voices).with_breakers(breakers.clone());
///     // later, in a summary: one line per provider being skipped
///     for open in breakers.open() {
///         println!("{open}"); // "openai/gpt-4o skipped for 60 s after 3 transport failures"
///     }
///     (llm, tts, breakers)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Breakers {
    inner: Arc<Mutex<Registry>>,
}

impl Default for Breakers {
    fn default() -> Self {
        Self::new(BreakerConfig::default())
    }
}

/// What a chain may do with one provider now.
pub(crate) enum Admission {
    /// Call it; settle the ticket with the outcome.
    Call(Ticket),
    /// Skip it: its breaker is open.
    Skip(OpenBreaker),
}

impl Breakers {
    /// An empty registry with `config`.
    pub fn new(config: BreakerConfig) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Registry {
                config,
                states: HashMap::new(),
            })),
        }
    }

    /// The configuration.
    pub fn config(&self) -> BreakerConfig {
        self.lock().config
    }

    fn lock(&self) -> MutexGuard<'_, Registry> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The open breakers (cooling down, or waiting for their half-open try), by label.
    pub fn open(&self) -> Vec<OpenBreaker> {
        let now = Instant::now();
        let reg = self.lock();
        let mut open: Vec<OpenBreaker> = reg
            .states
            .iter()
            .filter_map(|(label, s)| s.open_breaker(label, now))
            .collect();
        open.sort_by(|a, b| a.provider.cmp(&b.provider));
        open
    }

    /// Whether `label` may be called now; a half-open try marks it so concurrent calls
    /// keep skipping until that try settles.
    #[cfg(test)]
    pub(crate) fn admit(&self, label: &str) -> Admission {
        self.admit_in(label, false)
    }

    /// [`admit`](Self::admit) for a chain's provider; `last` (nothing after it to fall back
    /// to) is called even while its breaker is open: skipping it would turn a possible
    /// answer into a certain failure.
    pub(crate) fn admit_in(&self, label: &str, last: bool) -> Admission {
        let now = Instant::now();
        let mut reg = self.lock();
        let Some(state) = reg.states.get_mut(label) else {
            return Admission::Call(self.ticket(label, false));
        };
        let Some(until) = state.open_until else {
            return Admission::Call(self.ticket(label, false));
        };
        if now >= until && !state.probing {
            state.probing = true;
            drop(reg);
            tracing::info!(provider = %label, "cooldown over: trying provider once (half-open)");
            return Admission::Call(self.ticket(label, true));
        }
        if last {
            drop(reg);
            tracing::info!(provider = %label, "cooling down but last in the chain: trying it");
            return Admission::Call(self.ticket(label, false));
        }
        state.skipped += 1;
        match state.open_breaker(label, now) {
            Some(open) => Admission::Skip(open),
            None => Admission::Call(self.ticket(label, false)),
        }
    }

    fn ticket(&self, label: &str, probe: bool) -> Ticket {
        Ticket {
            breakers: self.clone(),
            label: label.to_owned(),
            probe,
            settled: false,
        }
    }

    fn settle(&self, label: &str, probe: bool, err: Option<&Error>) {
        let now = Instant::now();
        let mut reg = self.lock();
        let config = reg.config;
        let state = reg.states.entry(label.to_owned()).or_default();
        if probe {
            state.probing = false;
        }
        let Some(err) = err else {
            if state.open_until.take().is_some() {
                tracing::info!(provider = %label, "provider answered: cooldown closed");
            }
            *state = State::default();
            return;
        };
        let kind = err.kind();
        if matches!(kind, ErrorKind::Cancelled | ErrorKind::BudgetExceeded) {
            return; // says nothing about the provider
        }
        if !is_breaker_failure(kind) {
            if state.open_until.is_some() {
                tracing::info!(provider = %label, %kind, "provider is reachable: cooldown closed");
            }
            *state = State::default();
            return;
        }
        state.failures = state
            .failures
            .saturating_add(err.attempts().unwrap_or(1).max(1));
        state.kind = Some(kind);
        let reopen = probe && state.open_until.is_some();
        if !reopen && (state.open_until.is_some() || state.failures < config.failure_threshold) {
            return;
        }
        state.cooldown = if reopen {
            state.cooldown.saturating_mul(2).min(config.max_cooldown)
        } else {
            config.initial_cooldown.min(config.max_cooldown)
        };
        state.open_until = Some(now + state.cooldown);
        tracing::warn!(
            provider = %label,
            failures = state.failures,
            %kind,
            cooldown_s = state.cooldown.as_secs(),
            "provider keeps failing: skipping it during the cooldown"
        );
    }
}

/// One admitted call; dropping it unsettled (the call was cancelled) frees a half-open try.
pub(crate) struct Ticket {
    breakers: Breakers,
    label: String,
    probe: bool,
    settled: bool,
}

impl Ticket {
    /// Whether this call is the half-open try.
    pub(crate) fn is_probe(&self) -> bool {
        self.probe
    }

    /// Record the call's outcome (`None` = it answered).
    pub(crate) fn settle(mut self, err: Option<&Error>) {
        self.settled = true;
        self.breakers.settle(&self.label, self.probe, err);
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if !self.settled && self.probe {
            let mut reg = self.breakers.lock();
            if let Some(state) = reg.states.get_mut(&self.label) {
                state.probing = false;
            }
        }
    }
}

#[cfg(test)]
mod tests;
