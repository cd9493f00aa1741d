//! Loopback fakes of Pexels, Pixabay, Stability and OpenAI images (feature `testing`).
//!
//! Each fake is a [`FakeVendor`](ytempire_core::testing::server::FakeVendor) on core's
//! [`FakeServer`] and speaks its vendor's wire format: it checks the auth the vendor expects
//! (the bare key for Pexels, the `key` parameter for Pixabay, `Bearer` for the others), the
//! required parameters and fields with their ranges and enums, answers with the vendor's JSON
//! shapes and error bodies, and serves real pictures generated with `image` (and, for Pexels
//! and Pixabay videos, real H.264 MP4 clips). The server core records every request
//! ([`Recorded`]), lists protocol mistakes (`violations()`) and injects scripted [`Fault`]s:
//! rate limits with and without `Retry-After`, 5xx, dropped connections, slow answers,
//! truncated bodies, malformed JSON, HTML error pages, zero-byte and corrupt images.
//!
//! Every fake dereferences to its [`FakeServer`] (the stock fakes through their shared
//! [`StockFake`] controls), so `push_fault`, `fail_always`, `require_key`, `requests`,
//! `violations` and `origin` are core's.
//!
//! ```no_run
//! # async fn demo() -> ytempire_core::Result<()> {
//! use ytempire_render::sources::testing::{FakePexels, Fault};
//! let fake = FakePexels::start().await?;
//! fake.push_fault(Fault::RateLimited { retry_after_secs: None });
//! # #[cfg(feature = "pexels")] {
//! use ytempire_render::sources::{Pexels, PexelsConfig};
//! let pexels = Pexels::new(PexelsConfig::new("test-key".to_owned().into()).with_base_url(fake.base_url()))?;
//! # }
//! # Ok(()) }
//! ```

mod images;
mod openai_images;
mod pexels;
mod pixabay;
mod stability;
mod stock;

pub use images::{clip_mp4, encode_jpeg, picture};
pub use openai_images::FakeOpenAiImages;
pub use pexels::FakePexels;
pub use pixabay::FakePixabay;
pub use stability::FakeStability;
pub use stock::StockFake;
pub use ytempire_core::testing::server::{FakeServer, Fault, Recorded};

/// Each fake dereferences to what it runs on: the stock fakes to their shared [`StockFake`]
/// controls, the generating ones to the core server.
macro_rules! deref_to {
    ($target:ty: $($fake:ty),+) => {$(
        impl std::ops::Deref for $fake {
            type Target = $target;

            fn deref(&self) -> &$target {
                &self.server
            }
        }
    )+};
}
deref_to!(StockFake: FakePexels, FakePixabay);
deref_to!(FakeServer: FakeStability, FakeOpenAiImages);
