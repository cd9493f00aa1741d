//! `Fallback`: try providers in order until one answers.
//!
//! - Advances to the next provider only where [`Error::should_fallback`] (quota spent, rate
//!   limited past the retry budget, upstream down, unsupported...). A broken request,
//!   cancellation or an exceeded budget stops the chain at once.
//! - Skips, without calling it, a provider whose [`Capabilities`](crate::Capabilities) cannot
//!   serve the request (SSML to a non-SSML voice, a prompt over `max_input`, JSON mode); the
//!   skip is recorded as an `Unsupported` attempt.
//! - On failure returns [`Error::aggregate`] listing every attempt, in order, each naming its
//!   provider; its kind is the last attempt's.
//! - `info()` reports the first provider's id and model with the
//!   [intersection](crate::Capabilities::intersection) of all capabilities; the *answer*
//!   names the provider that gave it: a response's `answered_by`
//!   ([`Provenance`](crate::Provenance)) is filled with the answering provider's id and model
//!   unless something inside it (a leaf, a nested chain) already set it.
//! - Remembers providers that keep failing as down or refusing and skips them for a growing
//!   cooldown, then tries them once again ([`Breakers`]); the last provider is always
//!   called, cooling down or not; a skip is recorded as an attempt like a capability skip. Chains given the same
//!   [`Breakers`] ([`Fallback::with_breakers`]) share what they learn.
//!
//! ```
//! use std::sync::Arc;
//! use ytempire_core::layers::Fallback;
//! use ytempire_core::DynLanguageModel;
//! fn chain(primary: DynLanguageModel, backup: DynLanguageModel) -> Fallback<dyn ytempire_core::LanguageModel> {
//!     Fallback::new(vec![primary, backup])
//! }
//! ```

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use super::{LayerRequest, LayerResponse, for_each_trait};
use crate::{Capabilities, Error, ErrorKind, ProviderInfo, Result};

mod breaker;

pub(crate) use breaker::probing;
use breaker::{Admission, scope_probe};
pub use breaker::{BreakerConfig, Breakers, OpenBreaker};

/// Tries each provider in order; see the [layers module docs](crate::layers).
#[derive(Debug)]
pub struct Fallback<T: ?Sized> {
    providers: Vec<Arc<T>>,
    breakers: Breakers,
}

impl<T: ?Sized> Clone for Fallback<T> {
    /// The clone shares the cooldown state.
    fn clone(&self) -> Self {
        Self {
            providers: self.providers.clone(),
            breakers: self.breakers.clone(),
        }
    }
}

impl<T: ?Sized> Fallback<T> {
    /// A chain over `providers`, first = preferred, with its own cooldown state
    /// ([`BreakerConfig::default`]). An empty chain fails every call with `Config`.
    pub fn new(providers: Vec<Arc<T>>) -> Self {
        Self {
            providers,
            breakers: Breakers::default(),
        }
    }

    /// Keep cooldown state in `breakers`: give several chains (the script's, the
    /// narration's...) clones of one registry so a provider found down by one is skipped by
    /// all. [`Breakers::new`]`(`[`BreakerConfig::disabled`]`())` turns cooldowns off.
    #[must_use]
    pub fn with_breakers(mut self, breakers: Breakers) -> Self {
        self.breakers = breakers;
        self
    }

    /// The cooldown state ([`Breakers::open`] lists providers being skipped).
    pub fn breakers(&self) -> &Breakers {
        &self.breakers
    }

    /// The providers, in order.
    pub fn providers(&self) -> &[Arc<T>] {
        &self.providers
    }

    fn chain_info(&self, info: impl Fn(&T) -> ProviderInfo) -> ProviderInfo {
        let infos: Vec<ProviderInfo> = self.providers.iter().map(|p| info(p)).collect();
        let caps = Capabilities::intersection(infos.iter().map(|i| i.capabilities));
        match infos.first() {
            Some(first) => ProviderInfo::new(first.provider.clone(), first.model.clone(), caps),
            None => ProviderInfo::new("fallback", "empty", caps),
        }
    }

    async fn run<'a, Req, R, I, F, Fut>(&'a self, request: &Req, info: I, call: F) -> Result<R>
    where
        Req: LayerRequest,
        R: LayerResponse,
        I: Fn(&T) -> ProviderInfo,
        F: Fn(&'a T) -> Fut,
        Fut: Future<Output = Result<R>>,
    {
        if self.providers.is_empty() {
            return Err(Error::config("fallback chain has no providers"));
        }
        let mut attempts = Vec::with_capacity(self.providers.len());
        let last = self.providers.len() - 1;
        for (i, provider) in self.providers.iter().enumerate() {
            let info = info(provider);
            let label = info.label();
            if let Err(err) = request.check(&info.capabilities) {
                tracing::debug!(provider = %label, error = %err, "skipping provider");
                attempts.push(err.with_kind(ErrorKind::Unsupported).with_provider(label));
                continue;
            }
            let ticket = match self.breakers.admit_in(&label, i == last) {
                Admission::Call(ticket) => ticket,
                Admission::Skip(open) => {
                    tracing::info!(provider = %label, cooldown = %open, "skipping provider");
                    let err = Error::new(
                        open.kind,
                        format!(
                            "not called: {open} (next try in {} s)",
                            open.remaining.as_secs()
                        ),
                    );
                    attempts.push(err.with_provider(label));
                    continue;
                }
            };
            match scope_probe(ticket.is_probe(), call(provider)).await {
                Ok(mut value) => {
                    ticket.settle(None);
                    value.fill_answered_by(&info);
                    return Ok(value);
                }
                Err(err) => {
                    ticket.settle(Some(&err));
                    let stop = !err.should_fallback();
                    let err = if err.provider().is_some() {
                        err
                    } else {
                        err.with_provider(label)
                    };
                    attempts.push(err);
                    if stop {
                        break;
                    }
                }
            }
        }
        let message = format!(
            "every provider failed ({} of {} tried)",
            attempts.len(),
            self.providers.len()
        );
        Err(Error::aggregate(message, attempts))
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for Fallback<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Fallback[")?;
        for (i, p) in self.providers.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{p}")?;
        }
        f.write_str("]")
    }
}

macro_rules! impl_fallback {
    ($trait:ident, $method:ident, $req:ident, $resp:ident $(, $extra:ident : $extra_ty:ty)?) => {
        #[deny(clippy::missing_trait_methods)]
        #[async_trait::async_trait]
        impl crate::$trait for Fallback<dyn crate::$trait> {
            fn info(&self) -> ProviderInfo {
                self.chain_info(|p| p.info())
            }

            async fn $method(
                &self,
                request: &crate::$req
                $(, $extra: $extra_ty)?
            ) -> Result<crate::$resp> {
                self.run(request, |p| p.info(), |p| p.$method(request $(, $extra)?)).await
            }
        }
    };
}

for_each_trait!(impl_fallback);

#[cfg(test)]
mod tests;
