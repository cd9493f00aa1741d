//! Test helpers for users of this crate (feature `testing`): loopback fakes of the vendors.
//!
//! Both fakes share one server core: a scripted reply queue, a record of every request body,
//! the protocol violations found in them, and an optional required API key.

mod anthropic_fake;
mod openai_fake;
mod script_fixtures;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use serde_json::Value;

pub use anthropic_fake::FakeAnthropic;
pub use openai_fake::{FakeOpenAi, FakeReply};
pub use script_fixtures::FIXTURE_CUE;

/// State shared between a fake's handle and its request handler.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    pub(crate) replies: VecDeque<FakeReply>,
    pub(crate) requests: Vec<Value>,
    pub(crate) violations: Vec<String>,
    pub(crate) api_key: Option<String>,
}

/// A running loopback server; stops when dropped.
#[derive(Debug)]
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    /// Serve `routes` on 127.0.0.1 on a free port.
    pub(crate) async fn start(routes: Router<Arc<Mutex<Shared>>>) -> std::io::Result<Self> {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let app = routes.with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, shared, task })
    }

    pub(crate) fn require_key(&self, key: &str) {
        if let Ok(mut s) = self.shared.lock() {
            s.api_key = Some(key.to_owned());
        }
    }

    pub(crate) fn push(&self, replies: impl IntoIterator<Item = FakeReply>) {
        if let Ok(mut s) = self.shared.lock() {
            s.replies.extend(replies);
        }
    }

    pub(crate) fn requests(&self) -> Vec<Value> {
        self.shared
            .lock()
            .map(|s| s.requests.clone())
            .unwrap_or_default()
    }

    pub(crate) fn violations(&self) -> Vec<String> {
        self.shared
            .lock()
            .map(|s| s.violations.clone())
            .unwrap_or_default()
    }
}

/// The public methods every fake has, delegating to its [`Server`].
macro_rules! fake_handle {
    ($ty:ty, $key_doc:literal) => {
        impl $ty {
            #[doc = $key_doc]
            pub fn require_key(&self, key: &str) {
                self.server.require_key(key);
            }

            /// Queue replies, answered in order.
            pub fn push(&self, replies: impl IntoIterator<Item = FakeReply>) {
                self.server.push(replies);
            }

            /// Every request body received.
            pub fn requests(&self) -> Vec<serde_json::Value> {
                self.server.requests()
            }

            /// Every protocol violation found in requests (empty when all were valid).
            pub fn violations(&self) -> Vec<String> {
                self.server.violations()
            }
        }
    };
}
pub(crate) use fake_handle;
