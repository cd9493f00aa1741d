//! A picture or clip to show in a scene, with where it came from.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Still image or moving clip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    /// A still image (PNG, JPEG, WebP).
    #[default]
    Image,
    /// A video clip (H.264 MP4).
    VideoClip,
}

/// Where the pixels are.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum VisualContent {
    /// Encoded bytes in memory.
    Bytes {
        /// MIME type, e.g. `image/png`.
        mime: String,
        /// The encoded file.
        #[serde(with = "super::serde_b64::bytes")]
        data: Vec<u8>,
    },
    /// A file on disk.
    File {
        /// Its path.
        path: PathBuf,
    },
}

impl std::fmt::Debug for VisualContent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Bytes { mime, data } => f
                .debug_struct("Bytes")
                .field("mime", mime)
                .field("len", &data.len())
                .finish(),
            Self::File { path } => f.debug_struct("File").field("path", path).finish(),
        }
    }
}

/// Credit owed to the author of a stock visual.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribution {
    /// Author's name.
    pub author: String,
    /// Link to the author or the original page.
    pub url: Option<String>,
    /// Licence name, e.g. "Pexels License".
    pub license: Option<String>,
}

/// One visual for a scene.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Visual {
    /// Stable id unique within its provider (e.g. "pexels:2014422").
    pub id: String,
    /// Image or clip.
    pub kind: MediaKind,
    /// Pixel width.
    pub width: u32,
    /// Pixel height.
    pub height: u32,
    /// The pixels.
    pub content: VisualContent,
    /// Clip duration in seconds (clips only).
    #[serde(default)]
    pub duration_secs: Option<f64>,
    /// Credit owed, if any.
    #[serde(default)]
    pub attribution: Option<Attribution>,
    /// Provider that produced it.
    #[serde(default)]
    pub provider: String,
    /// The query or prompt it answered.
    #[serde(default)]
    pub query: String,
    /// The image source (provider and model) that answered the request, recorded by the
    /// `Fallback` layer or the visuals stage (see [`Provenance`](crate::Provenance)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<crate::Provenance>,
    /// What the source says the picture shows (Pexels `alt` text and page slug, Pixabay
    /// `tags`, a library file's name and sidecar tags); empty for generated pictures. The
    /// visuals stage ranks candidates by how well this matches the scene.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Relevance of [`description`](Self::description) to the scene it was chosen for
    /// (0–1), recorded by the visuals stage that ranked it; `None` when it was not ranked
    /// (e.g. a picture generated for the scene's query).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevance: Option<f64>,
    /// Words the compositor draws over this picture, one by one in step with the narration
    /// (a procedural picture's key phrase); `None` for pictures that speak for themselves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headline: Option<String>,
}

impl Visual {
    /// An in-memory image.
    pub fn image_bytes(
        id: impl Into<String>,
        width: u32,
        height: u32,
        mime: impl Into<String>,
        data: Vec<u8>,
    ) -> Self {
        Self {
            id: id.into(),
            kind: MediaKind::Image,
            width,
            height,
            content: VisualContent::Bytes {
                mime: mime.into(),
                data,
            },
            duration_secs: None,
            attribution: None,
            provider: String::new(),
            query: String::new(),
            answered_by: None,
            description: String::new(),
            relevance: None,
            headline: None,
        }
    }

    /// An image file on disk.
    pub fn image_file(id: impl Into<String>, width: u32, height: u32, path: PathBuf) -> Self {
        Self {
            content: VisualContent::File { path },
            ..Self::image_bytes(id, width, height, "", Vec::new())
        }
    }

    /// Set the provider and query.
    #[must_use]
    pub fn with_origin(mut self, provider: impl Into<String>, query: impl Into<String>) -> Self {
        self.provider = provider.into();
        self.query = query.into();
        self
    }

    /// Set what the source says the picture shows.
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Set the words the compositor draws over the picture (see [`Self::headline`]).
    ///
    /// ```
    /// use ytempire_core::Visual;
    /// let v = Visual::image_bytes("p", 4, 4, "image/png", vec![]).with_headline("Octopus skin");
    /// assert_eq!(v.headline.as_deref(), Some("Octopus skin"));
    /// ```
    #[must_use]
    pub fn with_headline(mut self, headline: impl Into<String>) -> Self {
        self.headline = Some(headline.into());
        self
    }

    /// Set the attribution.
    #[must_use]
    pub fn with_attribution(mut self, attribution: Attribution) -> Self {
        self.attribution = Some(attribution);
        self
    }
}
