//! Wall-clock time for the vendor sources, injectable so tests can move it.
//!
//! [`crate::sources`] vendors compare wall-clock times: Pexels' `X-Ratelimit-Reset` is a UNIX
//! timestamp and its search cache expires after 24 hours. They read the time through a
//! [`Clock`], [`SystemClock`] by default; tests hand them a [`ManualClock`] and advance it
//! instead of sleeping (tokio's paused time cannot be used here: with a real loopback socket
//! it would fire the HTTP client's timeouts early).
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use ytempire_render::sources::{Clock, ManualClock};
//! let clock = ManualClock::at_unix(1_700_000_000);
//! clock.advance(Duration::from_secs(60));
//! assert_eq!(clock.now(), UNIX_EPOCH + Duration::from_secs(1_700_000_060));
//! ```

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of wall-clock time.
pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that stands still until told to move (for tests).
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<SystemTime>,
}

impl ManualClock {
    /// A clock showing `now`.
    pub fn new(now: SystemTime) -> Self {
        Self {
            now: Mutex::new(now),
        }
    }

    /// A clock showing `secs` seconds after the UNIX epoch.
    pub fn at_unix(secs: u64) -> Self {
        Self::new(UNIX_EPOCH + Duration::from_secs(secs))
    }

    /// Move the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now += by;
    }

    /// Set the time.
    pub fn set(&self, to: SystemTime) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = to;
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new(SystemTime::now())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}
