//! `Cache`: answer repeated requests from a [`CacheStore`] without calling the provider.
//!
//! The key is the SHA-256 of the trait name, provider id, model and the canonical JSON of the
//! request ([`cache_key`]). A hit makes no inner call and returns the stored response with
//! `usage.cached = true` and `usage.requests = 0`, so the ledger records zero cost. Only
//! successes are stored. A store that fails or holds an unreadable entry is logged and
//! treated as a miss: the cache never turns a good answer into an error.
//!
//! Uploads are never cached: `Cache` implements every provider trait except
//! [`Uploader`](crate::Uploader), so a cached uploader does not compile.
//!
//! ```
//! use std::sync::Arc;
//! use ytempire_core::layers::{Cache, MemoryCacheStore};
//! # #[derive(Debug)] struct P;
//! # impl std::fmt::Display for P { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("p") } }
//! let cached = Cache::new(P, Arc::new(MemoryCacheStore::new()));
//! assert_eq!(cached.to_string(), "Cached(p)");
//! ```

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use sha2::{Digest as _, Sha256};

use super::{LayerRequest, LayerResponse, impl_decorator_one};
use crate::{Error, ProviderInfo, Result};

/// Where cached responses live: opaque bytes under hex keys.
#[async_trait]
pub trait CacheStore: Send + Sync + fmt::Debug {
    /// The bytes stored under `key`, if any.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>>;
    /// Store `value` under `key`, replacing what was there.
    async fn put(&self, key: &str, value: &[u8]) -> Result<()>;
}

/// A [`CacheStore`] in memory (per process).
#[derive(Debug, Default)]
pub struct MemoryCacheStore {
    entries: Mutex<HashMap<String, Arc<[u8]>>>,
}

impl MemoryCacheStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<[u8]>>> {
        match self.entries.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

#[async_trait]
impl CacheStore for MemoryCacheStore {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.lock().get(key).map(|v| v.to_vec()))
    }

    async fn put(&self, key: &str, value: &[u8]) -> Result<()> {
        self.lock().insert(key.to_owned(), Arc::from(value));
        Ok(())
    }
}

/// A [`CacheStore`] on disk: one file per entry under `dir/ab/abcdef….json`, written
/// atomically ([`crate::fs::write_atomic`]), so it survives restarts and never holds a
/// half-written entry.
#[derive(Debug, Clone)]
pub struct FsCacheStore {
    dir: PathBuf,
}

impl FsCacheStore {
    /// A store rooted at `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The root directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, key: &str) -> Result<PathBuf> {
        if key.len() < 3 || !key.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::invalid_request(format!(
                "cache key {key:?} must be at least 3 ASCII letters or digits"
            )));
        }
        let (shard, _) = key.split_at(2);
        Ok(self.dir.join(shard).join(format!("{key}.json")))
    }
}

#[async_trait]
impl CacheStore for FsCacheStore {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let path = self.path(key)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(format!("reading {}", path.display()), e)),
        }
    }

    async fn put(&self, key: &str, value: &[u8]) -> Result<()> {
        crate::fs::write_atomic(&self.path(key)?, value).await
    }
}

/// The cache key of `request` for trait `trait_name` at `provider`/`model`: hex SHA-256 of
/// the four, the request as canonical JSON (`serde_json::Value` sorts object keys).
///
/// ```
/// use ytempire_core::layers::cache_key;
/// use ytempire_core::{ChatRequest, Message};
/// let req = ChatRequest::new(vec![Message::user("hi")]);
/// let a = cache_key("LanguageModel", "openai", "gpt-4o", &req).unwrap();
/// let b = cache_key("LanguageModel", "openai", "gpt-4o-mini", &req).unwrap();
/// assert_eq!(a.len(), 64);
/// assert_ne!(a, b);
/// ```
pub fn cache_key<T: serde::Serialize + ?Sized>(
    trait_name: &str,
    provider: &str,
    model: &str,
    request: &T,
) -> Result<String> {
    let canonical = serde_json::to_value(request)?.to_string();
    let mut hasher = Sha256::new();
    for part in [trait_name, provider, model, canonical.as_str()] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Caches its inner provider's answers; see the [layers module docs](crate::layers).
#[derive(Debug, Clone)]
pub struct Cache<P> {
    inner: P,
    store: Arc<dyn CacheStore>,
}

impl<P> Cache<P> {
    /// Cache `inner`'s answers in `store`.
    pub fn new(inner: P, store: Arc<dyn CacheStore>) -> Self {
        Self { inner, store }
    }

    /// The wrapped provider.
    pub fn inner(&self) -> &P {
        &self.inner
    }

    async fn run<Req, R, F, Fut>(&self, info: ProviderInfo, request: &Req, call: F) -> Result<R>
    where
        Req: LayerRequest,
        R: LayerResponse,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<R>>,
    {
        let key = match cache_key(Req::TRAIT, &info.provider, &info.model, request) {
            Ok(key) => key,
            Err(err) => {
                tracing::warn!(error = %err, "request is not cacheable; calling the provider");
                return call().await;
            }
        };
        match self.store.get(&key).await {
            Ok(Some(bytes)) => match serde_json::from_slice::<R>(&bytes) {
                Ok(mut hit) => {
                    let usage = hit.usage_mut();
                    usage.cached = true;
                    usage.requests = 0;
                    return Ok(hit);
                }
                Err(err) => {
                    tracing::warn!(%key, error = %err, "unreadable cache entry; refetching")
                }
            },
            Ok(None) => {}
            Err(err) => tracing::warn!(%key, error = %err, "cache store read failed"),
        }
        let response = call().await?;
        match serde_json::to_vec(&response) {
            Ok(bytes) => {
                if let Err(err) = self.store.put(&key, &bytes).await {
                    tracing::warn!(%key, error = %err, "cache store write failed");
                }
            }
            Err(err) => tracing::warn!(%key, error = %err, "response is not serialisable"),
        }
        Ok(response)
    }
}

impl<P: fmt::Display> fmt::Display for Cache<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cached({})", self.inner)
    }
}

macro_rules! impl_cache {
    ($($trait:ident, $method:ident, $req:ident, $resp:ident;)*) => {$(
        impl_decorator_one!(
            Cache,
            { |this, request, call, info| this.run(info(), request, call).await },
            $trait, $method, $req, $resp
        );
    )*};
}

impl_cache! {
    LanguageModel, complete, ChatRequest, ChatResponse;
    SpeechSynthesizer, synthesize, SpeechRequest, Speech;
    ImageSource, fetch, ImageRequest, ImageResponse;
    TrendSource, trends, TrendRequest, TrendResponse;
}

#[cfg(test)]
mod tests;
