//! Fluent builders: `provider.metered(..).with_timeout(..).with_retry(..).into_dyn()`.

use std::sync::Arc;
use std::time::Duration;

use super::{
    Cache, CacheStore, Chaos, ChaosConfig, ConcurrencyLimit, Metered, RateLimit, Retry,
    RetryConfig, Timeout,
};
use crate::metering::{Labels, UsageSink};
use crate::{ImageSource, LanguageModel, SpeechSynthesizer, TrendSource, Uploader};

macro_rules! layers_ext {
    ($name:ident, $trait:ident, $doc:literal $(, $cache:ident)?) => {
        #[doc = concat!("Fluent decorator builders for every [`", stringify!($trait), "`]. ")]
        #[doc = $doc]
        /// Implemented for every provider; do not implement it.
        pub trait $name: $trait + Sized {
            /// Retry with backoff ([`Retry`]).
            fn with_retry(self, config: RetryConfig) -> Retry<Self> {
                Retry::new(self, config)
            }

            /// Report every attempt to `sink` ([`Metered`]).
            fn metered(self, sink: Arc<dyn UsageSink>, labels: Labels) -> Metered<Self> {
                Metered::new(self, sink, labels)
            }

            /// Fail calls that take longer than `limit` ([`Timeout`]).
            fn with_timeout(self, limit: Duration) -> Timeout<Self> {
                Timeout::new(self, limit)
            }

            /// At most `max` calls in flight ([`ConcurrencyLimit`]).
            fn with_concurrency_limit(self, max: usize) -> ConcurrencyLimit<Self> {
                ConcurrencyLimit::new(self, max)
            }

            /// At most `calls` calls per `per` ([`RateLimit`]).
            fn with_rate_limit(self, calls: u32, per: Duration) -> RateLimit<Self> {
                RateLimit::new(self, calls, per)
            }

            /// Inject faults (tests) ([`Chaos`]).
            fn with_chaos(self, config: ChaosConfig) -> Chaos<Self> {
                Chaos::new(self, config)
            }

            $(
                /// Answer repeated requests from `store` ([`Cache`]).
                fn $cache(self, store: Arc<dyn CacheStore>) -> Cache<Self> {
                    Cache::new(self, store)
                }
            )?

            /// Erase the type: `Arc<dyn Trait>`.
            fn into_dyn(self) -> Arc<dyn $trait> {
                Arc::new(self)
            }
        }

        impl<T: $trait> $name for T {}
    };
}

layers_ext!(LanguageModelLayers, LanguageModel, "", with_cache);
layers_ext!(SpeechSynthesizerLayers, SpeechSynthesizer, "", with_cache);
layers_ext!(ImageSourceLayers, ImageSource, "", with_cache);
layers_ext!(TrendSourceLayers, TrendSource, "", with_cache);
layers_ext!(
    UploaderLayers,
    Uploader,
    "Uploads are never cached, so there is no `with_cache` here."
);
