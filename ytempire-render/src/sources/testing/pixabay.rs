//! The Pixabay fake: image and video search, CDN downloads, rate-limit headers.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use axum::response::Response;
use serde_json::{Value, json};
use ytempire_core::Result;
use ytempire_core::testing::server::{
    Call, FakeVendor, Fault, Incoming, Route, lock, respond, respond_json, spoil_image,
};

use super::images::{encode_jpeg, picture};
use super::stock::{
    StockFake, StockHandler, check_paging_and_known, paging, param, plain_429, rate_headers,
    result_id, rotated, slug, stock_route,
};

const USERS: &[(&str, u64)] = &[
    ("RitaE", 19_628),
    ("Pexels", 2_286_921),
    ("jplenio", 7_645_255),
    ("Quangpraha", 7_201_644),
    ("Couleur", 1_195_798),
];

/// What Pixabay answers for a missing or wrong key.
const BAD_KEY: &str = "Invalid or missing API key";

/// Pixabay's 429 body.
const RATE_LIMITED: &str = "[ERROR 429] API rate limit exceeded";

/// Pixabay's cap on the hits one query can page through.
const MAX_TOTAL_HITS: u64 = 500;

/// A loopback Pixabay: `GET /api/` (images), `GET /api/videos/`, and the CDN paths its
/// answers link to (`/get/{id}_640.jpg` and `/get/{id}_1280.jpg`, real JPEGs of the sizes
/// the answer declares, and `/video/{id}_{tiny|small|medium}.mp4`, real H.264 clips). Stops
/// when dropped.
///
/// - Auth: the `key` query parameter. A missing key is a 400 `[ERROR 400] Invalid or missing
///   API key` and a recorded violation; a key other than [`FakeServer::require_key`](ytempire_core::testing::server::FakeServer::require_key)'s is
///   the same 400 (no violation). CDN downloads need no key.
/// - Validation (a violation is a 400 `[ERROR 400] …` in Pixabay's plain-text style): `q` at
///   most 100 characters, `image_type` and `orientation` enums (images only), `video_type`
///   (videos only), `safesearch` `true|false`, `page` ≥ 1, `per_page` 3..=200, no unknown
///   parameters.
/// - Every API answer carries `X-RateLimit-Limit`, `-Remaining` and `-Reset` (seconds until
///   the window resets, as Pixabay sends it; see [`StockFake::set_rate_limit`]); when
///   nothing remains the answer is a 429 carrying those headers. An injected
///   [`Fault::RateLimited`] is a 429 without them (as a proxy in front would send).
/// - Each query has [`StockFake::set_results`] results (default 40), deterministic per
///   query and orientation; [`FakePixabay::set_tags`] says what they show.
#[derive(Debug)]
pub struct FakePixabay {
    pub(super) server: StockFake,
    own: Arc<PixabayState>,
}

/// What only the Pixabay fake keeps: the tags of its images and videos.
#[derive(Debug, Default)]
struct PixabayState {
    tags: Mutex<Vec<String>>,
    video_tags: Mutex<Option<Vec<String>>>,
}

impl FakePixabay {
    /// Start on 127.0.0.1 on a free port: 100 requests per window, resetting in 60 s. The
    /// API is under `/api/` of [`StockFake::base_url`].
    ///
    /// # Errors
    /// `Io` when no port can be bound.
    pub async fn start() -> Result<Self> {
        let (server, own) =
            StockFake::start((100, 100, 60), 11, |path| path.starts_with("/api/")).await?;
        Ok(Self { server, own })
    }

    /// Tag results with `tags` (each a comma-separated list, as Pixabay sends): result `i` of
    /// every search gets `tags[(i + k) % n]`, `k` a per-query rotation, and a page URL
    /// slugged from them, so each search returns the whole catalogue in a query-dependent
    /// order. Empty (the default): `test, photo`.
    pub fn set_tags(&self, tags: Vec<String>) {
        *lock(&self.own.tags) = tags;
    }

    /// Tag video results with `tags` instead of [`FakePixabay::set_tags`]'s (which videos
    /// share until this is called), in the same rotation.
    pub fn set_video_tags(&self, tags: Vec<String>) {
        *lock(&self.own.video_tags) = Some(tags);
    }
}

/// The handler behind [`FakePixabay`].
type PixabayVendor = StockHandler<PixabayState>;

/// Original size from the image id's last digit: 0 landscape, 1 portrait, 2 a small
/// landscape (smaller than `largeImageURL`'s 1280 px).
fn image_dims(id: u64) -> (u32, u32) {
    match id % 10 {
        1 => (4000, 6000),
        2 => (960, 640),
        _ => (6000, 4000),
    }
}

/// `orig` scaled to at most `long` pixels on its long side, never up.
fn fit(orig: (u32, u32), long: u32) -> (u32, u32) {
    let side = orig.0.max(orig.1).max(1);
    if side <= long {
        return orig;
    }
    let s =
        |x: u32| ((u64::from(x) * u64::from(long) + u64::from(side) / 2) / u64::from(side)) as u32;
    (s(orig.0).max(1), s(orig.1).max(1))
}

/// The renditions of video `id`: `(name, width, height)`; every third video is vertical,
/// none has a 4K `large`.
fn video_renditions(id: u64) -> [(&'static str, u32, u32); 3] {
    let r = [
        ("tiny", 960, 540),
        ("small", 1280, 720),
        ("medium", 1920, 1080),
    ];
    if id % 3 == 1 {
        r.map(|(n, w, h)| (n, h, w))
    } else {
        r
    }
}

/// A page-URL slug as Pixabay makes them: the first four tag words joined by `-`.
fn pixabay_slug(tags: &str) -> String {
    slug(tags, 4)
}

fn validate(images: bool, q: &[(String, String)]) -> Vec<String> {
    let mut v = Vec::new();
    let get = |k: &str| param(q, k);
    if get("key").is_none_or(|k| k.trim().is_empty()) {
        v.push("`key` is required".to_owned());
    }
    if let Some(s) = get("q")
        && s.chars().count() > 100
    {
        v.push(format!(
            "`q` is {} characters (at most 100)",
            s.chars().count()
        ));
    }
    let one_of = |k: &str, allowed: &[&str], v: &mut Vec<String>| {
        if let Some(x) = get(k)
            && !allowed.contains(&x)
        {
            v.push(format!("`{k}` {x:?} is not {}", allowed.join("|")));
        }
    };
    one_of("safesearch", &["true", "false"], &mut v);
    one_of("order", &["popular", "latest"], &mut v);
    if images {
        one_of(
            "image_type",
            &["all", "photo", "illustration", "vector"],
            &mut v,
        );
        one_of("orientation", &["all", "horizontal", "vertical"], &mut v);
    } else {
        one_of("video_type", &["all", "film", "animation"], &mut v);
    }
    for k in ["min_width", "min_height"] {
        if let Some(x) = get(k)
            && x.parse::<u32>().is_err()
        {
            v.push(format!("`{k}` {x:?} must be an integer"));
        }
    }
    let mut known = vec![
        "key",
        "q",
        "lang",
        "id",
        "category",
        "min_width",
        "min_height",
        "colors",
        "editors_choice",
        "safesearch",
        "order",
        "page",
        "per_page",
        "callback",
        "pretty",
    ];
    if images {
        known.extend(["image_type", "orientation"]);
    } else {
        known.push("video_type");
    }
    check_paging_and_known(q, 3..=200, &known, &mut v);
    v
}

impl PixabayVendor {
    fn user(id: u64) -> (&'static str, u64) {
        USERS[(id % USERS.len() as u64) as usize]
    }

    fn image(origin: &str, id: u64, tags: &str) -> Value {
        let orig = image_dims(id);
        let web = fit(orig, 640);
        let preview = fit(orig, 150);
        let (user, user_id) = Self::user(id);
        json!({
            "id": id,
            "pageURL": format!("https://pixabay.com/photos/{}-{id}/", pixabay_slug(tags)),
            "type": "photo",
            "tags": tags,
            "previewURL": format!("{origin}/get/{id}_150.jpg"),
            "previewWidth": preview.0, "previewHeight": preview.1,
            "webformatURL": format!("{origin}/get/{id}_640.jpg"),
            "webformatWidth": web.0, "webformatHeight": web.1,
            "largeImageURL": format!("{origin}/get/{id}_1280.jpg"),
            "imageWidth": orig.0, "imageHeight": orig.1,
            "imageSize": u64::from(orig.0) * u64::from(orig.1) / 8,
            "views": 1000 + id % 977, "downloads": 500 + id % 491, "collections": 12,
            "likes": 40 + id % 37, "comments": 3,
            "user_id": user_id, "user": user,
            "userImageURL": format!("https://cdn.pixabay.com/user/2020/01/01/{user_id}_250x250.jpg"),
        })
    }

    fn video(origin: &str, id: u64, tags: &str) -> Value {
        let (user, user_id) = Self::user(id);
        let mut files = json!({
            "large": {"url": "", "width": 0, "height": 0, "size": 0, "thumbnail": ""},
        });
        for (name, w, h) in video_renditions(id) {
            files[name] = json!({
                "url": format!("{origin}/video/{id}_{name}.mp4"),
                "width": w, "height": h, "size": u64::from(w) * u64::from(h),
                "thumbnail": format!("{origin}/get/{id}_640.jpg"),
            });
        }
        json!({
            "id": id,
            "pageURL": format!("https://pixabay.com/videos/{}-{id}/", pixabay_slug(tags)),
            "type": "film",
            "tags": tags,
            "duration": 12,
            "videos": files,
            "views": 2000 + id % 977, "downloads": 900 + id % 491, "likes": 50, "comments": 4,
            "user_id": user_id, "user": user,
            "userImageURL": format!("https://cdn.pixabay.com/user/2020/01/01/{user_id}_250x250.jpg"),
        })
    }

    fn search(&self, req: &Incoming, images: bool, q: &[(String, String)]) -> Value {
        let query = param(q, "q").unwrap_or_default().trim().to_lowercase();
        let (page, per_page) = paging(q, 20);
        let total = *lock(&self.stock.results);
        let hits_total = total.min(MAX_TOTAL_HITS);
        let shape = match param(q, "orientation") {
            Some("horizontal") => Some(0),
            Some("vertical") => Some(1),
            _ => None,
        };
        let origin = req.origin();
        let first = (page - 1) * per_page;
        let tags = match &*lock(&self.own.video_tags) {
            Some(video) if !images => video.clone(),
            _ => lock(&self.own.tags).clone(),
        };
        let hits: Vec<Value> = (first..(first + per_page).min(hits_total))
            .map(|i| {
                // Every seventh horizontal result is a small photo.
                let digit = match shape {
                    Some(0) if i % 7 == 6 => 2,
                    Some(s) => s,
                    None => i % 3,
                };
                let id = result_id(&query, i, digit);
                let tag = rotated(&tags, &query, i).unwrap_or("test, photo");
                if images {
                    Self::image(&origin, id, tag)
                } else {
                    Self::video(&origin, id, tag)
                }
            })
            .collect();
        json!({"total": total, "totalHits": hits_total, "hits": hits})
    }

    /// A CDN download: `/get/{id}_{640|1280|150}.jpg` or `/video/{id}_{name}.mp4`.
    async fn media(&self, path: &str, fault: Option<&Fault>) -> Response {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let parse = |file: &str, ext: &str| {
            let (id, size) = file.strip_suffix(ext)?.split_once('_')?;
            Some((id.parse::<u64>().ok()?, size.to_owned()))
        };
        match parts.as_slice() {
            ["get", file] => {
                let Some((id, size)) = parse(file, ".jpg") else {
                    return self.error(404, "not_found", "no such file");
                };
                let Ok(long) = size.parse::<u32>() else {
                    return self.error(404, "not_found", "no such size");
                };
                let (w, h) = fit(image_dims(id), long);
                match encode_jpeg(&picture(id, w, h)) {
                    Ok(jpeg) => respond(200, "image/jpeg", spoil_image(jpeg, fault), &[]),
                    Err(e) => self.error(500, "encode", &e.to_string()),
                }
            }
            ["video", file] => {
                let dims = parse(file, ".mp4").and_then(|(id, name)| {
                    video_renditions(id)
                        .into_iter()
                        .find(|(n, _, _)| *n == name)
                        .map(|(_, w, h)| (w, h))
                });
                let Some((w, h)) = dims else {
                    return self.error(404, "not_found", "no such video");
                };
                self.stock.clips.serve(w, h, fault, self).await
            }
            _ => self.error(404, "not_found", "no such file"),
        }
    }
}

#[async_trait]
impl FakeVendor for PixabayVendor {
    fn route(&self, req: &Incoming) -> Option<Route> {
        stock_route(req, &["/api/", "/api/videos/"], &["/get/", "/video/"])
    }

    /// Pixabay's errors are plain text: `[ERROR 400] message`.
    fn error(&self, status: u16, _code: &str, message: &str) -> Response {
        respond(
            status,
            "text/plain; charset=utf-8",
            format!("[ERROR {status}] {message}").into_bytes(),
            &[],
        )
    }

    fn rate_limited(&self, retry_after_secs: Option<u64>) -> Response {
        plain_429(RATE_LIMITED, retry_after_secs, &[])
    }

    /// A wrong key is Pixabay's 400; a missing one is left to `answer`, which records it as
    /// a violation.
    fn check_auth(&self, req: &Incoming, required: Option<&str>) -> Option<Response> {
        let key = req.query_value("key");
        match (key.as_deref(), required) {
            (Some(sent), Some(want)) if !sent.trim().is_empty() && sent != want => {
                Some(self.error(400, "bad_key", BAD_KEY))
            }
            _ => None,
        }
    }

    async fn answer(&self, call: Call<'_>) -> Response {
        let (req, route, fault, state) = (call.req, call.route, call.fault, call.state);
        if !route.api {
            return self.media(req.uri.path(), fault).await;
        }
        let q = req.query();
        let images = req.uri.path() == "/api/";
        let violations = validate(images, &q);
        if !violations.is_empty() {
            state.violate(&violations);
            let missing_key = violations.iter().any(|v| v.starts_with("`key`"));
            let message = if missing_key {
                BAD_KEY.to_owned()
            } else {
                violations.join("; ")
            };
            return self.error(400, "bad_request", &message);
        }
        if fault == Some(&Fault::Unauthorized) {
            return self.error(400, "bad_key", BAD_KEY);
        }
        match self.stock.rate.spend() {
            Ok(window) => respond_json(200, &self.search(req, images, &q), &rate_headers(window)),
            Err(spent) => plain_429(RATE_LIMITED, None, &rate_headers(spent)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::stock::pairs;
    use super::*;

    #[test]
    fn validation_follows_the_documented_parameters() {
        let ok = pairs(&[
            ("key", "k"),
            ("q", "yellow flowers"),
            ("image_type", "photo"),
            ("orientation", "vertical"),
            ("safesearch", "true"),
            ("per_page", "3"),
        ]);
        assert!(validate(true, &ok).is_empty());
        let bad = pairs(&[
            ("q", &"x".repeat(101)),
            ("orientation", "portrait"),
            ("per_page", "2"),
            ("query", "x"),
        ]);
        let v = validate(true, &bad);
        assert_eq!(v.len(), 5, "{v:?}");
        // The video API has no orientation.
        let v = validate(false, &pairs(&[("key", "k"), ("orientation", "vertical")]));
        assert_eq!(v, ["unknown parameter `orientation`"]);
    }

    #[test]
    fn sizes_fit_the_long_side() {
        assert_eq!(fit((6000, 4000), 640), (640, 427));
        assert_eq!(fit((4000, 6000), 1280), (853, 1280));
        assert_eq!(fit((960, 640), 1280), (960, 640));
        assert_eq!(
            pixabay_slug("Octopus, sea, Coral reef"),
            "octopus-sea-coral-reef"
        );
    }
}
