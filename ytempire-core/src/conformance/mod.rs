//! Conformance suites (feature `testing`): one per provider trait, run against every provider,
//! every fake and every decorator.
//!
//! Each suite module ([`llm`], [`tts`], [`image`], [`upload`], [`trend`]) has public async
//! scenario functions and a `run_all(provider, skips)` that runs them all and returns a
//! [`Report`]. A scenario listed in `skips` is not run but reported as skipped with its reason;
//! a scenario that does not apply to the provider's capabilities reports itself as skipped
//! too. Nothing is dropped silently, and a skip naming an unknown scenario is a failure.
//!
//! ```
//! use ytempire_core::conformance::{llm, Skip};
//! use ytempire_core::testing::FakeLlm;
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let skips = [Skip::new("respects_max_tokens", "this model ignores max_tokens")];
//! let report = llm::run_all(&FakeLlm::new(), &skips).await;
//! assert!(report.is_ok(), "{report}");
//! assert_eq!(report.skipped[0].0, "respects_max_tokens");
//! # }
//! ```

pub mod image;
pub mod llm;
pub mod trend;
pub mod tts;
pub mod upload;

use std::fmt;
use std::future::Future;

/// A scenario the caller asks not to run, with the reason (shown in the [`Report`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skip {
    /// Scenario name, e.g. `"respects_max_tokens"`.
    pub scenario: &'static str,
    /// Why it is skipped.
    pub reason: &'static str,
}

impl Skip {
    /// Skip `scenario` because of `reason`.
    pub const fn new(scenario: &'static str, reason: &'static str) -> Self {
        Self { scenario, reason }
    }
}

/// How one scenario ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The provider behaved as the contract says.
    Passed,
    /// The scenario does not apply (e.g. a capability is off); the reason says why.
    Skipped(String),
    /// The provider broke the contract; the message says how.
    Failed(String),
}

/// The outcome of a suite run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// Suite name (`llm`, `tts`, ...).
    pub suite: &'static str,
    /// The provider's `Display`.
    pub provider: String,
    /// Scenarios that passed.
    pub passed: Vec<&'static str>,
    /// Scenarios skipped, with reasons.
    pub skipped: Vec<(&'static str, String)>,
    /// Scenarios that failed, with messages.
    pub failed: Vec<(&'static str, String)>,
}

impl Report {
    /// True when no scenario failed.
    pub fn is_ok(&self) -> bool {
        self.failed.is_empty()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} conformance for {}: {} passed, {} skipped, {} failed",
            self.suite,
            self.provider,
            self.passed.len(),
            self.skipped.len(),
            self.failed.len()
        )?;
        for (name, msg) in &self.failed {
            writeln!(f, "  FAILED  {name}: {msg}")?;
        }
        for (name, reason) in &self.skipped {
            writeln!(f, "  skipped {name}: {reason}")?;
        }
        Ok(())
    }
}

/// Runs scenarios into a [`Report`], honouring skips.
pub(crate) struct Runner<'a> {
    report: Report,
    skips: &'a [Skip],
    known: Vec<&'static str>,
}

impl<'a> Runner<'a> {
    pub(crate) fn new(suite: &'static str, provider: String, skips: &'a [Skip]) -> Self {
        Self {
            report: Report {
                suite,
                provider,
                ..Report::default()
            },
            skips,
            known: Vec::new(),
        }
    }

    pub(crate) async fn run<F: Future<Output = Verdict>>(&mut self, name: &'static str, fut: F) {
        self.known.push(name);
        if let Some(skip) = self.skips.iter().find(|s| s.scenario == name) {
            self.report.skipped.push((name, skip.reason.to_owned()));
            return;
        }
        match fut.await {
            Verdict::Passed => self.report.passed.push(name),
            Verdict::Skipped(reason) => self.report.skipped.push((name, reason)),
            Verdict::Failed(msg) => self.report.failed.push((name, msg)),
        }
    }

    pub(crate) fn finish(mut self) -> Report {
        for skip in self.skips {
            if !self.known.contains(&skip.scenario) {
                self.report.failed.push((
                    skip.scenario,
                    format!("skip names no scenario of this suite ({})", skip.reason),
                ));
            }
        }
        self.report
    }
}

/// Fail the scenario with a formatted message unless `cond` holds.
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        #[allow(clippy::neg_cmp_op_on_partial_ord, reason = "reads as the contract")]
        if !$cond {
            return $crate::conformance::Verdict::Failed(format!($($msg)+));
        }
    };
}
pub(crate) use ensure;

/// Unwrap an `Ok` or fail the scenario naming the step.
macro_rules! ok_or_fail {
    ($res:expr, $step:literal) => {
        match $res {
            Ok(v) => v,
            Err(e) => {
                return $crate::conformance::Verdict::Failed(format!("{}: {e}", $step));
            }
        }
    };
}
pub(crate) use ok_or_fail;

/// Check an error has `kind`.
pub(crate) fn expect_kind<T: fmt::Debug>(
    result: crate::Result<T>,
    kind: crate::ErrorKind,
    what: &str,
) -> Verdict {
    match result {
        Err(e) if e.kind() == kind => Verdict::Passed,
        Err(e) => Verdict::Failed(format!("{what}: expected {kind}, got {e}")),
        Ok(v) => Verdict::Failed(format!("{what}: expected {kind}, got Ok({v:?})")),
    }
}

#[cfg(test)]
mod tests;
