//! A loopback fake YouTube for tests (feature `testing`).
//!
//! [`FakeYouTube::start`] binds `127.0.0.1:0` and serves, in Google's wire format:
//! - `POST /token` (refresh-token and PKCE authorization-code grants; `invalid_grant` for
//!   revoked tokens) and `GET /auth` (consent that redirects straight back with a code);
//! - the resumable `videos.insert` protocol: session start, chunk `PUT`s answered with
//!   `308` + `Range`, status queries (`Content-Range: bytes */TOTAL`), `201` + video resource;
//!   bytes are stored exactly (or, with [`FakeYouTube::start_hashing`], only hashed, for
//!   multi-gigabyte tests);
//! - `thumbnails.set`, `videos.list` (by id or `chart=mostPopular`), `channels.list` (by id
//!   or `mine=true`; parts `id`, `snippet`, `contentDetails`, `statistics`), with counts as JSON strings;
//! - trend routes: `search.list` over videos added with [`FakeYouTube::add_search_video`]
//!   (keywords, `type`, `order`, `publishedAfter`, `maxResults`), whose statistics,
//!   publishing times and `madeForKids` then come from `videos.list` by id; and
//!   `GET /feeds/NAME`, an RSS or Atom feed ([`FakeYouTube::set_feed`], fixtures
//!   [`RSS_FIXTURE`], [`ATOM_FIXTURE`]) with `ETag`/`Last-Modified` and `304 Not Modified`;
//! - `playlistItems.list` over each channel's uploads playlist (`UU…`, named by
//!   `channels.list part=contentDetails`): videos uploaded to the fake and those added with
//!   [`FakeYouTube::add_channel_upload`], newest first, 50 a page at most, `nextPageToken`;
//! - `status.publishAt` checked as Google does (RFC 3339, private videos only) and stored;
//! - per-project quota accounting with Google's costs.
//!
//! Every API request is checked against the official discovery document (required
//! parameters, `part` values, enums, unexpected parameters, `uploadType`, media types and
//! sizes, upload headers); a broken rule answers 400 and is recorded in
//! [`FakeYouTube::violations`]. Faults ([`Fault`]) are injected one-shot.
//!
//! # Why the fake YouTube is not core's `FakeServer`
//!
//! Every other vendor fake is a `FakeVendor` on [`ytempire_core::testing::server`], which
//! reads each request's whole body before the vendor sees it and applies its faults to whole
//! answers. The resumable upload protocol needs what that cannot give:
//!
//! - chunk bodies are consumed as a stream, hashed or stored piece by piece
//!   ([`FakeYouTube::start_hashing`](FakeYouTube::start_hashing) keeps memory constant
//!   for multi-gigabyte uploads, which buffering would defeat);
//! - [`Fault::DropMidChunk`] keeps exactly the first `after_bytes` of a chunk and then
//!   resets the connection *while the client is still sending* — a fault on the request
//!   body, where core's faults cut the response;
//! - faults are counted per data-bearing chunk (`ServerErrorOnChunk`,
//!   `ExpireSessionOnChunk`) and per method family (`RateLimitNext`, `ListError`,
//!   `ResetList`, `StallList`), not per route kind.
//!
//! The non-upload routes (token, search, lists, feeds) share this server's one state (tokens
//! minted by `/token` authorise `videos.list`; uploads appear in `playlistItems.list`; one
//! quota ledger) and one origin (`Endpoints::all_at`), so they stay here too rather than
//! being split across two servers. What core does share is used: its `lock` (poisoned state
//! keeps serving), its query decoder (`query_pairs`, also for the token form) and its
//! `respond` for JSON answers. Not used: core's `Recorded` (it cannot be built outside core,
//! and tests here read the raw query of a [`SeenRequest`]) and its 429/5xx faults (YouTube
//! answers a rate limit with 403 `rateLimitExceeded`, and a list 429/503 with
//! `Retry-After: 1`, in Google's error envelope, built once in `server.rs`).
//!
//! ```no_run
//! # async fn demo() -> ytempire_core::Result<()> {
//! use ytempire_youtube::testing::{Fault, FakeYouTube};
//! let fake = FakeYouTube::start().await?;
//! let refresh = fake.add_account("main", "project-a", "UCmain");
//! fake.inject(Fault::DropMidChunk { chunk: 2, after_bytes: 1000 });
//! // point Endpoints::all_at(&fake.base_url()) at it…
//! # Ok(()) }
//! ```

mod discovery;
mod feeds;
mod lists;
mod search;
mod server;
mod uploads;

pub use feeds::{ATOM_FIXTURE, RSS_FIXTURE};
pub use search::SearchVideo;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;
use ytempire_core::testing::server::lock;
use ytempire_core::{Error, Result};

use crate::client::Endpoints;
use crate::quota::QuotaCosts;

/// The client id the fake's token endpoint accepts.
pub const FAKE_CLIENT_ID: &str = "fake-client-id.apps.googleusercontent.com";
/// The client secret the fake's token endpoint accepts.
pub const FAKE_CLIENT_SECRET: &str = "fake-client-secret";

/// A one-shot fault. Chunks are numbered from 1 over every data-bearing `PUT` the fake
/// receives (status queries are not chunks).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Store the first `after_bytes` bytes of chunk `chunk`, then drop the connection.
    /// `after_bytes` equal to the chunk length drops after the whole chunk arrived.
    DropMidChunk {
        /// Which chunk.
        chunk: u32,
        /// Bytes kept before the drop.
        after_bytes: u64,
    },
    /// Answer chunk `chunk` with this 5xx status without storing it.
    ServerErrorOnChunk {
        /// Which chunk.
        chunk: u32,
        /// The status, e.g. 503.
        status: u16,
    },
    /// Expire the session when chunk `chunk` arrives (404; the client must start over).
    ExpireSessionOnChunk {
        /// Which chunk.
        chunk: u32,
    },
    /// Answer the next `count` API calls with 403 `rateLimitExceeded`.
    RateLimitNext {
        /// How many.
        count: u32,
    },
    /// Cut the body of the next `201` completion reply in half (malformed JSON).
    TruncateCompletion,
    /// Answer the next `thumbnails.set` with this status (a Google `backendError` envelope;
    /// a 429 also carries `Retry-After: 1`) without storing the thumbnail.
    ThumbnailError {
        /// The status, e.g. 503.
        status: u16,
    },
    /// Answer the next list call (`videos.list`, `search.list`, `playlistItems.list`) with
    /// this status and a `backendError` envelope (`Retry-After: 1` on 429 and 503), after
    /// charging its quota.
    ListError {
        /// The status, e.g. 503.
        status: u16,
    },
    /// Cut the body of the next list reply in half (malformed JSON, status 200).
    TruncateList,
    /// Drop the connection of the next list call (`videos`, `search`, `channels`,
    /// `playlistItems`) without a reply (a reset; nothing is charged).
    ResetList,
    /// Never answer the next list call (the client's timeout must fire; nothing is charged).
    StallList,
    /// Answer the next feed request with this status (an HTML error page).
    FeedError {
        /// The status, e.g. 503.
        status: u16,
    },
    /// Cut the next full feed reply in half (malformed XML, status 200).
    MalformedFeed,
}

/// A finished upload as the fake stored it.
#[derive(Debug, Clone)]
pub struct StoredVideo {
    /// Video id.
    pub id: String,
    /// Account that uploaded it.
    pub account: String,
    /// The video resource returned.
    pub resource: Value,
    /// Bytes received.
    pub len: u64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// The bytes (empty in hashing mode).
    pub bytes: Vec<u8>,
}

/// An HTTP request the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenRequest {
    /// `GET`, `POST`, `PUT`.
    pub method: String,
    /// Path without query.
    pub path: String,
    /// Raw query.
    pub query: String,
}

#[derive(Debug)]
pub(crate) struct FakeAccountState {
    pub(crate) name: String,
    pub(crate) project: String,
    pub(crate) channel_id: String,
    pub(crate) channel_title: String,
    pub(crate) refresh_token: String,
    pub(crate) revoked: bool,
    pub(crate) upload_limited: bool,
}

pub(crate) enum Sink {
    Store(Vec<u8>),
    Hash(Sha256, u64),
}

impl Sink {
    pub(crate) fn len(&self) -> u64 {
        match self {
            Self::Store(v) => v.len() as u64,
            Self::Hash(_, n) => *n,
        }
    }

    pub(crate) fn push(&mut self, bytes: &[u8]) {
        match self {
            Self::Store(v) => v.extend_from_slice(bytes),
            Self::Hash(h, n) => {
                h.update(bytes);
                *n += bytes.len() as u64;
            }
        }
    }
}

pub(crate) struct Session {
    pub(crate) account: String,
    pub(crate) total: u64,
    pub(crate) resource: Value,
    pub(crate) sink: Sink,
    pub(crate) done: Option<Value>,
}

#[derive(Default)]
pub(crate) struct State {
    pub(crate) hashing: bool,
    pub(crate) accounts: Vec<FakeAccountState>,
    pub(crate) tokens: HashMap<String, String>,
    pub(crate) codes: HashMap<String, (String, String, String)>,
    pub(crate) consenting: Option<String>,
    pub(crate) sessions: HashMap<String, Session>,
    pub(crate) videos: Vec<StoredVideo>,
    pub(crate) thumbnails: HashMap<String, (String, Vec<u8>)>,
    pub(crate) popular: Vec<Value>,
    pub(crate) searchable: Vec<SearchVideo>,
    pub(crate) channel_uploads: HashMap<String, Vec<SearchVideo>>,
    pub(crate) feeds: HashMap<String, feeds::FakeFeed>,
    pub(crate) channel_stats: HashMap<String, Value>,
    pub(crate) quota_used: BTreeMap<String, u64>,
    pub(crate) quota_limit: HashMap<String, u64>,
    pub(crate) faults: Vec<Fault>,
    pub(crate) chunks_seen: u32,
    pub(crate) requests: Vec<SeenRequest>,
    pub(crate) violations: Vec<String>,
    pub(crate) refreshes: u32,
    pub(crate) counter: u64,
}

pub(crate) struct Shared {
    pub(crate) state: Mutex<State>,
    pub(crate) discovery: discovery::Discovery,
    pub(crate) costs: QuotaCosts,
    pub(crate) base: String,
}

impl Shared {
    /// The fake's state (core's [`lock`]: a poisoned lock still serves).
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
}

/// The running fake; stops when dropped.
pub struct FakeYouTube {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: CancellationToken,
}

impl std::fmt::Debug for FakeYouTube {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeYouTube")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for FakeYouTube {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl FakeYouTube {
    /// Start a fake that stores uploaded bytes.
    pub async fn start() -> Result<Self> {
        Self::start_with(false).await
    }

    /// Start a fake that only hashes uploaded bytes (constant memory for huge uploads).
    pub async fn start_hashing() -> Result<Self> {
        Self::start_with(true).await
    }

    async fn start_with(hashing: bool) -> Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| Error::io("binding the fake YouTube", e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::io("reading the fake's address", e))?;
        let discovery = discovery::Discovery::load()
            .ok_or_else(|| Error::internal("the embedded discovery subset does not parse"))?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                hashing,
                ..State::default()
            }),
            discovery,
            costs: QuotaCosts::default(),
            base: format!("http://{addr}"),
        });
        let stop = CancellationToken::new();
        tokio::spawn(server::serve(listener, Arc::clone(&shared), stop.clone()));
        Ok(Self { shared, addr, stop })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.shared.base.clone()
    }

    /// Endpoints that point every call at this fake.
    pub fn endpoints(&self) -> Endpoints {
        Endpoints::all_at(&self.shared.base)
    }

    /// Register an account; returns its refresh token.
    pub fn add_account(&self, name: &str, project: &str, channel_id: &str) -> String {
        let mut s = self.shared.lock();
        s.counter += 1;
        let refresh = format!("1//fake-refresh-{}-{name}", s.counter);
        s.accounts.push(FakeAccountState {
            name: name.into(),
            project: project.into(),
            channel_id: channel_id.into(),
            channel_title: name.into(),
            refresh_token: refresh.clone(),
            revoked: false,
            upload_limited: false,
        });
        if s.consenting.is_none() {
            s.consenting = Some(name.into());
        }
        refresh
    }

    /// Mint an access token for `account` directly (skipping the token endpoint).
    pub fn issue_token(&self, account: &str) -> String {
        let mut s = self.shared.lock();
        s.counter += 1;
        let token = format!("ya29.fake-{}", s.counter);
        s.tokens.insert(token.clone(), account.into());
        token
    }

    /// Set the title `channels.list` reports for `account`'s channel (default: the account's
    /// name).
    pub fn set_channel_title(&self, account: &str, title: &str) {
        let mut s = self.shared.lock();
        for a in s.accounts.iter_mut().filter(|a| a.name == account) {
            a.channel_title = title.into();
        }
    }

    /// Which account `GET /auth` consents as.
    pub fn set_consenting_account(&self, account: &str) {
        self.shared.lock().consenting = Some(account.into());
    }

    /// Revoke an account's refresh token (the token endpoint then answers `invalid_grant`).
    pub fn revoke(&self, account: &str) {
        let mut s = self.shared.lock();
        for a in s.accounts.iter_mut().filter(|a| a.name == account) {
            a.revoked = true;
        }
        s.tokens.retain(|_, v| v != account);
    }

    /// Allow `project` only `units` per day (then `quotaExceeded`).
    pub fn set_quota_limit(&self, project: &str, units: u64) {
        self.shared.lock().quota_limit.insert(project.into(), units);
    }

    /// Make `account`'s channel answer uploads with `uploadLimitExceeded`.
    pub fn set_upload_limited(&self, account: &str, limited: bool) {
        let mut s = self.shared.lock();
        for a in s.accounts.iter_mut().filter(|a| a.name == account) {
            a.upload_limited = limited;
        }
    }

    /// Queue a one-shot fault.
    pub fn inject(&self, fault: Fault) {
        self.shared.lock().faults.push(fault);
    }

    /// Expire every open session.
    pub fn expire_sessions(&self) {
        self.shared.lock().sessions.retain(|_, s| s.done.is_some());
    }

    /// Put a video on the most-popular chart.
    pub fn add_popular_video(&self, id: &str, title: &str, views: u64, tags: &[&str]) {
        self.shared.lock().popular.push(serde_json::json!({
            "kind": "youtube#video", "etag": "e", "id": id,
            "snippet": {"title": title, "channelId": "UCpopular", "tags": tags},
            "statistics": {"viewCount": views.to_string(), "likeCount": (views / 20).to_string(), "commentCount": "3", "favoriteCount": "0"}
        }));
    }

    /// Put a fully described video (publishing time, description, `madeForKids`) on the
    /// most-popular chart.
    pub fn add_popular(&self, video: &SearchVideo) {
        self.shared.lock().popular.push(video.resource());
    }

    /// Make a video findable by `search.list` (and describable by `videos.list` by id).
    pub fn add_search_video(&self, video: SearchVideo) {
        self.shared.lock().searchable.push(video);
    }

    /// Put `video` in `channel_id`'s uploads playlist (as a past upload of that channel;
    /// `playlistItems.list` lists them newest first, after any video uploaded to the fake).
    pub fn add_channel_upload(&self, channel_id: &str, video: SearchVideo) {
        self.shared
            .lock()
            .channel_uploads
            .entry(channel_id.into())
            .or_default()
            .push(video);
    }

    /// `channel_id`'s uploads playlist id (`UCabc` → `UUabc`).
    pub fn uploads_playlist(channel_id: &str) -> String {
        uploads::uploads_playlist(channel_id)
    }

    /// Serve `body` at `/feeds/NAME` as `content_type` (e.g. `application/rss+xml`); setting
    /// it again changes its `ETag` and `Last-Modified`. Returns its URL.
    pub fn set_feed(&self, name: &str, body: &str, content_type: &str) -> String {
        let mut s = self.shared.lock();
        s.counter += 1;
        let feed = feeds::FakeFeed::new(body, content_type, s.counter);
        s.feeds.insert(name.into(), feed);
        format!("{}/feeds/{name}", self.shared.base)
    }

    /// Feed `name`'s replies so far: (full bodies, `304 Not Modified`s).
    pub fn feed_hits(&self, name: &str) -> (u32, u32) {
        self.shared
            .lock()
            .feeds
            .get(name)
            .map_or((0, 0), |f| (f.full, f.not_modified))
    }

    /// Set a channel's statistics.
    pub fn set_channel_statistics(
        &self,
        channel_id: &str,
        views: u64,
        subscribers: u64,
        videos: u64,
    ) {
        self.shared.lock().channel_stats.insert(
            channel_id.into(),
            serde_json::json!({"viewCount": views.to_string(), "subscriberCount": subscribers.to_string(), "hiddenSubscriberCount": false, "videoCount": videos.to_string()}),
        );
    }

    /// Finished uploads, oldest first.
    pub fn videos(&self) -> Vec<StoredVideo> {
        self.shared.lock().videos.clone()
    }

    /// Thumbnails set: video id → (content type, bytes).
    pub fn thumbnails(&self) -> HashMap<String, (String, Vec<u8>)> {
        self.shared.lock().thumbnails.clone()
    }

    /// Quota units charged to `project` (the fake never resets).
    pub fn quota_used(&self, project: &str) -> u64 {
        self.shared
            .lock()
            .quota_used
            .get(project)
            .copied()
            .unwrap_or(0)
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.shared.lock().requests.clone()
    }

    /// Requests that broke a discovery-document rule (each also answered 400).
    pub fn violations(&self) -> Vec<String> {
        self.shared.lock().violations.clone()
    }

    /// Refresh-token grants served.
    pub fn refreshes(&self) -> u32 {
        self.shared.lock().refreshes
    }

    /// Sessions currently open (not finished).
    pub fn open_sessions(&self) -> usize {
        self.shared
            .lock()
            .sessions
            .values()
            .filter(|s| s.done.is_none())
            .count()
    }

    /// Faults queued but not yet triggered.
    pub fn pending_faults(&self) -> Vec<Fault> {
        self.shared.lock().faults.clone()
    }
}

/// Hex SHA-256 of `bytes` (to compare with [`StoredVideo::sha256`]).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
