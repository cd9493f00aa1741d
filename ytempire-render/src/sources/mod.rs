//! Visual sources: where each scene's picture comes from.
//!
//! Every source implements core's [`ytempire_core::ImageSource`]:
//!
//! | source | cost | feature |
//! |---|---|---|
//! | [`Procedural`]: deterministic backgrounds from the query text | free, offline | always |
//! | [`LocalFolder`]: images in a directory matched by name and sidecar tags | free, offline | always |
//!
//! [`VisualSelector`] runs a chain of them per scene (stock → AI → procedural): it builds
//! the query from the scene's visual cue and the channel style, rejects visuals below a
//! minimum resolution, crops to the frame's aspect (e.g. 9:16), and refuses near-duplicates
//! within one video by perceptual hash. Bad bytes (zero-byte files, HTML error pages served
//! as images, truncated or corrupt downloads) are typed
//! [`ytempire_core::ErrorKind::InvalidResponse`] by [`inspect::decode_image`], and the chain
//! moves on to the next source.
//!
//! Vendor sources (Pexels, Stability, OpenAI images) are not implemented yet; any
//! [`ytempire_core::ImageSource`] can join the selector's chain.

pub mod inspect;
mod local;
mod procedural;
mod selector;

pub use local::LocalFolder;
pub use procedural::{MAX_SIDE, Procedural, query_seed};
pub use selector::{Selected, SelectorConfig, VisualSelector, crop_to_fill};
