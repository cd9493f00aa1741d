//! [`MemoryArtifacts`]: an [`ArtifactBackend`] that keeps its objects in memory, the way
//! `object_store`'s in-memory store stands in for a bucket: resume jobs "on another machine"
//! in tests by wiping the local folder.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;

use crate::Result;
use crate::pipeline::ArtifactBackend;

/// Objects in memory, keyed like a bucket; counts the bytes it was sent and served.
#[derive(Debug, Default)]
pub struct MemoryArtifacts {
    objects: Mutex<BTreeMap<String, Vec<u8>>>,
    puts: AtomicUsize,
    gets: AtomicUsize,
}

impl MemoryArtifacts {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The keys it holds, in order.
    pub fn keys(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    /// How many objects were stored (including replacements).
    pub fn puts(&self) -> usize {
        self.puts.load(Ordering::SeqCst)
    }

    /// How many objects were served.
    pub fn gets(&self) -> usize {
        self.gets.load(Ordering::SeqCst)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Vec<u8>>> {
        self.objects
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl ArtifactBackend for MemoryArtifacts {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let found = self.lock().get(key).cloned();
        if found.is_some() {
            self.gets.fetch_add(1, Ordering::SeqCst);
        }
        Ok(found)
    }

    async fn put(&self, key: &str, bytes: &[u8]) -> Result<()> {
        self.puts.fetch_add(1, Ordering::SeqCst);
        self.lock().insert(key.to_owned(), bytes.to_vec());
        Ok(())
    }

    async fn list(&self, prefix: &str) -> Result<Vec<(String, u64)>> {
        Ok(self
            .lock()
            .range(prefix.to_owned()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.len() as u64))
            .collect())
    }
}
