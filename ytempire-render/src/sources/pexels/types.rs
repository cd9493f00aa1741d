//! Pexels search parameters and the typed results (photos, videos, pages).

use serde::{Deserialize, Serialize};
use ytempire_core::{Error, Orientation, Result};

use crate::sources::stock::stock_search_builders;

/// Most results Pexels returns per page.
pub const MAX_PER_PAGE: u32 = 80;

/// Pexels' default page size.
pub const DEFAULT_PER_PAGE: u32 = 15;

/// Minimum photo or video size filter (`size=`): large 24 MP / 4K, medium 12 MP / Full HD,
/// small 4 MP / HD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PexelsSize {
    /// 24 MP photos, 4K videos.
    Large,
    /// 12 MP photos, Full HD videos.
    Medium,
    /// 4 MP photos, HD videos.
    Small,
}

impl PexelsSize {
    /// The query value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Large => "large",
            Self::Medium => "medium",
            Self::Small => "small",
        }
    }
}

/// The orientation query value Pexels uses.
pub(crate) const fn orientation_str(o: Orientation) -> &'static str {
    match o {
        Orientation::Landscape => "landscape",
        Orientation::Portrait => "portrait",
        Orientation::Square => "square",
    }
}

fn check_common(query: &str, page: u32, per_page: u32) -> Result<()> {
    if query.trim().is_empty() {
        return Err(Error::invalid_request(
            "Pexels search query is empty; describe what to show",
        ));
    }
    if page == 0 {
        return Err(Error::invalid_request("Pexels `page` starts at 1"));
    }
    if per_page == 0 || per_page > MAX_PER_PAGE {
        return Err(Error::invalid_request(format!(
            "Pexels `per_page` must be 1..={MAX_PER_PAGE}, got {per_page}"
        )));
    }
    Ok(())
}

/// The pairs both searches start with: the query, then the orientation and size when set.
fn head_params(
    query: &str,
    orientation: Option<Orientation>,
    size: Option<PexelsSize>,
) -> Vec<(&'static str, String)> {
    let mut p = vec![("query", query.trim().to_owned())];
    if let Some(o) = orientation {
        p.push(("orientation", orientation_str(o).to_owned()));
    }
    if let Some(s) = size {
        p.push(("size", s.as_str().to_owned()));
    }
    p
}

/// `p` ended with the paging pairs both searches end with.
fn paged(
    mut p: Vec<(&'static str, String)>,
    page: u32,
    per_page: u32,
) -> Vec<(&'static str, String)> {
    p.push(("page", page.to_string()));
    p.push(("per_page", per_page.to_string()));
    p
}

/// A photo search (`GET /v1/search`).
///
/// ```
/// use ytempire_core::Orientation;
/// use ytempire_render::sources::PhotoSearch;
/// let s = PhotoSearch::new("octopus").with_orientation(Orientation::Portrait).with_per_page(30);
/// assert!(s.validate().is_ok());
/// assert!(PhotoSearch::new("octopus").with_per_page(81).validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct PhotoSearch {
    /// What to search for.
    pub query: String,
    /// `orientation=`.
    pub orientation: Option<Orientation>,
    /// `size=` (minimum size).
    pub size: Option<PexelsSize>,
    /// `color=`: a colour name (`red`, `turquoise`, …) or hex code without `#`.
    pub color: Option<String>,
    /// `locale=`, e.g. `en-US`.
    pub locale: Option<String>,
    /// Page, from 1.
    pub page: u32,
    /// Results per page, 1..=80.
    pub per_page: u32,
}

stock_search_builders!(PhotoSearch, "1..=80");

impl PhotoSearch {
    /// Page 1 of `query` with the default page size.
    pub fn new(query: impl Into<String>) -> Self {
        Self {
            query: query.into(),
            orientation: None,
            size: None,
            color: None,
            locale: None,
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }

    /// Set the minimum size.
    #[must_use]
    pub fn with_size(mut self, size: PexelsSize) -> Self {
        self.size = Some(size);
        self
    }

    /// Set the colour filter.
    #[must_use]
    pub fn with_color(mut self, color: impl Into<String>) -> Self {
        self.color = Some(color.into());
        self
    }

    /// Set the locale.
    #[must_use]
    pub fn with_locale(mut self, locale: impl Into<String>) -> Self {
        self.locale = Some(locale.into());
        self
    }

    /// Refuse what Pexels would refuse.
    ///
    /// # Errors
    /// `InvalidRequest` for an empty query, page 0, or `per_page` outside 1..=80.
    pub fn validate(&self) -> Result<()> {
        check_common(&self.query, self.page, self.per_page)
    }

    /// The query string pairs, in a fixed order (also the cache key).
    pub(crate) fn params(&self) -> Vec<(&'static str, String)> {
        let mut p = head_params(&self.query, self.orientation, self.size);
        if let Some(c) = &self.color {
            p.push(("color", c.trim_start_matches('#').to_owned()));
        }
        if let Some(l) = &self.locale {
            p.push(("locale", l.clone()));
        }
        paged(p, self.page, self.per_page)
    }
}

/// A video search (`GET /videos/search`).
///
/// ```
/// use ytempire_render::sources::VideoSearch;
/// let s = VideoSearch::new("waves").with_min_size(1080, 1920).with_duration(3, 20);
/// assert!(s.validate().is_ok());
/// assert!(VideoSearch::new("waves").with_per_page(0).validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct VideoSearch {
    /// What to search for.
    pub query: String,
    /// `orientation=`.
    pub orientation: Option<Orientation>,
    /// `size=` (minimum size).
    pub size: Option<PexelsSize>,
    /// `locale=`.
    pub locale: Option<String>,
    /// `min_width=` in pixels.
    pub min_width: Option<u32>,
    /// `min_height=` in pixels.
    pub min_height: Option<u32>,
    /// `min_duration=` in seconds.
    pub min_duration: Option<u32>,
    /// `max_duration=` in seconds.
    pub max_duration: Option<u32>,
    /// Page, from 1.
    pub page: u32,
    /// Results per page, 1..=80.
    pub per_page: u32,
}

stock_search_builders!(VideoSearch, "1..=80", min_size);

impl VideoSearch {
    /// Page 1 of `query` with the default page size.
    pub fn new(query: impl Into<String>) -> Self {
        Self {
            query: query.into(),
            orientation: None,
            size: None,
            locale: None,
            min_width: None,
            min_height: None,
            min_duration: None,
            max_duration: None,
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }

    /// Set the minimum size filter.
    #[must_use]
    pub fn with_size(mut self, size: PexelsSize) -> Self {
        self.size = Some(size);
        self
    }

    /// Set the duration range in seconds.
    #[must_use]
    pub fn with_duration(mut self, min_secs: u32, max_secs: u32) -> Self {
        self.min_duration = Some(min_secs);
        self.max_duration = Some(max_secs);
        self
    }

    /// Refuse what Pexels would refuse.
    ///
    /// # Errors
    /// `InvalidRequest` for an empty query, page 0, `per_page` outside 1..=80, or a minimum
    /// duration above the maximum.
    pub fn validate(&self) -> Result<()> {
        check_common(&self.query, self.page, self.per_page)?;
        if let (Some(lo), Some(hi)) = (self.min_duration, self.max_duration)
            && lo > hi
        {
            return Err(Error::invalid_request(format!(
                "Pexels min_duration {lo}s is above max_duration {hi}s"
            )));
        }
        Ok(())
    }

    /// The query string pairs, in a fixed order (also the cache key).
    pub(crate) fn params(&self) -> Vec<(&'static str, String)> {
        let mut p = head_params(&self.query, self.orientation, self.size);
        if let Some(l) = &self.locale {
            p.push(("locale", l.clone()));
        }
        for (k, v) in [
            ("min_width", self.min_width),
            ("min_height", self.min_height),
            ("min_duration", self.min_duration),
            ("max_duration", self.max_duration),
        ] {
            if let Some(v) = v {
                p.push((k, v.to_string()));
            }
        }
        paged(p, self.page, self.per_page)
    }
}

/// The sizes Pexels offers for one photo (CDN URLs with imgix resize parameters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PhotoSources {
    /// The original upload.
    pub original: String,
    /// Fit within 1880×1300 (940×650 at 2× density).
    pub large2x: String,
    /// Fit within 940×650.
    pub large: String,
    /// 350 px high.
    pub medium: String,
    /// 130 px high.
    pub small: String,
    /// Cropped to 800×1200.
    pub portrait: String,
    /// Cropped to 1200×627.
    pub landscape: String,
    /// Cropped to 280×200.
    pub tiny: String,
}

impl PhotoSources {
    /// `(name, url)` for every size, smallest first.
    pub fn all(&self) -> [(&'static str, &str); 8] {
        [
            ("tiny", &self.tiny),
            ("small", &self.small),
            ("medium", &self.medium),
            ("large", &self.large),
            ("landscape", &self.landscape),
            ("portrait", &self.portrait),
            ("large2x", &self.large2x),
            ("original", &self.original),
        ]
    }
}

/// One photo of a search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PexelsPhoto {
    /// Pexels photo id.
    pub id: u64,
    /// Original width.
    pub width: u32,
    /// Original height.
    pub height: u32,
    /// The photo's page on pexels.com (link it when crediting).
    pub url: String,
    /// The photographer's name.
    pub photographer: String,
    /// The photographer's Pexels profile.
    pub photographer_url: String,
    /// The photographer's id.
    #[serde(default)]
    pub photographer_id: Option<u64>,
    /// Average colour, `#rrggbb`.
    #[serde(default)]
    pub avg_color: Option<String>,
    /// Description of the photo.
    #[serde(default)]
    pub alt: Option<String>,
    /// The downloadable sizes.
    pub src: PhotoSources,
}

/// A page of photo results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PhotoPage {
    /// Page number.
    #[serde(default)]
    pub page: u32,
    /// Page size.
    #[serde(default)]
    pub per_page: u32,
    /// Matches in total.
    #[serde(default)]
    pub total_results: u64,
    /// URL of the next page, when there is one.
    #[serde(default)]
    pub next_page: Option<String>,
    /// The photos, most relevant first.
    #[serde(default)]
    pub photos: Vec<PexelsPhoto>,
}

/// The uploader of a video.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PexelsUser {
    /// User id.
    #[serde(default)]
    pub id: Option<u64>,
    /// Display name.
    pub name: String,
    /// Profile URL.
    #[serde(default)]
    pub url: Option<String>,
}

/// One rendition of a video.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VideoFile {
    /// File id.
    #[serde(default)]
    pub id: Option<u64>,
    /// `hd`, `sd`, `uhd` or `hls`.
    #[serde(default)]
    pub quality: Option<String>,
    /// MIME type, e.g. `video/mp4`.
    #[serde(default)]
    pub file_type: String,
    /// Width (absent for HLS playlists).
    #[serde(default)]
    pub width: Option<u32>,
    /// Height (absent for HLS playlists).
    #[serde(default)]
    pub height: Option<u32>,
    /// Frame rate.
    #[serde(default)]
    pub fps: Option<f64>,
    /// Download link.
    pub link: String,
}

impl VideoFile {
    /// Whether this is a downloadable MP4 with known dimensions (not an HLS playlist).
    pub fn is_mp4(&self) -> bool {
        self.file_type.eq_ignore_ascii_case("video/mp4")
            && self.quality.as_deref() != Some("hls")
            && !self.link.contains(".m3u8")
            && self.width.is_some_and(|w| w > 0)
            && self.height.is_some_and(|h| h > 0)
    }
}

/// One video of a search result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PexelsVideo {
    /// Pexels video id.
    pub id: u64,
    /// Width of the largest rendition.
    pub width: u32,
    /// Height of the largest rendition.
    pub height: u32,
    /// The video's page on pexels.com.
    pub url: String,
    /// A still preview.
    #[serde(default)]
    pub image: Option<String>,
    /// Length in seconds.
    #[serde(default)]
    pub duration: u32,
    /// Who uploaded it (credit them).
    pub user: PexelsUser,
    /// The renditions.
    #[serde(default)]
    pub video_files: Vec<VideoFile>,
}

impl PexelsVideo {
    /// The smallest MP4 rendition covering `width`×`height`, else the largest MP4.
    pub fn best_file(&self, width: u32, height: u32) -> Option<&VideoFile> {
        let mut mp4: Vec<&VideoFile> = self.video_files.iter().filter(|f| f.is_mp4()).collect();
        let area =
            |f: &VideoFile| u64::from(f.width.unwrap_or(0)) * u64::from(f.height.unwrap_or(0));
        mp4.sort_by_key(|f| area(f));
        mp4.iter()
            .find(|f| f.width.unwrap_or(0) >= width && f.height.unwrap_or(0) >= height)
            .or_else(|| mp4.last())
            .copied()
    }
}

/// A page of video results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VideoPage {
    /// Page number.
    #[serde(default)]
    pub page: u32,
    /// Page size.
    #[serde(default)]
    pub per_page: u32,
    /// Matches in total.
    #[serde(default)]
    pub total_results: u64,
    /// URL of the next page, when there is one.
    #[serde(default)]
    pub next_page: Option<String>,
    /// The videos, most relevant first.
    #[serde(default)]
    pub videos: Vec<PexelsVideo>,
}
