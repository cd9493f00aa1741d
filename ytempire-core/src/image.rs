//! Visual sources: [`ImageSource`] and its request/response types.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::{Error, Provenance, ProviderInfo, Result, Usage, Visual};

/// Preferred orientation of a visual.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Orientation {
    /// Wider than tall.
    Landscape,
    /// Taller than wide.
    Portrait,
    /// Square.
    Square,
}

/// A replayable request for visuals.
///
/// ```
/// use ytempire_core::ImageRequest;
/// let req = ImageRequest::new("octopus coral reef", 1920, 1080).with_count(3);
/// assert_eq!(req.count, 3);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ImageRequest {
    /// Search query or generation prompt.
    pub query: String,
    /// Minimum (or requested) width in pixels.
    pub width: u32,
    /// Minimum (or requested) height in pixels.
    pub height: u32,
    /// Preferred orientation.
    #[serde(default)]
    pub orientation: Option<Orientation>,
    /// How many candidates to return (at least 1).
    #[serde(default = "one")]
    pub count: u32,
    /// Visual ids already used in this video, not to be returned again.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Seed for generators.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Whether video clips are acceptable.
    #[serde(default)]
    pub allow_video: bool,
    /// What the whole video is about (its topic): generators that draw pictures (the
    /// procedural source) derive one palette from it, so a video's scenes belong together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
    /// What is said while the visual shows (a scene's narration): sources that search a
    /// catalogue (stock sites, a library) rank what they find against the query and this
    /// text before downloading, so only the best `count` are fetched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
}

fn one() -> u32 {
    1
}

impl ImageRequest {
    /// Ask for one visual matching `query` of at least `width`×`height`.
    pub fn new(query: impl Into<String>, width: u32, height: u32) -> Self {
        Self {
            query: query.into(),
            width,
            height,
            orientation: None,
            count: 1,
            exclude: Vec::new(),
            seed: None,
            allow_video: false,
            theme: None,
            context: None,
        }
    }

    /// Ask for `count` candidates.
    #[must_use]
    pub fn with_count(mut self, count: u32) -> Self {
        self.count = count;
        self
    }

    /// Prefer an orientation.
    #[must_use]
    pub fn with_orientation(mut self, orientation: Orientation) -> Self {
        self.orientation = Some(orientation);
        self
    }

    /// Set a seed.
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Set what the whole video is about (see [`Self::theme`]).
    ///
    /// ```
    /// use ytempire_core::ImageRequest;
    /// let req = ImageRequest::new("octopus skin", 1920, 1080).with_theme("How octopuses change colour");
    /// assert_eq!(req.theme.as_deref(), Some("How octopuses change colour"));
    /// ```
    #[must_use]
    pub fn with_theme(mut self, theme: impl Into<String>) -> Self {
        self.theme = Some(theme.into());
        self
    }

    /// Set what is said while the visual shows (see [`Self::context`]).
    ///
    /// ```
    /// use ytempire_core::ImageRequest;
    /// let req = ImageRequest::new("octopus skin", 1920, 1080)
    ///     .with_context("Octopuses change colour in a fifth of a second.");
    /// assert!(req.context.is_some());
    /// ```
    #[must_use]
    pub fn with_context(mut self, context: impl Into<String>) -> Self {
        self.context = Some(context.into());
        self
    }

    /// Refuse requests no source could answer.
    pub fn validate(&self) -> Result<()> {
        if self.query.trim().is_empty() {
            return Err(Error::invalid_request(
                "image query is empty; describe what to show",
            ));
        }
        if self.width == 0 || self.height == 0 {
            return Err(Error::invalid_request(format!(
                "image size {}x{} must be at least 1x1",
                self.width, self.height
            )));
        }
        if self.count == 0 {
            return Err(Error::invalid_request("image count must be at least 1"));
        }
        Ok(())
    }
}

/// Visuals found or generated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ImageResponse {
    /// Candidates, best first.
    pub visuals: Vec<Visual>,
    /// What it consumed.
    pub usage: Usage,
    /// The source that answered, when a leaf or the `Fallback` layer recorded it (see
    /// [`Provenance`]); each visual carries its own too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<Provenance>,
}

impl ImageResponse {
    /// A response with visuals and usage.
    pub fn new(visuals: Vec<Visual>, usage: Usage) -> Self {
        Self {
            visuals,
            usage,
            answered_by: None,
        }
    }

    /// Record `info` as who answered, on the response and on every visual, except where
    /// one already names someone.
    pub fn fill_answered_by(&mut self, info: &ProviderInfo) {
        self.answered_by.get_or_insert_with(|| info.into());
        for v in &mut self.visuals {
            v.answered_by.get_or_insert_with(|| info.into());
        }
    }
}

/// A source of visuals: stock search, AI generation, local folders, procedural art.
///
/// # Contract
/// - Returns at least one visual or an error (`NotFound` when nothing matches).
/// - Never returns an id listed in `exclude`.
/// - Returned bytes decode as the declared MIME type; a source that receives an HTML error
///   page or a corrupt file reports `InvalidResponse`.
#[async_trait]
pub trait ImageSource: Send + Sync + std::fmt::Debug + std::fmt::Display + 'static {
    /// Who this is and what it can do.
    fn info(&self) -> ProviderInfo;

    /// Find or make visuals.
    async fn fetch(&self, request: &ImageRequest) -> Result<ImageResponse>;
}

/// Conveniences over [`ImageSource`]. Implemented for every source; do not implement it.
#[async_trait]
pub trait ImageSourceExt: ImageSource {
    /// The best single visual for a query.
    async fn fetch_one(&self, query: &str, width: u32, height: u32) -> Result<Visual> {
        let resp = self.fetch(&ImageRequest::new(query, width, height)).await?;
        resp.visuals.into_iter().next().ok_or_else(|| {
            Error::new(
                crate::ErrorKind::NotFound,
                format!("no visual for {query:?}"),
            )
        })
    }
}

impl<T: ImageSource + ?Sized> ImageSourceExt for T {}
