//! Decorators that wrap a provider and implement the same trait: retry, fallback, cache,
//! metering, timeout, concurrency and rate limits, and chaos for tests.
//!
//! Every decorator is written once, generically, and implemented for all five provider traits
//! by a small macro ([`LanguageModel`](crate::LanguageModel),
//! [`SpeechSynthesizer`](crate::SpeechSynthesizer), [`ImageSource`](crate::ImageSource),
//! [`Uploader`](crate::Uploader), [`TrendSource`](crate::TrendSource)). Their `Display` shows
//! the chain, e.g. `Cached(Fallback[Retry(3, Metered(fake/m1)), Retry(3, Metered(fake/m2))])`.
//!
//! Build stacks with the fluent extension traits ([`LanguageModelLayers`] and friends):
//!
//! ```no_run
//! use std::sync::Arc;
//! use std::time::Duration;
//! use ytempire_core::layers::{LanguageModelLayers, MemoryCacheStore, RetryConfig};
//! use ytempire_core::metering::{Labels, MemorySink};
//! use ytempire_core::DynLanguageModel;
//!
//! fn stack(provider: DynLanguageModel) -> DynLanguageModel {
//!     provider
//!         .metered(Arc::new(MemorySink::new()), Labels::default())
//!         .with_timeout(Duration::from_secs(30))
//!         .with_retry(RetryConfig::default())
//!         .with_cache(Arc::new(MemoryCacheStore::new()))
//!         .into_dyn()
//! }
//! ```
//!
//! See the crate docs ("Composition") for the recommended order.

mod cache;
mod chaos;
mod ext;
mod fallback;
mod limit;
mod metered;
mod retry;
mod timeout;

pub use cache::{Cache, CacheStore, FsCacheStore, MemoryCacheStore, cache_key};
pub use chaos::{Chaos, ChaosConfig, Fault};
pub use ext::{
    ImageSourceLayers, LanguageModelLayers, SpeechSynthesizerLayers, TrendSourceLayers,
    UploaderLayers,
};
pub use fallback::{BreakerConfig, Breakers, Fallback, OpenBreaker};
pub use limit::{ConcurrencyLimit, RateLimit};
pub use metered::Metered;
pub use retry::{Backoff, JitterSource, Retry, RetryConfig, SeededJitter, current_attempt};
pub use timeout::Timeout;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::metering::CapabilityKind;
use crate::{
    Capabilities, ChatRequest, ChatResponse, Error, ErrorKind, ImageRequest, ImageResponse,
    ProviderInfo, ResponseFormat, Result, Speech, SpeechRequest, TextFormat, TrendRequest,
    TrendResponse, UploadReceipt, UploadRequest, Usage,
};

/// What the generic decorator code needs to know about one trait's request type.
pub(crate) trait LayerRequest: Serialize + Send + Sync {
    /// The trait's name, part of cache keys.
    const TRAIT: &'static str;
    /// Which capability a metering record names.
    const CAPABILITY: CapabilityKind;

    /// Whether a retry layer may try this operation again after `err`.
    fn may_retry(err: &Error) -> bool {
        err.is_retryable()
    }

    /// Refuse up front what a provider with `caps` cannot serve (used by `Fallback`).
    fn check(&self, _caps: &Capabilities) -> Result<()> {
        Ok(())
    }
}

/// What the generic decorator code needs to know about one trait's response type.
pub(crate) trait LayerResponse: Serialize + DeserializeOwned + Send {
    /// The usage it reports.
    fn usage(&self) -> &Usage;
    /// The usage, mutably (the cache marks hits).
    fn usage_mut(&mut self) -> &mut Usage;
    /// Record `info` as the provider that answered unless the response already names one
    /// (`Fallback` calls it; responses without provenance ignore it).
    fn fill_answered_by(&mut self, _info: &ProviderInfo) {}
}

fn too_long(unit_text: &str, caps: &Capabilities) -> Result<()> {
    if caps.fits(unit_text) {
        return Ok(());
    }
    Err(Error::unsupported(format!(
        "input of {} {:?} exceeds this provider's limit of {}",
        caps.input_unit.measure(unit_text),
        caps.input_unit,
        caps.max_input.unwrap_or_default()
    )))
}

impl LayerRequest for ChatRequest {
    const TRAIT: &'static str = "LanguageModel";
    const CAPABILITY: CapabilityKind = CapabilityKind::Llm;

    fn check(&self, caps: &Capabilities) -> Result<()> {
        match self.response_format {
            ResponseFormat::JsonObject if !caps.json_mode => {
                return Err(Error::unsupported("JSON mode is not supported"));
            }
            ResponseFormat::JsonSchema { .. } if !(caps.json_schema || caps.json_mode) => {
                return Err(Error::unsupported("JSON schema output is not supported"));
            }
            _ => {}
        }
        too_long(&self.prompt_text(), caps)
    }
}

impl LayerRequest for SpeechRequest {
    const TRAIT: &'static str = "SpeechSynthesizer";
    const CAPABILITY: CapabilityKind = CapabilityKind::Tts;

    fn check(&self, caps: &Capabilities) -> Result<()> {
        if self.format == TextFormat::Ssml && !caps.ssml {
            return Err(Error::unsupported("SSML input is not supported"));
        }
        too_long(&self.text, caps)
    }
}

impl LayerRequest for ImageRequest {
    const TRAIT: &'static str = "ImageSource";
    const CAPABILITY: CapabilityKind = CapabilityKind::Image;
}

impl LayerRequest for TrendRequest {
    const TRAIT: &'static str = "TrendSource";
    const CAPABILITY: CapabilityKind = CapabilityKind::Trend;
}

/// Uploads are not idempotent: a retry layer retries an upload only after errors where the
/// uploader could not have created a video (it resumes its own session on transport errors
/// and reports `Transport`/`Upstream` only when it could not), i.e. `RateLimited`, `Upstream`
/// and `Transport`; never after `Timeout` or `InvalidResponse`, where a video may exist.
impl LayerRequest for UploadRequest {
    const TRAIT: &'static str = "Uploader";
    const CAPABILITY: CapabilityKind = CapabilityKind::Upload;

    fn may_retry(err: &Error) -> bool {
        matches!(
            err.kind(),
            ErrorKind::RateLimited | ErrorKind::Upstream | ErrorKind::Transport
        )
    }
}

macro_rules! response_usage {
    ($($ty:ty),* $(; answered: $($answered:ty),*)?) => {
        $(
            impl LayerResponse for $ty {
                fn usage(&self) -> &Usage {
                    &self.usage
                }
                fn usage_mut(&mut self) -> &mut Usage {
                    &mut self.usage
                }
            }
        )*
        $($(
            impl LayerResponse for $answered {
                fn usage(&self) -> &Usage {
                    &self.usage
                }
                fn usage_mut(&mut self) -> &mut Usage {
                    &mut self.usage
                }
                fn fill_answered_by(&mut self, info: &ProviderInfo) {
                    <$answered>::fill_answered_by(self, info);
                }
            }
        )*)?
    };
}

response_usage!(TrendResponse, UploadReceipt; answered: ChatResponse, Speech, ImageResponse);

/// Calls `$m!(args.., Trait, method, Request, Response[, extra: Type])` once per provider
/// trait (`LanguageModel`, `SpeechSynthesizer`, `ImageSource`, `TrendSource`, `Uploader`);
/// `args` are single token trees passed through. The names are idents at this crate's root,
/// so a decorator in another crate (such as `ytempire-cost`'s `Budgeted`) writes
/// `ytempire_core::$trait` and covers all five traits with one macro of its own:
///
/// ```
/// #[derive(Debug)]
/// struct Logged<P> {
///     inner: P,
/// }
///
/// impl<P: std::fmt::Display> std::fmt::Display for Logged<P> {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         write!(f, "Logged({})", self.inner)
///     }
/// }
///
/// macro_rules! logged {
///     ($trait:ident, $method:ident, $req:ident, $resp:ident $(, $extra:ident : $extra_ty:ty)?) => {
///         #[async_trait::async_trait]
///         impl<P: ytempire_core::$trait> ytempire_core::$trait for Logged<P> {
///             fn info(&self) -> ytempire_core::ProviderInfo {
///                 self.inner.info()
///             }
///
///             async fn $method(
///                 &self,
///                 request: &ytempire_core::$req
///                 $(, $extra: $extra_ty)?
///             ) -> ytempire_core::Result<ytempire_core::$resp> {
///                 println!("{} through {}", stringify!($method), self.inner.info().label());
///                 self.inner.$method(request $(, $extra)?).await
///             }
///         }
///     };
/// }
///
/// ytempire_core::for_each_provider_trait!(logged);
/// ```
#[macro_export]
macro_rules! for_each_provider_trait {
    ($m:ident $(, $args:tt)*) => {
        $m!($($args,)* LanguageModel, complete, ChatRequest, ChatResponse);
        $m!($($args,)* SpeechSynthesizer, synthesize, SpeechRequest, Speech);
        $m!($($args,)* ImageSource, fetch, ImageRequest, ImageResponse);
        $m!($($args,)* TrendSource, trends, TrendRequest, TrendResponse);
        $m!(
            $($args,)*
            Uploader,
            upload,
            UploadRequest,
            UploadReceipt,
            progress: &dyn $crate::ProgressSink
        );
    };
}
pub(crate) use crate::for_each_provider_trait as for_each_trait;

/// Implements one trait for a generic decorator `$ty<P>` whose `info()` forwards to
/// `self.inner`; the main method runs `body` with `this` (the decorator), `request`, `call`
/// (a closure returning the inner call's future) and `info` (a closure returning the inner
/// provider's info) in scope. Use through [`impl_decorator`].
macro_rules! impl_decorator_one {
    ($ty:ident, { |$this:ident, $request:ident, $call:ident, $info:ident| $body:expr },
     $trait:ident, $method:ident, $req:ident, $resp:ident $(, $extra:ident : $extra_ty:ty)?) => {
        #[deny(clippy::missing_trait_methods)]
        #[::async_trait::async_trait]
        impl<P: $crate::$trait> $crate::$trait for $ty<P> {
            fn info(&self) -> $crate::ProviderInfo {
                <P as $crate::$trait>::info(&self.inner)
            }

            async fn $method(
                &self,
                request: &$crate::$req
                $(, $extra: $extra_ty)?
            ) -> $crate::Result<$crate::$resp> {
                let $this = self;
                let $request = request;
                let $call = || <P as $crate::$trait>::$method(&self.inner, request $(, $extra)?);
                let $info = || <P as $crate::$trait>::info(&self.inner);
                $body
            }
        }
    };
}
pub(crate) use impl_decorator_one;

/// Implements all five provider traits for a generic decorator:
/// `impl_decorator!(Retry, { |this, request, call, _info| this.run(request, call).await });`
macro_rules! impl_decorator {
    ($ty:ident, $body:tt) => {
        $crate::layers::for_each_trait!(impl_decorator_one, $ty, $body);
    };
}
pub(crate) use impl_decorator;

/// Runs every conformance suite over `$wrap` applied to each fake (`$p` names the fake).
/// `no_upload` leaves out the uploader (for `Cache`).
#[cfg(test)]
macro_rules! conformance_over_fakes {
    (|$p:ident| $wrap:expr) => {
        $crate::layers::conformance_over_fakes!(no_upload | $p | $wrap);
        {
            let $p = $crate::testing::FakeUploader::new();
            let r = $crate::conformance::upload::run_all(&$wrap, &[]).await;
            assert!(r.is_ok(), "{r}");
        }
    };
    (no_upload |$p:ident| $wrap:expr) => {{
        let $p = $crate::testing::FakeLlm::new();
        let r = $crate::conformance::llm::run_all(&$wrap, &[]).await;
        assert!(r.is_ok(), "{r}");
        let $p = $crate::testing::FakeTts::new();
        let r = $crate::conformance::tts::run_all(&$wrap, &[]).await;
        assert!(r.is_ok(), "{r}");
        let $p = $crate::testing::FakeImage::new();
        let r = $crate::conformance::image::run_all(&$wrap, &[]).await;
        assert!(r.is_ok(), "{r}");
        let $p = $crate::testing::FakeTrend::new();
        let r = $crate::conformance::trend::run_all(&$wrap, &[]).await;
        assert!(r.is_ok(), "{r}");
    }};
}
#[cfg(test)]
pub(crate) use conformance_over_fakes;
