//! Visual sources: where each scene's picture comes from.
//!
//! Every source implements core's [`ytempire_core::ImageSource`]:
//!
//! | source | what | cost | feature | environment |
//! |---|---|---|---|---|
//! | [`Procedural`] | deterministic backgrounds from the query text | free, offline | always | — |
//! | [`LocalFolder`] | the user's media library: images and H.264 clips in a folder tree, matched by file and folder names and sidecar tags, indexed once and cached on disk | free, offline | always | — |
//! | `Pexels` | stock photos, and clips when the request allows video (or `Pexels::fetch_clips` for clips only), ranked by their text against the request before any download, attribution kept, 24 h search cache, rate-limit headers tracked | free (200 requests/hour) | `pexels` | `PEXELS_API_KEY` |
//! | `Pixabay` | stock photos, and clips when the request allows video (or `Pixabay::fetch_clips`), ranked by their tags against the request before any download, tags as the description, attribution kept, 24 h search cache, rate-limit headers tracked | free (100 requests/minute) | `pixabay` | `PIXABAY_API_KEY`, `PIXABAY_BASE_URL` |
//! | `Stability` | Stable Image Ultra / Core / SD3.5 generation | $0.03–$0.08 per image | `stability` | `STABILITY_API_KEY` |
//! | `OpenAiImages` | OpenAI `images/generations` (`gpt-image-1`, `dall-e-3`, …) or a compatible server | per image / per token | `openai-images` | `OPENAI_API_KEY`, `OPENAI_BASE_URL` |
//!
//! The vendor modules (`pexels`, `pixabay`, `stability`, `openai_images`; their types are
//! also re-exported here) document each vendor's wire format and error mapping. The vendor
//! features are off by default (they pull reqwest and rustls); `vendors` turns
//! all four on. Each vendor client makes exactly one attempt per HTTP request (retries
//! belong to core's `Retry` layer, which honours the `retry_after` the clients set), keeps
//! its key in a `SecretString` and out of `Debug`, `Display` and errors, and checks every
//! downloaded or generated picture with [`inspect::decode_image`]. Under the `testing`
//! feature, `testing` has loopback fakes of all four vendors with fault injection.
//!
//! [`RankedVisuals`] is the pipeline's visuals stage: per scene it asks the sources in order
//! with queries from the visual cue and the narration's key words, ranks the candidates by
//! the [`relevance`] of their text (Pexels `alt` and slug, Pixabay `tags`, library names and
//! tags) to what the scene says (the stock sources rank their search results the same way
//! before downloading, so only the best few are fetched), never reuses a picture within a video or across the
//! channel's recent videos ([`VisualHistory`]), and records each choice's score.
//!
//! [`VisualSelector`] runs a chain of them per scene (stock → AI → procedural): it builds
//! the query from the scene's visual cue and the channel style, rejects visuals below a
//! minimum resolution, crops to the frame's aspect (e.g. 9:16), and refuses near-duplicates
//! within one video by perceptual hash. Video clips (e.g. from `Pexels::fetch_clips`) are
//! probed (corrupt or non-H.264 files are typed errors and the chain moves on), held to the
//! same minimum size and deduped by their first frame; the compositors scale them to fill.
//! Bad bytes (zero-byte files, HTML error pages served as images, truncated or corrupt
//! downloads) are typed
//! [`ytempire_core::ErrorKind::InvalidResponse`] by [`inspect::decode_image`], and the chain
//! moves on to the next source.
//!
//! ```no_run
//! # async fn demo() -> ytempire_core::Result<()> {
//! use std::sync::Arc;
//! use ytempire_core::DynImageSource;
//! use ytempire_render::sources::{Procedural, SelectorConfig, VisualSelector};
//! let mut chain: Vec<DynImageSource> = Vec::new();
//! # #[cfg(all(feature = "pexels", feature = "stability"))] {
//! use ytempire_render::sources::{Pexels, PexelsConfig, Stability, StabilityConfig, StabilityModel};
//! chain.push(Arc::new(Pexels::new(PexelsConfig::from_env()?)?));
//! chain.push(Arc::new(Stability::new(StabilityConfig::from_env(StabilityModel::Core)?)?));
//! # }
//! chain.push(Arc::new(Procedural::new()));
//! let mut selector = VisualSelector::new(chain, SelectorConfig::vertical());
//! let picked = selector.select_query("octopus camouflage").await?;
//! println!("{} from {}", picked.visual.id, picked.source);
//! # Ok(()) }
//! ```

pub mod clock;
#[cfg(any(feature = "stability", feature = "openai-images"))]
mod generated;
mod history;
pub mod inspect;
mod local;
#[cfg(feature = "openai-images")]
pub mod openai_images;
#[cfg(feature = "pexels")]
pub mod pexels;
#[cfg(feature = "pixabay")]
pub mod pixabay;
mod procedural;
mod ranked;
pub mod relevance;
mod selector;
#[cfg(feature = "stability")]
pub mod stability;
#[cfg(any(feature = "pexels", feature = "pixabay"))]
mod stock;
#[cfg(feature = "testing")]
pub mod testing;

pub use clock::{Clock, ManualClock, SystemClock};
pub use history::{DEFAULT_HISTORY_VIDEOS, HISTORY_LOCK_WAIT, VisualHistory};
pub use local::{
    IndexStats, LIBRARY_EXTENSIONS, LibraryIndex, LibraryItem, LibraryMedia, LocalFolder,
};
#[cfg(feature = "openai-images")]
pub use openai_images::{OPENAI_BASE_URL, OpenAiImages, OpenAiImagesConfig};
#[cfg(feature = "pexels")]
pub use pexels::{
    DEFAULT_PER_PAGE, MAX_PER_PAGE, PEXELS_BASE_URL, PEXELS_CACHE_TTL, Pexels, PexelsConfig,
    PexelsPhoto, PexelsSize, PexelsUser, PexelsVideo, PhotoPage, PhotoSearch, PhotoSources,
    VideoFile, VideoPage, VideoSearch,
};
#[cfg(feature = "pixabay")]
pub use pixabay::{
    PIXABAY_BASE_URL, PIXABAY_CACHE_TTL, PIXABAY_DEFAULT_PER_PAGE, PIXABAY_MAX_PER_PAGE,
    PIXABAY_MAX_QUERY, PIXABAY_MIN_PER_PAGE, Pixabay, PixabayConfig, PixabayImage,
    PixabayImagePage, PixabayImageType, PixabaySearch, PixabayVideo, PixabayVideoFile,
    PixabayVideoFiles, PixabayVideoPage,
};
pub use procedural::{MAX_SIDE, Procedural, query_seed};
pub use ranked::{DEFAULT_CANDIDATES, DEFAULT_MIN_RELEVANCE, RankedVisuals};
pub use relevance::{Relevance, SceneTerms, key_words};
pub use selector::{Selected, SelectorConfig, VisualSelector, crop_to_fill};
#[cfg(feature = "stability")]
pub use stability::{
    AspectRatio, Generated, STABILITY_BASE_URL, STABILITY_MAX_PROMPT, STABILITY_MAX_SEED,
    Stability, StabilityConfig, StabilityFormat, StabilityModel,
};
#[cfg(any(feature = "pexels", feature = "pixabay"))]
pub use stock::RateLimit;
