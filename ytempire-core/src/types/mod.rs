//! Domain types shared by every crate: what a video is made of, independent of any vendor.
//!
//! All types are plain serde data so they can be cached, persisted in a job manifest and
//! replayed. Wire types of vendors never appear here.

mod audio;
mod channel;
mod credits;
mod metadata;
mod script;
mod serde_b64;
mod usage;
mod video;
mod visual;

pub use audio::{AudioTrack, WordTiming};
pub use channel::{ChannelProfile, Topic, VisualPreference, VoiceGender, VoicePreference};
pub use credits::{cite_source, credit_lines, with_credits};
pub use metadata::{
    DESCRIPTION_MAX_BYTES, MetadataError, MetadataViolation, Privacy, TAGS_MAX_CHARS,
    TITLE_MAX_CHARS, VideoMetadata, youtube_tags_length,
};
pub use script::{Scene, Script};
pub use usage::Usage;
pub use video::{
    Aspect, Motion, Segment, Thumbnail, ThumbnailFormat, Timeline, Transition, UploadReceipt,
    VideoSpec,
};
pub use visual::{Attribution, MediaKind, Visual, VisualContent};
