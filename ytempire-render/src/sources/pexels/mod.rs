//! [`Pexels`]: free stock photos and video clips (feature `pexels`).
//!
//! - Photo search `GET {base}/v1/search` and video search `GET {base}/videos/search`, with
//!   the bare key in `Authorization` (Pexels uses no `Bearer` prefix).
//! - [`ImageSource::fetch`] searches with the orientation of the requested size, skips
//!   excluded ids, downloads the smallest photo size that still covers the requested
//!   resolution (predicted from the CDN URL's resize parameters), decodes it with
//!   [`decode_image`](super::inspect::decode_image) and keeps the credit Pexels asks for in
//!   [`Visual::attribution`]: the photographer's name and profile link, and the licence
//!   with the photo's page (core's `Attribution` has no field of its own for the page).
//! - Downloads go to the CDN **without** the API key.
//! - Rate limits: every API answer's `X-Ratelimit-Limit`/`-Remaining`/`-Reset` is kept
//!   ([`Pexels::rate_limit`]). A 429 carries none of them, so its `retry_after` comes from
//!   `Retry-After` when present, else from the last known reset. When the last answer said
//!   nothing is left before the reset, the next search is refused locally (`RateLimited`)
//!   instead of spending a request.
//! - Search answers are cached in memory for 24 hours (Pexels' guidance), per client and its
//!   clones; the clock is injectable ([`Pexels::with_clock`]).
//! - Free: usage counts the images returned and the HTTP requests made.
//!
//! ```no_run
//! # async fn demo() -> ytempire_core::Result<()> {
//! use ytempire_core::ImageSourceExt;
//! use ytempire_render::sources::{Pexels, PexelsConfig, VideoSearch};
//! let pexels = Pexels::new(PexelsConfig::from_env()?)?; // PEXELS_API_KEY
//! let photo = pexels.fetch_one("octopus coral reef", 1080, 1920).await?;
//! let credit = photo.attribution.as_ref().map(|a| a.author.as_str());
//! println!("{} by {:?}", photo.id, credit);
//! let clips = pexels.search_videos(&VideoSearch::new("ocean waves")).await?;
//! if let Some(video) = clips.videos.first() {
//!     let clip = pexels.download_clip(video, 1080, 1920, "ocean waves").await?;
//!     println!("{} is a {}x{} clip", clip.id, clip.width, clip.height);
//! }
//! # Ok(()) }
//! ```

mod types;

#[cfg(doc)]
use ytempire_core::ImageSource;

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use ytempire_core::{
    Attribution, Error, ErrorKind, ImageRequest, ImageResponse, MediaKind, Orientation, Result,
    Visual,
};

pub use super::stock::RateLimit;
pub use types::{
    DEFAULT_PER_PAGE, MAX_PER_PAGE, PexelsPhoto, PexelsSize, PexelsUser, PexelsVideo, PhotoPage,
    PhotoSearch, PhotoSources, VideoFile, VideoPage, VideoSearch,
};

use super::clock::Clock;
use ytempire_core::http::{self, VendorError};

use super::stock::{
    Candidate, Found, ResetHeader, Searched, StockHttp, StockVendor, downloaded_visual,
    fetch_media, orientation_of, per_page, stock_client_basics, stock_config_builders,
};

/// The public Pexels API.
pub const PEXELS_BASE_URL: &str = "https://api.pexels.com";

/// How long search answers are reused (Pexels asks clients to cache for about 24 hours).
pub const PEXELS_CACHE_TTL: Duration = Duration::from_secs(24 * 60 * 60);

const PROVIDER: &str = "pexels";
const LICENSE: &str = "Pexels License (https://www.pexels.com/license/)";

/// Configuration of a [`Pexels`] client. `Debug` never shows the key (a [`SecretString`]
/// prints `[REDACTED]`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PexelsConfig {
    /// API key, sent bare in `Authorization`.
    pub api_key: SecretString,
    /// API base URL without a trailing path (`https://api.pexels.com`).
    pub base_url: String,
    /// Per-request timeout (searches and downloads).
    pub timeout: Duration,
    /// How long search answers are reused (zero turns the cache off).
    pub cache_ttl: Duration,
    /// Most search answers kept in the cache.
    pub cache_capacity: usize,
    /// `locale=` sent with searches, e.g. `en-US`.
    pub locale: Option<String>,
}

impl PexelsConfig {
    /// The public API with `api_key`, a 60 s timeout and the 24 h cache.
    pub fn new(api_key: SecretString) -> Self {
        Self {
            api_key,
            base_url: PEXELS_BASE_URL.into(),
            timeout: Duration::from_secs(60),
            cache_ttl: PEXELS_CACHE_TTL,
            cache_capacity: 512,
            locale: None,
        }
    }

    /// Set the search locale.
    #[must_use]
    pub fn with_locale(mut self, locale: impl Into<String>) -> Self {
        self.locale = Some(locale.into());
        self
    }
}

stock_config_builders!(
    PexelsConfig,
    "PEXELS_API_KEY",
    "PEXELS_BASE_URL",
    PEXELS_BASE_URL
);

/// What a Pexels result shows, for ranking: its `alt` text, then the words of its page's URL
/// slug (`https://www.pexels.com/photo/brown-octopus-on-sand-2014422/` → `brown octopus on
/// sand`), which Pexels writes from the title even where `alt` is empty.
pub(crate) fn describe(alt: Option<&str>, page_url: &str) -> String {
    let slug = page_url
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let slug = slug
        .trim_end_matches(|c: char| c.is_ascii_digit())
        .trim_end_matches('-')
        .replace('-', " ");
    let alt = alt.map(str::trim).unwrap_or_default();
    match (alt.is_empty(), slug.trim().is_empty()) {
        (true, _) => slug.trim().to_owned(),
        (false, true) => alt.to_owned(),
        (false, false) => format!("{alt}; {}", slug.trim()),
    }
}

/// Pexels' error table: `{"error": "…"}` or `{"code": "…", "message": "…"}`; no code changes
/// the kind the status gives.
pub(crate) fn vendor_error(body: &[u8]) -> VendorError {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            let message = v
                .get("error")
                .or_else(|| v.get("message"))
                .and_then(|m| m.as_str())?;
            let mut vendor = VendorError::new(message);
            vendor.code = v.get("code").and_then(|c| c.as_str()).map(str::to_owned);
            Some(vendor)
        })
        .unwrap_or_else(|| VendorError::raw(body))
}

/// Cached search answers: photo pages and video pages under one key space.
#[derive(Debug, Clone)]
enum CachedPage {
    Photos(PhotoPage),
    Videos(VideoPage),
}

/// The Pexels client. Cheap to clone; clones share the rate-limit state and the cache.
#[derive(Debug, Clone)]
pub struct Pexels {
    config: PexelsConfig,
    http: StockHttp<CachedPage>,
}

stock_client_basics!(Pexels, PexelsConfig, ResetHeader::UnixTime, "Pexels");

impl Pexels {
    /// Search photos (answers cached for the configured TTL).
    ///
    /// # Errors
    /// `InvalidRequest` for a bad search ([`PhotoSearch::validate`]); `RateLimited` when the
    /// rate limit is spent; the mapped HTTP error otherwise.
    pub async fn search_photos(&self, search: &PhotoSearch) -> Result<PhotoPage> {
        Ok(self.search_photos_counted(search).await?.0)
    }

    /// Search videos (answers cached for the configured TTL).
    ///
    /// # Errors
    /// As [`Pexels::search_photos`].
    pub async fn search_videos(&self, search: &VideoSearch) -> Result<VideoPage> {
        Ok(self.search_videos_counted(search).await?.0)
    }

    async fn search_photos_counted(&self, search: &PhotoSearch) -> Result<(PhotoPage, u64)> {
        search.validate().map_err(|e| e.with_provider(PROVIDER))?;
        let mut search = search.clone();
        if search.locale.is_none() {
            search.locale.clone_from(&self.config.locale);
        }
        match self
            .get_cached("/v1/search", &search.params(), true)
            .await?
        {
            (CachedPage::Photos(p), n) => Ok((p, n)),
            (CachedPage::Videos(_), _) => Err(Error::internal("photo search cached as videos")),
        }
    }

    async fn search_videos_counted(&self, search: &VideoSearch) -> Result<(VideoPage, u64)> {
        search.validate().map_err(|e| e.with_provider(PROVIDER))?;
        let mut search = search.clone();
        if search.locale.is_none() {
            search.locale.clone_from(&self.config.locale);
        }
        match self
            .get_cached("/videos/search", &search.params(), false)
            .await?
        {
            (CachedPage::Videos(p), n) => Ok((p, n)),
            (CachedPage::Photos(_), _) => Err(Error::internal("video search cached as photos")),
        }
    }

    /// One API GET through the cache; returns the page and the requests made (0 or 1).
    async fn get_cached(
        &self,
        path: &str,
        params: &[(&'static str, String)],
        photos: bool,
    ) -> Result<(CachedPage, u64)> {
        let url = self.http.url(&self.config.base_url, path, params)?;
        let key = self.config.api_key.expose_secret();
        self.http
            .get_cached(
                url,
                |client, url| client.get(url).header(reqwest::header::AUTHORIZATION, key),
                vendor_error,
                |body| {
                    Ok(if photos {
                        CachedPage::Photos(http::json(PROVIDER, body)?)
                    } else {
                        CachedPage::Videos(http::json(PROVIDER, body)?)
                    })
                },
            )
            .await
    }

    /// Download the smallest size of `photo` that covers `width`×`height` (else the
    /// original), decode it and return it with its attribution.
    ///
    /// # Errors
    /// `InvalidResponse` for bytes that are not an image (an HTML page, zero bytes, a
    /// corrupt file); the mapped HTTP or transport error otherwise.
    pub async fn download_photo(
        &self,
        photo: &PexelsPhoto,
        width: u32,
        height: u32,
        query: &str,
    ) -> Result<Visual> {
        let (size, url) = pick_photo_size(photo, width, height);
        let bytes = self.http.download(url).await?;
        let what = format!("pexels photo {} ({size})", photo.id);
        let id = format!("pexels:{}", photo.id);
        Ok(
            downloaded_visual(PROVIDER, MediaKind::Image, id, &what, bytes, query)?
                .with_description(describe(photo.alt.as_deref(), &photo.url))
                .with_attribution(Attribution {
                    author: photo.photographer.clone(),
                    url: Some(photo.photographer_url.clone()),
                    license: Some(format!("{LICENSE}; photo page: {}", photo.url)),
                }),
        )
    }

    /// Download the best MP4 rendition of `video` for `width`×`height` ([`PexelsVideo::best_file`])
    /// as a [`MediaKind::VideoClip`] visual (bytes in memory, `video/mp4`), with its
    /// dimensions and duration read from the file itself and the uploader's credit.
    ///
    /// # Errors
    /// `NotFound` when the video has no MP4 rendition; `InvalidResponse` when the download
    /// is not a playable H.264 MP4 (an HTML page, zero bytes, truncated or corrupt);
    /// `Unsupported` for another codec or a picture over 4096 pixels on a side; the mapped
    /// HTTP error otherwise.
    pub async fn download_clip(
        &self,
        video: &PexelsVideo,
        width: u32,
        height: u32,
        query: &str,
    ) -> Result<Visual> {
        let file = video.best_file(width, height).ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("pexels video {} has no MP4 rendition", video.id),
            )
            .with_provider(PROVIDER)
        })?;
        let bytes = self.http.download(&file.link).await?;
        let what = format!("pexels video {}", video.id);
        let id = format!("pexels-video:{}", video.id);
        Ok(
            downloaded_visual(PROVIDER, MediaKind::VideoClip, id, &what, bytes, query)?
                .with_description(describe(None, &video.url))
                .with_attribution(Attribution {
                    author: video.user.name.clone(),
                    url: video.user.url.clone(),
                    license: Some(format!("{LICENSE}; video page: {}", video.url)),
                }),
        )
    }

    /// Video clips for an image request: search videos in the request's orientation, skip
    /// excluded ids, download the best `count` clips (ranked as [`ImageSource::fetch`]
    /// ranks). Usage counts clips and requests.
    ///
    /// # Errors
    /// `NotFound` when nothing matches; the first download error when every download
    /// failed.
    pub async fn fetch_clips(&self, request: &ImageRequest) -> Result<ImageResponse> {
        fetch_media(self, request, false, true).await
    }

    /// The orientation and page size of the searches behind `request`.
    fn shape_of(request: &ImageRequest) -> (Orientation, u32) {
        let orientation = request
            .orientation
            .unwrap_or_else(|| orientation_of(request.width, request.height));
        (orientation, per_page(request, 1, MAX_PER_PAGE))
    }
}

impl StockVendor for Pexels {
    type Photo = PexelsPhoto;
    type Clip = PexelsVideo;

    const PROVIDER: &'static str = PROVIDER;

    async fn photo_candidates(&self, request: &ImageRequest) -> Searched<PexelsPhoto, PexelsVideo> {
        let (orientation, per_page) = Self::shape_of(request);
        let search = PhotoSearch::new(request.query.clone())
            .with_orientation(orientation)
            .with_per_page(per_page);
        let (page, n) = self.search_photos_counted(&search).await?;
        let (w, h) = (request.width, request.height);
        let photos = page
            .photos
            .into_iter()
            .filter(|p| !request.exclude.contains(&format!("pexels:{}", p.id)))
            .map(|p| {
                let fits = p.width >= w && p.height >= h;
                let text = describe(p.alt.as_deref(), &p.url);
                Candidate::photo(p, text, fits)
            });
        Ok((photos.collect(), n))
    }

    async fn clip_candidates(&self, request: &ImageRequest) -> Searched<PexelsPhoto, PexelsVideo> {
        let (orientation, per_page) = Self::shape_of(request);
        let search = VideoSearch::new(request.query.clone())
            .with_orientation(orientation)
            .with_per_page(per_page);
        let (page, n) = self.search_videos_counted(&search).await?;
        let (w, h) = (request.width, request.height);
        let clips = page
            .videos
            .into_iter()
            .filter(|v| !request.exclude.contains(&format!("pexels-video:{}", v.id)))
            .filter(|v| v.video_files.iter().any(VideoFile::is_mp4))
            .map(|v| {
                let fits = v
                    .best_file(w, h)
                    .is_some_and(|f| f.width.unwrap_or(0) >= w && f.height.unwrap_or(0) >= h);
                let text = describe(None, &v.url);
                Candidate::clip(v, text, fits)
            });
        Ok((clips.collect(), n))
    }

    async fn download_found(
        &self,
        found: Found<PexelsPhoto, PexelsVideo>,
        width: u32,
        height: u32,
        query: &str,
    ) -> Result<Visual> {
        match found {
            Found::Photo(p) => self.download_photo(&p, width, height, query).await,
            Found::Clip(v) => self.download_clip(&v, width, height, query).await,
        }
    }
}

/// The size of `photo` a CDN URL yields, predicted from its imgix parameters: `fit=crop`
/// with `w` and `h` gives exactly `w·dpr`×`h·dpr`; otherwise the original is scaled down
/// (never up) to fit the given bounds; no parameters give the original.
pub(crate) fn predicted_size(url: &str, width: u32, height: u32) -> (u32, u32) {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return (width, height);
    };
    let (mut w, mut h, mut dpr, mut crop) = (None, None, 1.0_f64, false);
    for (k, v) in parsed.query_pairs() {
        match k.as_ref() {
            "w" => w = v.parse::<f64>().ok(),
            "h" => h = v.parse::<f64>().ok(),
            "dpr" => dpr = v.parse::<f64>().unwrap_or(1.0).clamp(0.1, 8.0),
            "fit" => crop = v == "crop",
            _ => {}
        }
    }
    let (ow, oh) = (f64::from(width.max(1)), f64::from(height.max(1)));
    let round = |x: f64| x.round().clamp(1.0, f64::from(u32::MAX)) as u32;
    if crop && let (Some(w), Some(h)) = (w, h) {
        return (round(w * dpr), round(h * dpr));
    }
    let scale = [w.map(|w| w * dpr / ow), h.map(|h| h * dpr / oh)]
        .into_iter()
        .flatten()
        .fold(1.0_f64, f64::min);
    (round(ow * scale), round(oh * scale))
}

/// The smallest size of `photo` covering `width`×`height`, else the original.
pub(crate) fn pick_photo_size(
    photo: &PexelsPhoto,
    width: u32,
    height: u32,
) -> (&'static str, &str) {
    let mut sizes: Vec<(&'static str, &str, (u32, u32))> = photo
        .src
        .all()
        .into_iter()
        .filter(|(_, url)| !url.is_empty())
        .map(|(name, url)| (name, url, predicted_size(url, photo.width, photo.height)))
        .collect();
    sizes.sort_by_key(|(_, _, (w, h))| u64::from(*w) * u64::from(*h));
    sizes
        .iter()
        .find(|(_, _, (w, h))| *w >= width && *h >= height)
        .map_or(("original", photo.src.original.as_str()), |(n, u, _)| {
            (*n, *u)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn description_joins_alt_and_page_slug() {
        assert_eq!(
            describe(
                Some("An octopus on sand"),
                "https://www.pexels.com/photo/brown-octopus-hiding-2014422/"
            ),
            "An octopus on sand; brown octopus hiding"
        );
        assert_eq!(
            describe(None, "https://www.pexels.com/video/waves-at-dusk-857195/"),
            "waves at dusk"
        );
        assert_eq!(
            describe(Some(" "), "https://www.pexels.com/photo/2014422/"),
            ""
        );
    }

    fn photo() -> PexelsPhoto {
        let base = "https://images.pexels.com/photos/1/pexels-photo-1.jpeg";
        let src = PhotoSources {
            original: base.into(),
            large2x: format!("{base}?auto=compress&cs=tinysrgb&dpr=2&h=650&w=940"),
            large: format!("{base}?auto=compress&cs=tinysrgb&h=650&w=940"),
            medium: format!("{base}?auto=compress&cs=tinysrgb&h=350"),
            small: format!("{base}?auto=compress&cs=tinysrgb&h=130"),
            portrait: format!("{base}?auto=compress&cs=tinysrgb&fit=crop&h=1200&w=800"),
            landscape: format!("{base}?auto=compress&cs=tinysrgb&fit=crop&h=627&w=1200"),
            tiny: format!("{base}?auto=compress&cs=tinysrgb&dpr=1&fit=crop&h=200&w=280"),
        };
        serde_json::from_value(serde_json::json!({
            "id": 1, "width": 6000, "height": 4000, "url": "https://www.pexels.com/photo/x-1/",
            "photographer": "A", "photographer_url": "https://www.pexels.com/@a", "src": src
        }))
        .unwrap()
    }

    #[test]
    fn predicts_imgix_sizes() {
        let p = photo();
        assert_eq!(predicted_size(&p.src.large, 6000, 4000), (940, 627));
        assert_eq!(predicted_size(&p.src.large2x, 6000, 4000), (1880, 1253));
        assert_eq!(predicted_size(&p.src.medium, 6000, 4000), (525, 350));
        assert_eq!(predicted_size(&p.src.tiny, 6000, 4000), (280, 200));
        assert_eq!(predicted_size(&p.src.original, 6000, 4000), (6000, 4000));
        // Never upscaled.
        assert_eq!(predicted_size(&p.src.large, 300, 200), (300, 200));
    }

    #[test]
    fn picks_the_smallest_covering_size() {
        let p = photo();
        assert_eq!(pick_photo_size(&p, 64, 48).0, "small");
        assert_eq!(pick_photo_size(&p, 250, 150).0, "tiny");
        assert_eq!(pick_photo_size(&p, 400, 300).0, "medium");
        assert_eq!(pick_photo_size(&p, 900, 600).0, "large");
        assert_eq!(pick_photo_size(&p, 1920, 1080).0, "original");
        assert_eq!(pick_photo_size(&p, 700, 1100).0, "portrait");
    }

    #[test]
    fn debug_hides_the_key() {
        let cfg = PexelsConfig::new(SecretString::from("sekrit-123"));
        assert!(!format!("{cfg:?}").contains("sekrit"));
    }
}
