//! The fake's HTTP side: one hyper connection per socket (so a fault can drop it), one
//! dispatcher speaking Google's wire format.
//!
//! Why it is its own streaming server rather than core's `FakeServer`: see the
//! [module docs](super#why-the-fake-youtube-is-not-cores-fakeserver).

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, Response, StatusCode};
use base64::Engine as _;
use futures::StreamExt as _;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;
use ytempire_core::testing::server::{query_pairs, respond};

use super::{Fault, SeenRequest, Session, Shared, Sink, StoredVideo};
use crate::upload::CHUNK_ALIGN;

pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    stop: CancellationToken,
) {
    loop {
        let accepted = tokio::select! {
            () = stop.cancelled() => return,
            a = listener.accept() => a,
        };
        let Ok((stream, _)) = accepted else { continue };
        let shared = Arc::clone(&shared);
        let stop = stop.clone();
        tokio::spawn(async move {
            let kill = CancellationToken::new();
            let k = kill.clone();
            let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                let shared = Arc::clone(&shared);
                let k = k.clone();
                async move { Ok::<_, Infallible>(dispatch(&shared, &k, req.map(Body::new)).await) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                _ = conn => {}
                () = kill.cancelled() => {}
                () = stop.cancelled() => {}
            }
        });
    }
}

/// A JSON answer as Google sends it (`application/json; charset=UTF-8`).
pub(super) fn reply(status: u16, body: Value) -> Response<Body> {
    respond(
        status,
        "application/json; charset=UTF-8",
        body.to_string().into_bytes(),
        &[],
    )
}

/// `body` cut in half with a well-framed length: the truncation faults' malformed 2xx
/// (`TruncateCompletion`, `TruncateList`, `MalformedFeed`), no content type.
pub(super) fn half(status: u16, body: &str) -> Response<Body> {
    let mut r = Response::new(Body::from(body[..body.len() / 2].to_string()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r
}

/// `Retry-After: 1` on an injected 429 or 503, as Google's front ends send it.
pub(super) fn retry_after_on_busy(mut r: Response<Body>) -> Response<Body> {
    if matches!(r.status().as_u16(), 429 | 503) {
        r.headers_mut()
            .insert("retry-after", axum::http::HeaderValue::from_static("1"));
    }
    r
}

/// Google's error envelope (`{"error":{"code","message","errors":[{…,"reason"}],"status"}}`).
pub(super) fn google_error(
    status: u16,
    reason: &str,
    domain: &str,
    message: &str,
) -> Response<Body> {
    let status_name = match status {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        _ => "INTERNAL",
    };
    reply(
        status,
        json!({"error": {"code": status, "message": message,
            "errors": [{"message": message, "domain": domain, "reason": reason}], "status": status_name}}),
    )
}

/// Decoded query (or form) pairs, by core's decoder; the last of a repeated key wins.
fn query_map(query: &str) -> HashMap<String, String> {
    query_pairs(query).into_iter().collect()
}

/// A header's value, when present and valid text.
pub(super) fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

async fn dispatch(shared: &Shared, kill: &CancellationToken, req: Request<Body>) -> Response<Body> {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    shared.lock().requests.push(SeenRequest {
        method: method.to_string(),
        path: path.clone(),
        query: query.clone(),
    });
    let q = query_map(&query);
    if method == Method::GET && path.starts_with("/youtube/v3/") {
        match super::uploads::take_transport_fault(shared) {
            Some(Fault::ResetList) => {
                kill.cancel();
                std::future::pending::<()>().await;
            }
            Some(_) => std::future::pending::<()>().await,
            None => {}
        }
    }
    match (method, path.as_str()) {
        (Method::POST, "/token") => token(shared, req).await,
        (Method::GET, "/auth") => auth(shared, &q),
        (Method::POST, "/upload/youtube/v3/videos") => start_session(shared, &q, req).await,
        (Method::PUT, "/upload/youtube/v3/videos") => put_session(shared, kill, &q, req).await,
        (Method::POST, "/upload/youtube/v3/thumbnails/set") => thumbnail(shared, &q, req).await,
        (Method::GET, "/youtube/v3/videos") => super::lists::list_videos(shared, &q, req.headers()),
        (Method::GET, "/youtube/v3/search") => super::search::search(shared, &q, req.headers()),
        (Method::GET, p) if p.starts_with("/feeds/") => {
            super::feeds::serve(shared, p, req.headers())
        }
        (Method::GET, "/youtube/v3/channels") => {
            super::lists::list_channels(shared, &q, req.headers())
        }
        (Method::GET, "/youtube/v3/playlistItems") => {
            super::uploads::playlist_items(shared, &q, req.headers())
        }
        _ => google_error(404, "notFound", "global", "Not Found"),
    }
}

fn violation(shared: &Shared, reason: &str, message: String) -> Response<Body> {
    shared
        .lock()
        .violations
        .push(format!("{reason}: {message}"));
    google_error(400, reason, "global", &message)
}

/// Authenticate, check the query against discovery, apply rate-limit faults and charge quota.
/// Returns the account name.
pub(super) fn api_gate(
    shared: &Shared,
    method: &str,
    q: &HashMap<String, String>,
    h: &HeaderMap,
) -> Result<String, Box<Response<Body>>> {
    let token = header(h, "authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let mut s = shared.lock();
    let Some(account) = s.tokens.get(token).cloned() else {
        return Err(Box::new(google_error(
            401,
            "authError",
            "global",
            "Request had invalid authentication credentials.",
        )));
    };
    if let Err(v) = shared.discovery.check_query(method, q) {
        s.violations.push(format!("{}: {}", v.reason, v.message));
        return Err(Box::new(google_error(400, v.reason, "global", &v.message)));
    }
    if let Some(pos) = s
        .faults
        .iter()
        .position(|f| matches!(f, Fault::RateLimitNext { .. }))
    {
        if let Fault::RateLimitNext { count } = &mut s.faults[pos] {
            *count -= 1;
            if *count == 0 {
                s.faults.remove(pos);
            }
        }
        return Err(Box::new(google_error(
            403,
            "rateLimitExceeded",
            "usageLimits",
            "Rate Limit Exceeded",
        )));
    }
    let project = s
        .accounts
        .iter()
        .find(|a| a.name == account)
        .map(|a| a.project.clone())
        .unwrap_or_default();
    let cost = shared.costs.cost(method);
    let used = s.quota_used.get(&project).copied().unwrap_or(0);
    if let Some(limit) = s.quota_limit.get(&project)
        && used + cost > *limit
    {
        return Err(Box::new(google_error(
            403,
            "quotaExceeded",
            "youtube.quota",
            "The request cannot be completed because you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>.",
        )));
    }
    *s.quota_used.entry(project).or_default() += cost;
    Ok(account)
}

async fn token(shared: &Shared, req: Request<Body>) -> Response<Body> {
    let Ok(body) = axum::body::to_bytes(req.into_body(), 64 * 1024).await else {
        return reply(400, json!({"error": "invalid_request"}));
    };
    let form = query_map(&String::from_utf8_lossy(&body));
    if form.get("client_id").map(String::as_str) != Some(super::FAKE_CLIENT_ID)
        || form.get("client_secret").map(String::as_str) != Some(super::FAKE_CLIENT_SECRET)
    {
        return reply(
            401,
            json!({"error": "invalid_client", "error_description": "The OAuth client was not found."}),
        );
    }
    let mut s = shared.lock();
    let account = match form.get("grant_type").map(String::as_str) {
        Some("refresh_token") => {
            let rt = form.get("refresh_token").cloned().unwrap_or_default();
            match s
                .accounts
                .iter()
                .find(|a| a.refresh_token == rt && !a.revoked)
            {
                Some(a) => a.name.clone(),
                None => {
                    return reply(
                        400,
                        json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."}),
                    );
                }
            }
        }
        Some("authorization_code") => {
            let code = form.get("code").cloned().unwrap_or_default();
            let Some((account, challenge, redirect)) = s.codes.remove(&code) else {
                return reply(
                    400,
                    json!({"error": "invalid_grant", "error_description": "Malformed auth code."}),
                );
            };
            let verifier = form.get("code_verifier").cloned().unwrap_or_default();
            let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(Sha256::digest(verifier.as_bytes()));
            if computed != challenge || form.get("redirect_uri") != Some(&redirect) {
                return reply(
                    400,
                    json!({"error": "invalid_grant", "error_description": "Bad code verifier or redirect_uri."}),
                );
            }
            account
        }
        _ => return reply(400, json!({"error": "unsupported_grant_type"})),
    };
    s.refreshes += 1;
    s.counter += 1;
    let access = format!("ya29.fake-{}", s.counter);
    s.tokens.insert(access.clone(), account.clone());
    let mut body = json!({"access_token": access, "expires_in": 3599, "scope": crate::oauth::SCOPE_UPLOAD, "token_type": "Bearer"});
    if form.get("grant_type").map(String::as_str) == Some("authorization_code") {
        body["refresh_token"] = json!(
            s.accounts
                .iter()
                .find(|a| a.name == account)
                .map(|a| a.refresh_token.clone())
        );
    }
    reply(200, body)
}

fn auth(shared: &Shared, q: &HashMap<String, String>) -> Response<Body> {
    let (Some(redirect), Some(challenge), Some(state)) = (
        q.get("redirect_uri"),
        q.get("code_challenge"),
        q.get("state"),
    ) else {
        return reply(400, json!({"error": "invalid_request"}));
    };
    if q.get("code_challenge_method").map(String::as_str) != Some("S256")
        || q.get("response_type").map(String::as_str) != Some("code")
    {
        return reply(
            400,
            json!({"error": "invalid_request", "error_description": "PKCE S256 and response_type=code are required"}),
        );
    }
    let mut s = shared.lock();
    s.counter += 1;
    let code = format!("4/fake-code-{}", s.counter);
    let account = s.consenting.clone().unwrap_or_default();
    s.codes
        .insert(code.clone(), (account, challenge.clone(), redirect.clone()));
    let location = format!("{redirect}?state={state}&code={}", code.replace('/', "%2F"));
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::FOUND;
    if let Ok(v) = axum::http::HeaderValue::from_str(&location) {
        r.headers_mut().insert("location", v);
    }
    r
}

async fn start_session(
    shared: &Shared,
    q: &HashMap<String, String>,
    req: Request<Body>,
) -> Response<Body> {
    let h = req.headers().clone();
    if q.get("uploadType").map(String::as_str) != Some("resumable") {
        return violation(
            shared,
            "invalidParameter",
            "videos.insert: the fake serves uploadType=resumable only".into(),
        );
    }
    let account = match api_gate(shared, "videos.insert", q, &h) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let media = shared
        .discovery
        .method("videos.insert")
        .and_then(|m| m.media_upload.as_ref());
    let total: Option<u64> = header(&h, "x-upload-content-length").and_then(|v| v.parse().ok());
    let Some(total) = total.filter(|t| *t > 0 && media.is_none_or(|m| *t <= m.max_bytes())) else {
        return violation(
            shared,
            "invalidParameter",
            "X-Upload-Content-Length must be a positive size within maxSize".into(),
        );
    };
    let mime = header(&h, "x-upload-content-type").unwrap_or("");
    if !media.is_some_and(|m| m.accepts(mime)) {
        return violation(
            shared,
            "invalidParameter",
            format!("X-Upload-Content-Type {mime:?} is not accepted"),
        );
    }
    if !header(&h, "content-type").is_some_and(|c| c.starts_with("application/json")) {
        return violation(
            shared,
            "invalidParameter",
            "the session body must be application/json".into(),
        );
    }
    let Ok(body) = axum::body::to_bytes(req.into_body(), 1024 * 1024).await else {
        return violation(shared, "parseError", "unreadable body".into());
    };
    let Ok(resource) = serde_json::from_slice::<Value>(&body) else {
        return violation(
            shared,
            "parseError",
            "the video resource is not JSON".into(),
        );
    };
    let parts: Vec<&str> = q
        .get("part")
        .map(|p| p.split(',').collect())
        .unwrap_or_default();
    if let Some(obj) = resource.as_object()
        && let Some(k) = obj.keys().find(|k| !parts.contains(&k.as_str()))
    {
        return violation(
            shared,
            "unexpectedPart",
            format!("the body sets {k} but part does not name it"),
        );
    }
    let title = resource
        .pointer("/snippet/title")
        .and_then(Value::as_str)
        .unwrap_or("");
    if title.is_empty() || title.chars().count() > 100 || title.contains(['<', '>']) {
        return violation(
            shared,
            "invalidTitle",
            "snippet.title is required, at most 100 characters, without < or >".into(),
        );
    }
    if let Some(p) = resource
        .pointer("/status/privacyStatus")
        .and_then(Value::as_str)
        && !["public", "private", "unlisted"].contains(&p)
    {
        return violation(
            shared,
            "invalidVideoMetadata",
            format!("privacyStatus {p:?}"),
        );
    }
    if let Some(at) = resource.pointer("/status/publishAt") {
        let parsed = at
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
        let private = resource
            .pointer("/status/privacyStatus")
            .and_then(Value::as_str)
            == Some("private");
        if parsed.is_none() || !private {
            return violation(
                shared,
                "invalidPublishAt",
                format!("status.publishAt {at} must be an RFC 3339 time on a private video"),
            );
        }
    }
    let mut s = shared.lock();
    if s.accounts
        .iter()
        .any(|a| a.name == account && a.upload_limited)
    {
        return google_error(
            400,
            "uploadLimitExceeded",
            "youtube.video",
            "The user has exceeded the number of videos they may upload.",
        );
    }
    s.counter += 1;
    let id = format!("up{}x{}", s.counter, rand::random::<u32>());
    let sink = if s.hashing {
        Sink::Hash(Sha256::new(), 0)
    } else {
        Sink::Store(Vec::new())
    };
    s.sessions.insert(
        id.clone(),
        Session {
            account,
            total,
            resource,
            sink,
            done: None,
        },
    );
    let location = format!(
        "{}/upload/youtube/v3/videos?uploadType=resumable&upload_id={id}&part={}",
        shared.base,
        q.get("part")
            .cloned()
            .unwrap_or_default()
            .replace(',', "%2C")
    );
    let mut r = Response::new(Body::empty());
    if let Ok(v) = axum::http::HeaderValue::from_str(&location) {
        r.headers_mut().insert("location", v);
    }
    r
}

fn incomplete(have: u64) -> Response<Body> {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::PERMANENT_REDIRECT;
    if have > 0
        && let Ok(v) = axum::http::HeaderValue::from_str(&format!("bytes=0-{}", have - 1))
    {
        r.headers_mut().insert("range", v);
    }
    r
}

fn completed(shared: &Shared, resource: &Value) -> Response<Body> {
    let mut s = shared.lock();
    if let Some(pos) = s
        .faults
        .iter()
        .position(|f| *f == Fault::TruncateCompletion)
    {
        s.faults.remove(pos);
        return half(201, &resource.to_string());
    }
    reply(201, resource.clone())
}

async fn put_session(
    shared: &Shared,
    kill: &CancellationToken,
    q: &HashMap<String, String>,
    req: Request<Body>,
) -> Response<Body> {
    let id = q.get("upload_id").cloned().unwrap_or_default();
    let h = req.headers().clone();
    let range = header(&h, "content-range").unwrap_or("").to_string();
    let Some(spec) = range.strip_prefix("bytes ") else {
        return violation(
            shared,
            "badContentRange",
            format!("Content-Range {range:?}"),
        );
    };
    let (span, total) = spec.split_once('/').unwrap_or(("", ""));
    let total: u64 = total.parse().unwrap_or(0);
    {
        let s = shared.lock();
        match s.sessions.get(&id) {
            None => {
                return google_error(
                    404,
                    "notFound",
                    "global",
                    "upload session not found or expired",
                );
            }
            Some(sess) if sess.total != total => {
                drop(s);
                return violation(
                    shared,
                    "badContentRange",
                    format!("total {total} does not match X-Upload-Content-Length"),
                );
            }
            Some(sess) => {
                if let Some(done) = &sess.done {
                    let done = done.clone();
                    drop(s);
                    return completed(shared, &done);
                }
                if span == "*" && sess.sink.len() < total {
                    return incomplete(sess.sink.len());
                }
            }
        }
    }
    if span == "*" {
        // Every byte arrived but the reply was lost: finish now.
        return finish(shared, &id, total);
    }
    let (first, last) = span.split_once('-').unwrap_or(("", ""));
    let (Ok(first), Ok(last)) = (first.parse::<u64>(), last.parse::<u64>()) else {
        return violation(
            shared,
            "badContentRange",
            format!("Content-Range {range:?}"),
        );
    };
    let len = last + 1 - first.min(last + 1);
    if last >= total
        || header(&h, "content-length").and_then(|v| v.parse::<u64>().ok()) != Some(len)
    {
        return violation(
            shared,
            "badContentRange",
            format!(
                "{range:?} with Content-Length {:?}",
                header(&h, "content-length")
            ),
        );
    }
    if last + 1 != total && len % CHUNK_ALIGN != 0 {
        return violation(
            shared,
            "badChunkSize",
            format!("a non-final chunk of {len} bytes is not a multiple of 262144"),
        );
    }
    // Which fault (if any) applies to this chunk.
    let (chunk, fault) = {
        let mut s = shared.lock();
        s.chunks_seen += 1;
        let n = s.chunks_seen;
        let pos = s.faults.iter().position(|f| match f {
            Fault::DropMidChunk { chunk, .. }
            | Fault::ServerErrorOnChunk { chunk, .. }
            | Fault::ExpireSessionOnChunk { chunk } => *chunk == n,
            _ => false,
        });
        (n, pos.map(|p| s.faults.remove(p)))
    };
    match fault {
        Some(Fault::ServerErrorOnChunk { status, .. }) => {
            return google_error(
                status,
                "backendError",
                "global",
                &format!("injected failure on chunk {chunk}"),
            );
        }
        Some(Fault::ExpireSessionOnChunk { .. }) => {
            shared.lock().sessions.remove(&id);
            return google_error(404, "notFound", "global", "upload session expired");
        }
        _ => {}
    }
    let drop_after = match fault {
        Some(Fault::DropMidChunk { after_bytes, .. }) => Some(after_bytes),
        _ => None,
    };
    let mut pos = first;
    let mut stream = req.into_body().into_data_stream();
    while let Some(frame) = stream.next().await {
        let Ok(mut data) = frame else { break };
        if let Some(limit) = drop_after {
            let room = (first + limit).saturating_sub(pos);
            data.truncate(usize::try_from(room).unwrap_or(usize::MAX));
        }
        {
            let mut s = shared.lock();
            let Some(sess) = s.sessions.get_mut(&id) else {
                break;
            };
            let have = sess.sink.len();
            let end = pos + data.len() as u64;
            if pos > have {
                drop(s);
                return violation(
                    shared,
                    "badContentRange",
                    format!("chunk starts at {pos} but the server holds {have} bytes"),
                );
            }
            if end > have {
                let skip = usize::try_from(have - pos).unwrap_or(0);
                sess.sink.push(&data[skip..]);
            }
            pos = end;
        }
        if drop_after.is_some_and(|limit| pos >= first + limit) {
            break;
        }
    }
    if drop_after.is_some() {
        kill.cancel();
        std::future::pending::<()>().await;
    }
    finish(shared, &id, total)
}

/// Answer 308 while bytes are missing; otherwise store the video and answer 201.
fn finish(shared: &Shared, id: &str, total: u64) -> Response<Body> {
    let mut s = shared.lock();
    let Some(sess) = s.sessions.get_mut(id) else {
        return google_error(
            404,
            "notFound",
            "global",
            "upload session not found or expired",
        );
    };
    let have = sess.sink.len();
    if have < total {
        return incomplete(have);
    }
    let (sha, bytes) = match std::mem::replace(&mut sess.sink, Sink::Store(Vec::new())) {
        Sink::Store(v) => (super::sha256_hex(&v), v),
        Sink::Hash(h, _) => (hex::encode(h.finalize()), Vec::new()),
    };
    sess.sink = Sink::Hash(Sha256::new(), total);
    let account = sess.account.clone();
    let mut resource = sess.resource.clone();
    let channel = s
        .accounts
        .iter()
        .find(|a| a.name == account)
        .map(|a| a.channel_id.clone())
        .unwrap_or_default();
    s.counter += 1;
    let video_id = format!("vid{:08}", s.counter);
    resource["kind"] = json!("youtube#video");
    resource["etag"] = json!(format!("etag-{video_id}"));
    resource["id"] = json!(video_id);
    resource["snippet"]["channelId"] = json!(channel);
    resource["status"]["uploadStatus"] = json!("uploaded");
    if let Some(sess) = s.sessions.get_mut(id) {
        sess.done = Some(resource.clone());
    }
    s.videos.push(StoredVideo {
        id: video_id,
        account,
        resource: resource.clone(),
        len: total,
        sha256: sha,
        bytes,
    });
    drop(s);
    completed(shared, &resource)
}

async fn thumbnail(
    shared: &Shared,
    q: &HashMap<String, String>,
    req: Request<Body>,
) -> Response<Body> {
    let h = req.headers().clone();
    if !matches!(q.get("uploadType").map(String::as_str), Some("media")) {
        return violation(
            shared,
            "invalidParameter",
            "thumbnails.set: the fake serves uploadType=media".into(),
        );
    }
    let injected = {
        let mut s = shared.lock();
        let pos = s
            .faults
            .iter()
            .position(|f| matches!(f, Fault::ThumbnailError { .. }));
        pos.map(|p| s.faults.remove(p))
    };
    if let Some(Fault::ThumbnailError { status }) = injected {
        let mut r = google_error(
            status,
            "backendError",
            "global",
            "injected thumbnail failure",
        );
        if status == 429 {
            r.headers_mut()
                .insert("retry-after", axum::http::HeaderValue::from_static("1"));
        }
        return r;
    }
    if let Err(r) = api_gate(shared, "thumbnails.set", q, &h) {
        return *r;
    }
    let media = shared
        .discovery
        .method("thumbnails.set")
        .and_then(|m| m.media_upload.as_ref());
    let mime = header(&h, "content-type").unwrap_or("").to_string();
    if !media.is_some_and(|m| m.accepts(&mime)) {
        return violation(
            shared,
            "invalidParameter",
            format!("thumbnail Content-Type {mime:?} is not accepted"),
        );
    }
    let max = media.map_or(2_097_152, super::discovery::Media::max_bytes);
    let Ok(body) =
        axum::body::to_bytes(req.into_body(), usize::try_from(max).unwrap_or(usize::MAX)).await
    else {
        return violation(
            shared,
            "mediaBodyTooLarge",
            format!("thumbnail over {max} bytes"),
        );
    };
    let video_id = q.get("videoId").cloned().unwrap_or_default();
    let mut s = shared.lock();
    if !s.videos.iter().any(|v| v.id == video_id) {
        return google_error(
            404,
            "videoNotFound",
            "youtube.thumbnail",
            "The video that you are trying to update cannot be found.",
        );
    }
    s.thumbnails.insert(video_id, (mime, body.to_vec()));
    reply(
        200,
        json!({"kind": "youtube#thumbnailSetResponse", "etag": "t", "items": [{"default": {"url": "http://127.0.0.1/t.jpg", "width": 120, "height": 90}}]}),
    )
}
