//! [`Pixabay`]: free stock photos and video clips (feature `pixabay`).
//!
//! - Image search `GET {base}/api/?key=…&q=…&image_type=photo&orientation=horizontal|vertical`
//!   and video search `GET {base}/api/videos/?key=…&q=…`. Pixabay takes the key as a **query
//!   parameter**, so it is added only to the URL actually sent: cache keys, logs and errors
//!   use the parameters without it, and transport errors go through core's URL scrubber
//!   ([`http::scrub_url`]), which drops the query.
//! - [`ImageSource::fetch`] searches photos in the orientation of the requested size, skips
//!   excluded ids, downloads the smaller of `webformatURL` (640 px) and `largeImageURL`
//!   (1280 px) that still covers the requested resolution, decodes it with [`decode_image`](super::inspect::decode_image)
//!   and keeps Pixabay's credit in [`Visual::attribution`] (the uploader, the picture's page,
//!   the Content License). [`Visual::description`] is the picture's `tags`, the text the
//!   relevance ranking reads.
//! - Downloads go to the CDN **without** the key.
//! - Errors: Pixabay answers errors as plain text (`[ERROR 400] Invalid or missing API
//!   key`); a bad or missing key is `Unauthenticated` although the status is 400, the rest
//!   follows the status.
//! - Rate limits: every answer's `X-RateLimit-Limit`/`-Remaining`/`-Reset` is kept
//!   ([`Pixabay::rate_limit`]; Pixabay's reset is seconds from now). A 429's `retry_after`
//!   comes from `Retry-After` when present, else from the known reset. When the last answer
//!   said nothing is left before the reset, the next search is refused locally
//!   (`RateLimited`) instead of spending a request.
//! - Search answers are cached in memory for 24 hours (Pixabay requires it), per client and
//!   its clones; the clock is injectable ([`Pixabay::with_clock`]).
//! - Free: usage counts the images returned and the HTTP requests made.
//!
//! ```no_run
//! # async fn demo() -> ytempire_core::Result<()> {
//! use ytempire_core::ImageSourceExt;
//! use ytempire_render::sources::{Pixabay, PixabayConfig, PixabaySearch};
//! let pixabay = Pixabay::new(PixabayConfig::from_env()?)?; // PIXABAY_API_KEY
//! let photo = pixabay.fetch_one("octopus coral reef", 1080, 1920).await?;
//! println!("{} shows {}", photo.id, photo.description);
//! let clips = pixabay.search_videos(&PixabaySearch::new("ocean waves")).await?;
//! if let Some(video) = clips.hits.first() {
//!     let clip = pixabay.download_clip(video, 1080, 1920, "ocean waves").await?;
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
use ytempire_core::http::{self, VendorError};
use ytempire_core::{
    Attribution, Error, ErrorKind, ImageRequest, ImageResponse, MediaKind, Result, Visual,
};

pub use types::{
    PIXABAY_DEFAULT_PER_PAGE, PIXABAY_MAX_PER_PAGE, PIXABAY_MAX_QUERY, PIXABAY_MIN_PER_PAGE,
    PixabayImage, PixabayImagePage, PixabayImageType, PixabaySearch, PixabayVideo,
    PixabayVideoFile, PixabayVideoFiles, PixabayVideoPage,
};

use super::clock::Clock;
pub use super::stock::RateLimit;
use super::stock::{
    Candidate, Found, ResetHeader, Searched, StockHttp, StockVendor, downloaded_visual,
    fetch_media, orientation_of, per_page, stock_client_basics, stock_config_builders,
};
use types::shorten_query;

/// The public Pixabay site (the API lives under `/api/`).
pub const PIXABAY_BASE_URL: &str = "https://pixabay.com";

/// How long search answers are reused (Pixabay requires caching for 24 hours).
pub const PIXABAY_CACHE_TTL: Duration = Duration::from_secs(24 * 60 * 60);

const PROVIDER: &str = "pixabay";
const LICENSE: &str = "Pixabay Content License (https://pixabay.com/service/license-summary/)";

/// Configuration of a [`Pixabay`] client. `Debug` never shows the key (a [`SecretString`]
/// prints `[REDACTED]`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PixabayConfig {
    /// API key, sent as the `key` query parameter.
    pub api_key: SecretString,
    /// Base URL without the `/api/` path (`https://pixabay.com`).
    pub base_url: String,
    /// Per-request timeout (searches and downloads).
    pub timeout: Duration,
    /// How long search answers are reused (zero turns the cache off).
    pub cache_ttl: Duration,
    /// Most search answers kept in the cache.
    pub cache_capacity: usize,
    /// `safesearch=` for the searches [`ImageSource::fetch`] and [`Pixabay::fetch_clips`]
    /// make (default `true`).
    pub safesearch: bool,
    /// `lang=` for those searches (Pixabay's default is `en`).
    pub lang: Option<String>,
}

impl PixabayConfig {
    /// The public API with `api_key`, a 60 s timeout, safe search and the 24 h cache.
    pub fn new(api_key: SecretString) -> Self {
        Self {
            api_key,
            base_url: PIXABAY_BASE_URL.into(),
            timeout: Duration::from_secs(60),
            cache_ttl: PIXABAY_CACHE_TTL,
            cache_capacity: 512,
            safesearch: true,
            lang: None,
        }
    }

    /// Set the language of the search terms.
    #[must_use]
    pub fn with_lang(mut self, lang: impl Into<String>) -> Self {
        self.lang = Some(lang.into());
        self
    }

    /// Turn safe search on or off.
    #[must_use]
    pub fn with_safesearch(mut self, on: bool) -> Self {
        self.safesearch = on;
        self
    }
}

stock_config_builders!(
    PixabayConfig,
    "PIXABAY_API_KEY",
    "PIXABAY_BASE_URL",
    PIXABAY_BASE_URL
);

/// Pixabay's error table. Errors come as plain text, `[ERROR 400] Invalid or missing API
/// key`: the `[ERROR n]` prefix is dropped, and a message about the API key makes the error
/// `Unauthenticated` (Pixabay answers a bad key with 400, not 401).
pub(crate) fn vendor_error(body: &[u8]) -> VendorError {
    let raw = VendorError::raw(body);
    let text = raw.message.trim();
    let message = match text.strip_prefix("[ERROR") {
        Some(rest) => rest
            .split_once(']')
            .map_or(text, |(_, msg)| msg.trim())
            .to_owned(),
        None => text.to_owned(),
    };
    let mut vendor = VendorError::new(message.clone());
    if message.to_ascii_lowercase().contains("api key") {
        vendor = vendor
            .with_code("invalid_key")
            .with_kind(ErrorKind::Unauthenticated);
    }
    vendor
}

/// Cached search answers: image pages and video pages under one key space.
#[derive(Debug, Clone)]
enum CachedPage {
    Images(PixabayImagePage),
    Videos(PixabayVideoPage),
}

/// The Pixabay client. Cheap to clone; clones share the rate-limit state and the cache.
#[derive(Debug, Clone)]
pub struct Pixabay {
    config: PixabayConfig,
    http: StockHttp<CachedPage>,
}

stock_client_basics!(
    Pixabay,
    PixabayConfig,
    ResetHeader::SecondsFromNow,
    "Pixabay"
);

impl Pixabay {
    /// Search images (answers cached for the configured TTL).
    ///
    /// # Errors
    /// `InvalidRequest` for a bad search ([`PixabaySearch::validate`]); `RateLimited` when
    /// the rate limit is spent; `Unauthenticated` for a bad key; the mapped HTTP error
    /// otherwise.
    pub async fn search_images(&self, search: &PixabaySearch) -> Result<PixabayImagePage> {
        match self.search_counted(search, true).await?.0 {
            CachedPage::Images(page) => Ok(page),
            CachedPage::Videos(_) => Err(mixed_cache()),
        }
    }

    /// Search videos (answers cached for the configured TTL). The video API has no
    /// orientation or image type: those fields are not sent.
    ///
    /// # Errors
    /// As [`Pixabay::search_images`].
    pub async fn search_videos(&self, search: &PixabaySearch) -> Result<PixabayVideoPage> {
        match self.search_counted(search, false).await?.0 {
            CachedPage::Videos(page) => Ok(page),
            CachedPage::Images(_) => Err(mixed_cache()),
        }
    }

    /// One search, from the cache (0 requests) or the API (1 request).
    async fn search_counted(
        &self,
        search: &PixabaySearch,
        images: bool,
    ) -> Result<(CachedPage, u64)> {
        search.validate().map_err(|e| e.with_provider(PROVIDER))?;
        let path = if images { "/api/" } else { "/api/videos/" };
        // The URL without the key is the cache key and what logs show.
        let url = self
            .http
            .url(&self.config.base_url, path, &search.params(images))?;
        let key = self.config.api_key.expose_secret();
        self.http
            .get_cached(
                url,
                |client, mut url| {
                    url.query_pairs_mut().append_pair("key", key);
                    client.get(url)
                },
                vendor_error,
                |body| {
                    Ok(if images {
                        CachedPage::Images(http::json(PROVIDER, body)?)
                    } else {
                        CachedPage::Videos(http::json(PROVIDER, body)?)
                    })
                },
            )
            .await
    }

    /// The search [`ImageSource::fetch`] and [`Pixabay::fetch_clips`] make for `request`.
    fn search_for(&self, request: &ImageRequest) -> PixabaySearch {
        let mut search = PixabaySearch::new(shorten_query(&request.query))
            .with_orientation(
                request
                    .orientation
                    .unwrap_or_else(|| orientation_of(request.width, request.height)),
            )
            .with_safesearch(self.config.safesearch)
            .with_per_page(per_page(
                request,
                PIXABAY_MIN_PER_PAGE,
                PIXABAY_MAX_PER_PAGE,
            ));
        search.lang = self.config.lang.clone();
        search
    }

    /// Download the smaller of `webformatURL` and `largeImageURL` that covers
    /// `width`×`height` (else the larger), decode it and return it with its tags and credit.
    ///
    /// # Errors
    /// `InvalidResponse` for bytes that are not an image (an HTML page, zero bytes, a
    /// corrupt file); the mapped HTTP or transport error otherwise.
    pub async fn download_image(
        &self,
        image: &PixabayImage,
        width: u32,
        height: u32,
        query: &str,
    ) -> Result<Visual> {
        let (size, url) = pick_image_size(image, width, height);
        let bytes = self.http.download(url).await?;
        let what = format!("pixabay image {} ({size})", image.id);
        let id = format!("pixabay:{}", image.id);
        Ok(
            downloaded_visual(PROVIDER, MediaKind::Image, id, &what, bytes, query)?
                .with_description(image.tags.trim())
                .with_attribution(credit(&image.user, image.user_url(), &image.page_url)),
        )
    }

    /// Download the best rendition of `video` for `width`×`height`
    /// ([`PixabayVideo::best_file`]) as a [`MediaKind::VideoClip`] visual (bytes in memory,
    /// `video/mp4`), with its dimensions and duration read from the file itself, its tags
    /// and the uploader's credit.
    ///
    /// # Errors
    /// `NotFound` when the video has no rendition; `InvalidResponse` when the download is not
    /// a playable H.264 MP4 (an HTML page, zero bytes, truncated or corrupt); `Unsupported`
    /// for another codec or a picture over 4096 pixels on a side; the mapped HTTP error
    /// otherwise.
    pub async fn download_clip(
        &self,
        video: &PixabayVideo,
        width: u32,
        height: u32,
        query: &str,
    ) -> Result<Visual> {
        let (_, file) = video.best_file(width, height).ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("pixabay video {} has no downloadable rendition", video.id),
            )
            .with_provider(PROVIDER)
        })?;
        let bytes = self.http.download(&file.url).await?;
        let what = format!("pixabay video {}", video.id);
        let id = format!("pixabay-video:{}", video.id);
        Ok(
            downloaded_visual(PROVIDER, MediaKind::VideoClip, id, &what, bytes, query)?
                .with_description(video.tags.trim())
                .with_attribution(credit(&video.user, video.user_url(), &video.page_url)),
        )
    }

    /// Video clips for an image request: search videos, skip excluded ids, download the
    /// best `count` (ranked as [`ImageSource::fetch`] ranks; those in the request's
    /// orientation count as fitting). Usage counts clips and requests.
    ///
    /// # Errors
    /// `NotFound` when nothing matches; the first download error when every download
    /// failed.
    pub async fn fetch_clips(&self, request: &ImageRequest) -> Result<ImageResponse> {
        fetch_media(self, request, false, true).await
    }
}

impl StockVendor for Pixabay {
    type Photo = PixabayImage;
    type Clip = PixabayVideo;

    const PROVIDER: &'static str = PROVIDER;

    async fn photo_candidates(
        &self,
        request: &ImageRequest,
    ) -> Searched<PixabayImage, PixabayVideo> {
        let (page, n) = match self.search_counted(&self.search_for(request), true).await? {
            (CachedPage::Images(page), n) => (page, n),
            (CachedPage::Videos(_), _) => return Err(mixed_cache()),
        };
        let (w, h) = (request.width, request.height);
        let photos = page
            .hits
            .into_iter()
            .filter(|p| !request.exclude.contains(&format!("pixabay:{}", p.id)))
            .map(|p| {
                let fits = covers(&p, w, h);
                let text = p.tags.trim().to_owned();
                Candidate::photo(p, text, fits)
            });
        Ok((photos.collect(), n))
    }

    async fn clip_candidates(
        &self,
        request: &ImageRequest,
    ) -> Searched<PixabayImage, PixabayVideo> {
        let search = self.search_for(request);
        let (page, n) = match self.search_counted(&search, false).await? {
            (CachedPage::Videos(page), n) => (page, n),
            (CachedPage::Images(_), _) => return Err(mixed_cache()),
        };
        let (w, h, want) = (request.width, request.height, search.orientation);
        let clips = page
            .hits
            .into_iter()
            .filter(|v| !request.exclude.contains(&format!("pixabay-video:{}", v.id)))
            .filter_map(|v| {
                let (_, f) = v.best_file(w, h)?;
                let fits = f.width >= w
                    && f.height >= h
                    && Some(orientation_of(f.width, f.height)) == want;
                let text = v.tags.trim().to_owned();
                Some(Candidate::clip(v, text, fits))
            });
        Ok((clips.collect(), n))
    }

    async fn download_found(
        &self,
        found: Found<PixabayImage, PixabayVideo>,
        width: u32,
        height: u32,
        query: &str,
    ) -> Result<Visual> {
        match found {
            Found::Photo(p) => self.download_image(&p, width, height, query).await,
            Found::Clip(v) => self.download_clip(&v, width, height, query).await,
        }
    }
}

/// Pixabay's credit: the uploader, linked to the picture's page on Pixabay
/// (`with_credits` prints it as `- user (pixabay): page`), and the licence with the
/// uploader's profile when the id is known.
fn credit(user: &str, profile: Option<String>, page_url: &str) -> Attribution {
    let license = match profile {
        Some(profile) => format!("{LICENSE}; uploader: {profile}"),
        None => LICENSE.to_owned(),
    };
    Attribution {
        author: user.trim().to_owned(),
        url: Some(page_url.to_owned()),
        license: Some(license),
    }
}

fn mixed_cache() -> Error {
    Error::new(
        ErrorKind::Internal,
        "pixabay: the search cache held the wrong kind of page",
    )
    .with_provider(PROVIDER)
}

/// The smaller of `webformat` (≤ 640 px) and `large` (≤ 1280 px) covering `width`×`height`,
/// else the larger one available.
pub(crate) fn pick_image_size(
    image: &PixabayImage,
    width: u32,
    height: u32,
) -> (&'static str, &str) {
    let web = (image.webformat_width, image.webformat_height);
    let mut sizes: Vec<(&'static str, &str, (u32, u32))> = Vec::new();
    if !image.webformat_url.is_empty() && web.0 > 0 && web.1 > 0 {
        sizes.push(("webformat", image.webformat_url.as_str(), web));
    }
    if let Some(large) = image.large_image_url.as_deref().filter(|u| !u.is_empty()) {
        sizes.push(("large", large, image.large_size()));
    }
    sizes.sort_by_key(|(_, _, (w, h))| u64::from(*w) * u64::from(*h));
    sizes
        .iter()
        .find(|(_, _, (w, h))| *w >= width && *h >= height)
        .or_else(|| sizes.last())
        .map_or(("webformat", image.webformat_url.as_str()), |(n, u, _)| {
            (*n, *u)
        })
}

/// Whether the original of `image` covers `width`×`height` at the size we can download.
fn covers(image: &PixabayImage, width: u32, height: u32) -> bool {
    let (w, h) = image.large_size();
    w.max(image.webformat_width) >= width && h.max(image.webformat_height) >= height
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image() -> PixabayImage {
        serde_json::from_value(serde_json::json!({
            "id": 2796393, "pageURL": "https://pixabay.com/photos/bread-ham-egg-2796393/",
            "type": "photo", "tags": "bread, ham, egg",
            "previewURL": "https://cdn.pixabay.com/photo/x_150.jpg", "previewWidth": 150,
            "webformatURL": "https://pixabay.com/get/abc_640.jpg", "webformatWidth": 640,
            "webformatHeight": 360, "largeImageURL": "https://pixabay.com/get/abc_1280.jpg",
            "imageWidth": 5472, "imageHeight": 3080, "imageSize": 2_000_000, "views": 772,
            "downloads": 494, "likes": 23, "comments": 24, "user_id": 19628, "user": "RitaE",
            "userImageURL": "https://cdn.pixabay.com/user/x.jpg"
        }))
        .unwrap()
    }

    #[test]
    fn parses_a_documented_hit_and_picks_sizes() {
        let img = image();
        assert_eq!(img.large_size(), (1280, 720));
        assert_eq!(
            img.user_url().as_deref(),
            Some("https://pixabay.com/users/RitaE-19628/")
        );
        assert_eq!(pick_image_size(&img, 320, 180).0, "webformat");
        assert_eq!(pick_image_size(&img, 640, 360).0, "webformat");
        assert_eq!(pick_image_size(&img, 1280, 720).0, "large");
        assert_eq!(pick_image_size(&img, 1920, 1080).0, "large", "the largest");
        assert!(covers(&img, 1280, 720) && !covers(&img, 1920, 1080));
    }

    #[test]
    fn errors_are_read_from_plain_text() {
        let v = vendor_error(b"[ERROR 400] Invalid or missing API key");
        assert_eq!(v.message, "Invalid or missing API key");
        assert_eq!(v.kind, Some(ErrorKind::Unauthenticated));
        assert_eq!(v.code.as_deref(), Some("invalid_key"));
        let v = vendor_error(b"[ERROR 400] \"per_page\" is out of valid range.");
        assert_eq!(v.message, "\"per_page\" is out of valid range.");
        assert_eq!(v.kind, None);
        let v = vendor_error(b"<html><body>502 Bad Gateway</body></html>");
        assert_eq!(v.message, "<html><body>502 Bad Gateway</body></html>");
    }

    #[test]
    fn long_queries_are_cut_at_a_word() {
        let long = "octopus ".repeat(20);
        let short = shorten_query(&long);
        assert!(short.chars().count() <= PIXABAY_MAX_QUERY, "{short}");
        assert!(short.ends_with("octopus"));
        assert_eq!(shorten_query(&"x".repeat(150)).len(), 100);
    }

    #[test]
    fn debug_hides_the_key() {
        let cfg = PixabayConfig::new(SecretString::from("sekrit-123"));
        assert!(!format!("{cfg:?}").contains("sekrit"));
    }
}
