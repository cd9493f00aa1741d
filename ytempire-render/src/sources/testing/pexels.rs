//! The Pexels fake: photo and video search, CDN downloads, rate-limit headers.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use axum::response::Response;
use serde_json::{Value, json};
use ytempire_core::Result;
use ytempire_core::testing::server::{
    Call, FakeVendor, Fault, Incoming, Route, fnv, lock, respond, respond_json, spoil_image,
};

use super::images::{encode_jpeg, picture};
use super::stock::{
    StockFake, StockHandler, check_paging_and_known, paging, param, plain_429, rate_headers,
    result_id, rotated, slug, stock_route,
};

const NAMES: &[&str] = &[
    "Joey Farina",
    "Pixabay",
    "Ana Folau",
    "Tom Fisk",
    "Kelly Lacy",
    "Ron Lach",
];

/// A loopback Pexels: `GET /v1/search`, `GET /videos/search`, and the CDN paths its answers
/// link to (`/photos/{id}/pexels-photo-{id}.jpeg?…` resized like imgix, and
/// `/video-files/{id}/{w}x{h}.mp4`). Stops when dropped.
///
/// - Auth: `Authorization` must hold the bare key; a missing header or a `Bearer ` prefix
///   is a 401 (and a recorded violation). CDN downloads need no key.
/// - Validation: `query` required, `orientation` and `size` enums, `page` ≥ 1,
///   `per_page` 1..=80; a violation is a 400.
/// - Every API answer carries `X-Ratelimit-Limit`, `-Remaining` and `-Reset` (a UNIX
///   timestamp, see [`StockFake::set_rate_limit`]); when nothing remains the answer is a
///   429 **without** those headers, as Pexels does.
/// - Each query has [`StockFake::set_results`] results (default 40), deterministic per
///   query and orientation.
#[derive(Debug)]
pub struct FakePexels {
    pub(super) server: StockFake,
    own: Arc<PexelsState>,
}

/// What only the Pexels fake keeps: how it describes photos and videos.
#[derive(Debug, Default)]
struct PexelsState {
    alts: Mutex<Vec<String>>,
    video_slugs: Mutex<Vec<String>>,
}

impl FakePexels {
    /// Start on 127.0.0.1 on a free port: 200 requests per period, resetting an hour from now.
    ///
    /// # Errors
    /// `Io` when no port can be bound.
    pub async fn start() -> Result<Self> {
        let reset = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
            + 3600;
        let (server, own) =
            StockFake::start((200, 200, reset), 7, |path| path.ends_with("/search")).await?;
        Ok(Self { server, own })
    }

    /// Describe photos with `alts`: result `i` of every search gets `alts[(i + k) % n]`, `k`
    /// a per-query rotation, and a page URL slugged from it, so each search returns the
    /// whole catalogue in a query-dependent order. Empty (the default): `Test photo {id}`.
    pub fn set_alts(&self, alts: Vec<String>) {
        *lock(&self.own.alts) = alts;
    }

    /// Describe videos as Pexels does, by their page URL's slug only (the video API has no
    /// `alt`): result `i` of every video search gets the page
    /// `https://www.pexels.com/video/{slug}-{id}/` with `slug` from `descriptions[(i + k) % n]`
    /// (lower-cased, words joined by `-`), `k` a per-query rotation. Empty (the default):
    /// `test-video`.
    pub fn set_video_descriptions(&self, descriptions: Vec<String>) {
        *lock(&self.own.video_slugs) = descriptions;
    }
}

/// The handler behind [`FakePexels`].
type PexelsVendor = StockHandler<PexelsState>;

/// A page-URL slug as Pexels makes them: lower-cased words joined by `-`.
fn pexels_slug(text: &str) -> String {
    slug(text, usize::MAX)
}

/// Original size from the photo id's last digit: 0 landscape, 1 portrait, 2 square,
/// 3 a small landscape.
fn photo_dims(id: u64) -> (u32, u32) {
    match id % 10 {
        1 => (1600, 2400),
        2 => (2000, 2000),
        3 => (800, 533),
        _ => (2400, 1600),
    }
}

/// The CDN answer for `w`/`h`/`dpr`/`fit` (imgix semantics: crop is exact, otherwise fit
/// within the bounds without upscaling).
fn resized(orig: (u32, u32), q: &[(String, String)]) -> (u32, u32) {
    let get = |k: &str| param(q, k).and_then(|v| v.parse::<f64>().ok());
    let dpr = get("dpr").unwrap_or(1.0);
    let crop = q.iter().any(|(k, v)| k == "fit" && v == "crop");
    let (ow, oh) = (f64::from(orig.0), f64::from(orig.1));
    match (get("w"), get("h")) {
        (Some(w), Some(h)) if crop => ((w * dpr).round() as u32, (h * dpr).round() as u32),
        (None, None) => orig,
        (w, h) => {
            let s = [w.map(|w| w * dpr / ow), h.map(|h| h * dpr / oh)]
                .into_iter()
                .flatten()
                .fold(1.0_f64, f64::min);
            ((ow * s).round() as u32, (oh * s).round() as u32)
        }
    }
}

fn validate(path: &str, q: &[(String, String)]) -> Vec<String> {
    let mut v = Vec::new();
    let get = |k: &str| param(q, k);
    if get("query").is_none_or(|s| s.trim().is_empty()) {
        v.push("`query` is required".to_owned());
    }
    if let Some(o) = get("orientation")
        && !["landscape", "portrait", "square"].contains(&o)
    {
        v.push(format!(
            "`orientation` {o:?} is not landscape|portrait|square"
        ));
    }
    if let Some(s) = get("size")
        && !["large", "medium", "small"].contains(&s)
    {
        v.push(format!("`size` {s:?} is not large|medium|small"));
    }
    let known: &[&str] = if path == "/v1/search" {
        &[
            "query",
            "orientation",
            "size",
            "color",
            "locale",
            "page",
            "per_page",
        ]
    } else {
        &[
            "query",
            "orientation",
            "size",
            "locale",
            "min_width",
            "min_height",
            "min_duration",
            "max_duration",
            "page",
            "per_page",
        ]
    };
    check_paging_and_known(q, 1..=80, known, &mut v);
    v
}

impl PexelsVendor {
    fn photo(origin: &str, id: u64, alt: Option<&str>) -> Value {
        let (w, h) = photo_dims(id);
        let base = format!("{origin}/photos/{id}/pexels-photo-{id}.jpeg");
        let q = "auto=compress&cs=tinysrgb";
        let who = NAMES[(id % NAMES.len() as u64) as usize];
        let handle = who.to_lowercase().replace(' ', "");
        json!({
            "id": id, "width": w, "height": h,
            "url": format!("https://www.pexels.com/photo/{}-{id}/", alt.map_or_else(|| "test-photo".to_owned(), pexels_slug)),
            "photographer": who,
            "photographer_url": format!("https://www.pexels.com/@{handle}"),
            "photographer_id": fnv(who) % 1_000_000,
            "avg_color": "#978E82",
            "src": {
                "original": base,
                "large2x": format!("{base}?{q}&dpr=2&h=650&w=940"),
                "large": format!("{base}?{q}&h=650&w=940"),
                "medium": format!("{base}?{q}&h=350"),
                "small": format!("{base}?{q}&h=130"),
                "portrait": format!("{base}?{q}&fit=crop&h=1200&w=800"),
                "landscape": format!("{base}?{q}&fit=crop&h=627&w=1200"),
                "tiny": format!("{base}?{q}&dpr=1&fit=crop&h=200&w=280"),
            },
            "liked": false,
            "alt": alt.map_or_else(|| format!("Test photo {id}"), str::to_owned),
        })
    }

    fn video(origin: &str, id: u64, portrait: bool, description: Option<&str>) -> Value {
        let (sd, hd) = if portrait {
            ((360, 640), (720, 1280))
        } else {
            ((640, 360), (1280, 720))
        };
        let who = NAMES[(id % NAMES.len() as u64) as usize];
        let file = |fid: u64, quality: &str, (w, h): (u32, u32)| {
            json!({"id": fid, "quality": quality, "file_type": "video/mp4", "width": w, "height": h,
                   "fps": 24.0, "link": format!("{origin}/video-files/{id}/{w}x{h}.mp4")})
        };
        json!({
            "id": id, "width": hd.0, "height": hd.1,
            "url": format!("https://www.pexels.com/video/{}-{id}/", description.map_or_else(|| "test-video".to_owned(), pexels_slug)),
            "image": format!("{origin}/videos/{id}/preview.jpeg"),
            "duration": 12,
            "user": {"id": fnv(who) % 1_000_000, "name": who,
                     "url": format!("https://www.pexels.com/@{}", who.to_lowercase().replace(' ', ""))},
            "video_files": [
                file(id * 10 + 1, "hd", hd),
                file(id * 10 + 2, "sd", sd),
                {"id": id * 10 + 3, "quality": "hls", "file_type": "video/mp4", "width": null,
                 "height": null, "fps": null, "link": format!("{origin}/video-files/{id}/playlist.m3u8")},
            ],
            "video_pictures": [{"id": id * 10, "picture": format!("{origin}/videos/{id}/preview.jpeg"), "nr": 0}],
        })
    }

    fn search(&self, req: &Incoming, q: &[(String, String)]) -> Value {
        let query = param(q, "query").unwrap_or_default().trim().to_lowercase();
        let (page, per_page) = paging(q, 15);
        let total = *lock(&self.stock.results);
        let shape = match param(q, "orientation") {
            Some("portrait") => Some(1),
            Some("square") => Some(2),
            Some(_) => Some(0),
            None => None,
        };
        let origin = req.origin();
        let first = (page - 1) * per_page;
        let results = first..(first + per_page).min(total);
        let id = |i: u64| {
            // Every seventh landscape result is a small photo.
            let digit = match shape {
                Some(0) if i % 7 == 6 => 3,
                Some(s) => s,
                None => i % 4,
            };
            result_id(&query, i, digit)
        };
        let path = req.uri.path();
        let mut body = json!({"page": page, "per_page": per_page, "total_results": total});
        if first + per_page < total {
            let next = format!(
                "{origin}{path}?page={}&per_page={per_page}&query={}",
                page + 1,
                query.replace(' ', "+")
            );
            body["next_page"] = Value::String(next);
        }
        if page > 1 {
            body["prev_page"] = Value::String(format!("{origin}{path}?page={}", page - 1));
        }
        if path == "/v1/search" {
            let alts = lock(&self.own.alts).clone();
            body["photos"] = results
                .map(|i| Self::photo(&origin, id(i), rotated(&alts, &query, i)))
                .collect();
        } else {
            body["url"] = Value::String("https://www.pexels.com/search/videos/".into());
            let slugs = lock(&self.own.video_slugs).clone();
            body["videos"] = results
                .map(|i| Self::video(&origin, id(i), shape == Some(1), rotated(&slugs, &query, i)))
                .collect();
        }
        body
    }
}

#[async_trait]
impl FakeVendor for PexelsVendor {
    fn route(&self, req: &Incoming) -> Option<Route> {
        stock_route(
            req,
            &["/v1/search", "/videos/search"],
            &["/photos/", "/video-files/"],
        )
    }

    fn error(&self, status: u16, code: &str, message: &str) -> Response {
        respond_json(
            status,
            &json!({"status": status, "code": code, "error": message}),
            &[],
        )
    }

    fn rate_limited(&self, retry_after_secs: Option<u64>) -> Response {
        plain_429("Too Many Requests", retry_after_secs, &[])
    }

    fn check_auth(&self, req: &Incoming, required: Option<&str>) -> Option<Response> {
        let auth = req.header("authorization").unwrap_or_default();
        let bad = auth.trim().is_empty()
            || auth.starts_with("Bearer ")
            || required.is_some_and(|k| k != auth);
        bad.then(|| {
            self.error(
                401,
                "unauthorized",
                "Authorization field is missing or invalid",
            )
        })
    }

    async fn answer(&self, call: Call<'_>) -> Response {
        let (req, route, fault, state) = (call.req, call.route, call.fault, call.state);
        let q = req.query();
        if route.api {
            let violations = validate(req.uri.path(), &q);
            if !violations.is_empty() {
                state.violate(&violations);
                return self.error(400, "bad_request", &violations.join("; "));
            }
            if fault == Some(&Fault::Unauthorized) {
                return self.error(
                    401,
                    "unauthorized",
                    "Authorization field is missing or invalid",
                );
            }
            let Ok(window) = self.stock.rate.spend() else {
                return self.rate_limited(None);
            };
            return respond_json(200, &self.search(req, &q), &rate_headers(window));
        }
        let path = req.uri.path();
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match parts.as_slice() {
            ["photos", id, _file] => {
                let Ok(id) = id.parse::<u64>() else {
                    return self.error(404, "not_found", "no such photo");
                };
                let (w, h) = resized(photo_dims(id), &q);
                match encode_jpeg(&picture(id, w.max(1), h.max(1))) {
                    Ok(jpeg) => respond(
                        200,
                        "image/jpeg",
                        spoil_image(jpeg, fault),
                        &[("cache-control", "max-age=2592000".to_owned())],
                    ),
                    Err(e) => self.error(500, "encode", &e.to_string()),
                }
            }
            ["video-files", _id, file] if file.ends_with(".mp4") => {
                let dims = file
                    .trim_end_matches(".mp4")
                    .split_once('x')
                    .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)));
                let Some((w, h)) = dims else {
                    return self.error(404, "not_found", "no such file");
                };
                self.stock.clips.serve(w, h, fault, self).await
            }
            _ => self.error(404, "not_found", "no such file"),
        }
    }
}
