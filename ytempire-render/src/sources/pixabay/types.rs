//! Pixabay search parameters and the typed results (images, videos, pages), as the API
//! documents them (`https://pixabay.com/api/docs/`).

use serde::{Deserialize, Serialize};
use ytempire_core::{Error, Orientation, Result};

use crate::sources::stock::stock_search_builders;

/// Fewest results Pixabay returns per page.
pub const PIXABAY_MIN_PER_PAGE: u32 = 3;

/// Most results Pixabay returns per page.
pub const PIXABAY_MAX_PER_PAGE: u32 = 200;

/// Pixabay's default page size.
pub const PIXABAY_DEFAULT_PER_PAGE: u32 = 20;

/// Longest search term Pixabay accepts, in characters.
pub const PIXABAY_MAX_QUERY: usize = 100;

/// Which kind of image to search for (`image_type=`; image searches only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PixabayImageType {
    /// Every kind.
    All,
    /// Photographs (the default here: scenes want real footage).
    #[default]
    Photo,
    /// Drawn illustrations.
    Illustration,
    /// Vector graphics.
    Vector,
}

impl PixabayImageType {
    /// The query value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Photo => "photo",
            Self::Illustration => "illustration",
            Self::Vector => "vector",
        }
    }
}

/// The `orientation=` value for `o` (`None` for square: Pixabay has no square filter).
pub(crate) const fn orientation_param(o: Orientation) -> Option<&'static str> {
    match o {
        Orientation::Landscape => Some("horizontal"),
        Orientation::Portrait => Some("vertical"),
        Orientation::Square => None,
    }
}

/// `query` cut to at most [`PIXABAY_MAX_QUERY`] characters at a word boundary (a scene's
/// visual cue plus the channel style can run longer).
pub(crate) fn shorten_query(query: &str) -> String {
    let query = query.trim();
    if query.chars().count() <= PIXABAY_MAX_QUERY {
        return query.to_owned();
    }
    let mut out = String::new();
    for word in query.split_whitespace() {
        let extra = usize::from(!out.is_empty()) + word.chars().count();
        if out.chars().count() + extra > PIXABAY_MAX_QUERY {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        // One word longer than the limit: cut it.
        out = query.chars().take(PIXABAY_MAX_QUERY).collect();
    }
    out
}

/// An image search (`GET /api/`) or video search (`GET /api/videos/`).
///
/// ```
/// use ytempire_core::Orientation;
/// use ytempire_render::sources::PixabaySearch;
/// let s = PixabaySearch::new("octopus").with_orientation(Orientation::Portrait).with_per_page(30);
/// assert!(s.validate().is_ok());
/// assert!(PixabaySearch::new("octopus").with_per_page(2).validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct PixabaySearch {
    /// What to search for (`q=`, at most 100 characters).
    pub query: String,
    /// `image_type=` (image searches only).
    pub image_type: PixabayImageType,
    /// `orientation=` `horizontal` or `vertical` (image searches only; `Square` and `None`
    /// send nothing, which Pixabay reads as `all`).
    pub orientation: Option<Orientation>,
    /// `min_width=` in pixels.
    pub min_width: Option<u32>,
    /// `min_height=` in pixels.
    pub min_height: Option<u32>,
    /// `safesearch=` (default `true`: only pictures suitable for all ages).
    pub safesearch: bool,
    /// `lang=` of the search term, e.g. `en` (Pixabay's default).
    pub lang: Option<String>,
    /// Page, from 1.
    pub page: u32,
    /// Results per page, 3..=200.
    pub per_page: u32,
}

stock_search_builders!(PixabaySearch, "3..=200", min_size);

impl PixabaySearch {
    /// Page 1 of `query`: photos, safe search on, the default page size.
    pub fn new(query: impl Into<String>) -> Self {
        Self {
            query: query.into(),
            image_type: PixabayImageType::default(),
            orientation: None,
            min_width: None,
            min_height: None,
            safesearch: true,
            lang: None,
            page: 1,
            per_page: PIXABAY_DEFAULT_PER_PAGE,
        }
    }

    /// Set the image type.
    #[must_use]
    pub fn with_image_type(mut self, image_type: PixabayImageType) -> Self {
        self.image_type = image_type;
        self
    }

    /// Turn safe search on or off.
    #[must_use]
    pub fn with_safesearch(mut self, on: bool) -> Self {
        self.safesearch = on;
        self
    }

    /// Set the language of the search term.
    #[must_use]
    pub fn with_lang(mut self, lang: impl Into<String>) -> Self {
        self.lang = Some(lang.into());
        self
    }

    /// Refuse what Pixabay would refuse.
    ///
    /// # Errors
    /// `InvalidRequest` for an empty query or one over 100 characters, page 0, or
    /// `per_page` outside 3..=200.
    pub fn validate(&self) -> Result<()> {
        let q = self.query.trim();
        if q.is_empty() {
            return Err(Error::invalid_request(
                "Pixabay search query is empty; describe what to show",
            ));
        }
        let chars = q.chars().count();
        if chars > PIXABAY_MAX_QUERY {
            return Err(Error::invalid_request(format!(
                "Pixabay search query is {chars} characters; it takes at most {PIXABAY_MAX_QUERY}"
            )));
        }
        if self.page == 0 {
            return Err(Error::invalid_request("Pixabay `page` starts at 1"));
        }
        if !(PIXABAY_MIN_PER_PAGE..=PIXABAY_MAX_PER_PAGE).contains(&self.per_page) {
            return Err(Error::invalid_request(format!(
                "Pixabay `per_page` must be {PIXABAY_MIN_PER_PAGE}..={PIXABAY_MAX_PER_PAGE}, got {}",
                self.per_page
            )));
        }
        Ok(())
    }

    /// The query string pairs without the key, in a fixed order (also the cache key).
    pub(crate) fn params(&self, images: bool) -> Vec<(&'static str, String)> {
        let mut p = vec![("q", self.query.trim().to_owned())];
        if images {
            p.push(("image_type", self.image_type.as_str().to_owned()));
            if let Some(o) = self.orientation.and_then(orientation_param) {
                p.push(("orientation", o.to_owned()));
            }
        }
        if let Some(w) = self.min_width {
            p.push(("min_width", w.to_string()));
        }
        if let Some(h) = self.min_height {
            p.push(("min_height", h.to_string()));
        }
        p.push(("safesearch", self.safesearch.to_string()));
        if let Some(l) = &self.lang {
            p.push(("lang", l.clone()));
        }
        p.push(("page", self.page.to_string()));
        p.push(("per_page", self.per_page.to_string()));
        p
    }
}

/// A Pixabay profile page, `https://pixabay.com/users/{user}-{user_id}/`.
fn profile_url(user: &str, user_id: Option<u64>) -> Option<String> {
    user_id.map(|id| format!("https://pixabay.com/users/{}-{id}/", user.trim()))
}

/// One image of a search result (the fields the free API returns).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PixabayImage {
    /// Pixabay image id.
    pub id: u64,
    /// The image's page on pixabay.com (link it when crediting).
    #[serde(rename = "pageURL")]
    pub page_url: String,
    /// `photo`, `illustration` or `vector/svg`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Comma-separated tags, e.g. `octopus, sea, ocean`: what the picture shows.
    #[serde(default)]
    pub tags: String,
    /// A 150 px preview.
    #[serde(rename = "previewURL", default)]
    pub preview_url: Option<String>,
    /// At most 640 px on the long side (valid for 24 hours).
    #[serde(rename = "webformatURL")]
    pub webformat_url: String,
    /// Width of the `webformatURL` picture.
    #[serde(rename = "webformatWidth", default)]
    pub webformat_width: u32,
    /// Height of the `webformatURL` picture.
    #[serde(rename = "webformatHeight", default)]
    pub webformat_height: u32,
    /// At most 1280 px on the long side.
    #[serde(rename = "largeImageURL", default)]
    pub large_image_url: Option<String>,
    /// Width of the original.
    #[serde(rename = "imageWidth")]
    pub image_width: u32,
    /// Height of the original.
    #[serde(rename = "imageHeight")]
    pub image_height: u32,
    /// The uploader's name.
    pub user: String,
    /// The uploader's id.
    #[serde(default)]
    pub user_id: Option<u64>,
}

impl PixabayImage {
    /// The uploader's profile page, `https://pixabay.com/users/{user}-{user_id}/`.
    pub fn user_url(&self) -> Option<String> {
        profile_url(&self.user, self.user_id)
    }

    /// The size `largeImageURL` yields: the original scaled to at most 1280 px on its long
    /// side, never up.
    pub fn large_size(&self) -> (u32, u32) {
        let (w, h) = (self.image_width.max(1), self.image_height.max(1));
        let long = w.max(h);
        if long <= 1280 {
            return (w, h);
        }
        let scale = |x: u32| {
            u32::try_from((u64::from(x) * 1280 + u64::from(long) / 2) / u64::from(long))
                .unwrap_or(1280)
                .max(1)
        };
        (scale(w), scale(h))
    }
}

/// A page of image results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PixabayImagePage {
    /// Matches in total.
    #[serde(default)]
    pub total: u64,
    /// Matches the API will page through (at most 500 by default).
    #[serde(rename = "totalHits", default)]
    pub total_hits: u64,
    /// The images, most relevant first.
    #[serde(default)]
    pub hits: Vec<PixabayImage>,
}

/// One rendition of a video (`videos.large`, `.medium`, `.small`, `.tiny`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub struct PixabayVideoFile {
    /// Download link (empty when this rendition does not exist, e.g. no 4K).
    #[serde(default)]
    pub url: String,
    /// Width (0 when absent).
    #[serde(default)]
    pub width: u32,
    /// Height (0 when absent).
    #[serde(default)]
    pub height: u32,
    /// Bytes.
    #[serde(default)]
    pub size: u64,
    /// A still of the rendition.
    #[serde(default)]
    pub thumbnail: Option<String>,
}

impl PixabayVideoFile {
    /// Whether the rendition exists (a link and a size).
    pub fn is_available(&self) -> bool {
        !self.url.trim().is_empty() && self.width > 0 && self.height > 0
    }
}

/// The renditions of a video.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub struct PixabayVideoFiles {
    /// Usually 3840×2160 (often absent).
    #[serde(default)]
    pub large: PixabayVideoFile,
    /// Usually 1920×1080.
    #[serde(default)]
    pub medium: PixabayVideoFile,
    /// Usually 1280×720.
    #[serde(default)]
    pub small: PixabayVideoFile,
    /// Usually 960×540.
    #[serde(default)]
    pub tiny: PixabayVideoFile,
}

impl PixabayVideoFiles {
    /// `(name, rendition)` for every available rendition, smallest first.
    pub fn available(&self) -> Vec<(&'static str, &PixabayVideoFile)> {
        let mut all: Vec<(&'static str, &PixabayVideoFile)> = [
            ("tiny", &self.tiny),
            ("small", &self.small),
            ("medium", &self.medium),
            ("large", &self.large),
        ]
        .into_iter()
        .filter(|(_, f)| f.is_available())
        .collect();
        all.sort_by_key(|(_, f)| u64::from(f.width) * u64::from(f.height));
        all
    }
}

/// One video of a search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PixabayVideo {
    /// Pixabay video id.
    pub id: u64,
    /// The video's page on pixabay.com.
    #[serde(rename = "pageURL")]
    pub page_url: String,
    /// `film` or `animation`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Comma-separated tags.
    #[serde(default)]
    pub tags: String,
    /// Length in seconds.
    #[serde(default)]
    pub duration: u32,
    /// The renditions.
    #[serde(default)]
    pub videos: PixabayVideoFiles,
    /// The uploader's name.
    pub user: String,
    /// The uploader's id.
    #[serde(default)]
    pub user_id: Option<u64>,
}

impl PixabayVideo {
    /// The uploader's profile page, `https://pixabay.com/users/{user}-{user_id}/`.
    pub fn user_url(&self) -> Option<String> {
        profile_url(&self.user, self.user_id)
    }

    /// The smallest rendition covering `width`×`height`, else the largest one.
    pub fn best_file(&self, width: u32, height: u32) -> Option<(&'static str, &PixabayVideoFile)> {
        let all = self.videos.available();
        all.iter()
            .find(|(_, f)| f.width >= width && f.height >= height)
            .or_else(|| all.last())
            .copied()
    }
}

/// A page of video results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PixabayVideoPage {
    /// Matches in total.
    #[serde(default)]
    pub total: u64,
    /// Matches the API will page through.
    #[serde(rename = "totalHits", default)]
    pub total_hits: u64,
    /// The videos, most relevant first.
    #[serde(default)]
    pub hits: Vec<PixabayVideo>,
}
