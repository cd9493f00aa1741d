//! Running the built `ytempire` binary in tests: a clean environment, a deadline that kills
//! it, and its output captured through files (no pipe can fill up and block it).

#![allow(dead_code, reason = "each test file uses part of this module")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers"
)]

pub(crate) mod fakes;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Vendor variables cleared for every run so a developer's keys are never used.
pub(crate) const CLEARED: &[&str] = &[
    // The queue's database: the PostgreSQL test server's URL must not leak into every test.
    "DATABASE_URL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "ELEVENLABS_API_KEY",
    "GOOGLE_TTS_API_KEY",
    "GOOGLE_API_KEY",
    "PEXELS_API_KEY",
    "PEXELS_BASE_URL",
    "PIXABAY_API_KEY",
    "PIXABAY_BASE_URL",
    "STABILITY_API_KEY",
    "YTEMPIRE_CONFIG",
    "YTEMPIRE_TOKEN_KEY",
    "YTEMPIRE_YOUTUBE_API_BASE",
    "YTEMPIRE_YOUTUBE_UPLOAD_BASE",
    "YTEMPIRE_OAUTH_TOKEN_URL",
    "RUST_LOG",
    // Piper's discovery: tests point these where they mean to.
    "YTEMPIRE_HOME",
    "YTEMPIRE_ONNXRUNTIME",
    "YTEMPIRE_PIPER_VOICES",
];

/// What a finished run printed.
#[derive(Debug)]
pub(crate) struct Output {
    /// Exit code (`None`: killed at the deadline).
    pub(crate) code: Option<i32>,
    /// Standard output.
    pub(crate) stdout: String,
    /// Standard error.
    pub(crate) stderr: String,
    /// How long it ran.
    pub(crate) elapsed: Duration,
}

/// A started `ytempire` process.
pub(crate) struct Running {
    child: Child,
    out: PathBuf,
    err: PathBuf,
    started: Instant,
}

/// A `ytempire` command in `dir` with a clean environment plus `env`.
pub(crate) fn command(dir: &Path, args: &[&str], env: &[(&str, String)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ytempire"));
    cmd.args(args).current_dir(dir);
    for k in CLEARED {
        cmd.env_remove(k);
    }
    cmd.env("XDG_RUNTIME_DIR", std::env::temp_dir());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Start `cmd`, its output going to files under `dir`.
pub(crate) fn start(mut cmd: Command, dir: &Path, tag: &str) -> Running {
    let out = dir.join(format!("{tag}.stdout"));
    let err = dir.join(format!("{tag}.stderr"));
    let child = cmd
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    Running {
        child,
        out,
        err,
        started: Instant::now(),
    }
}

impl Running {
    /// Whether it has exited.
    pub(crate) fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// What it wrote to stderr so far.
    pub(crate) fn stderr_now(&self) -> String {
        std::fs::read_to_string(&self.err).unwrap_or_default()
    }

    /// Kill it now (SIGKILL) and collect its output.
    pub(crate) fn kill(mut self) -> Output {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.collect(None)
    }

    /// Wait up to `limit`, killing it then; async-friendly polling.
    pub(crate) async fn wait(mut self, limit: Duration) -> Output {
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return self.collect(status.code());
            }
            if self.started.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return self.collect(None);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Wait up to `limit` without an async runtime.
    pub(crate) fn wait_blocking(mut self, limit: Duration) -> Output {
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return self.collect(status.code());
            }
            if self.started.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return self.collect(None);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn collect(&self, code: Option<i32>) -> Output {
        Output {
            code,
            stdout: std::fs::read_to_string(&self.out).unwrap_or_default(),
            stderr: std::fs::read_to_string(&self.err).unwrap_or_default(),
            elapsed: self.started.elapsed(),
        }
    }
}

/// Run to completion (killed after `limit`).
pub(crate) fn run(dir: &Path, args: &[&str], env: &[(&str, String)], limit: Duration) -> Output {
    start(command(dir, args, env), dir, "run").wait_blocking(limit)
}

/// A small, fast config: 320×180 at 15 fps, CPU compositor, two thumbnails, everything under
/// `dir`, plus `extra` TOML appended.
pub(crate) fn small_config(dir: &Path, extra: &str) -> PathBuf {
    let path = dir.join("ytempire.toml");
    let text = format!(
        r#"[paths]
output_dir = "{out}"
data_dir = "{data}"

[video]
width = 320
height = 180
fps = 15
compositor = "cpu"
thumbnails = 2
quality_threshold = 0.0

[providers]
probe_local = false

{extra}
"#,
        out = dir.join("out").display(),
        data = dir.join("data").display(),
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// The path printed after `label` (e.g. `video:`) on a line of `stdout`.
pub(crate) fn printed_paths(stdout: &str, label: &str) -> Vec<PathBuf> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix(label))
        .map(|rest| {
            let rest = rest.trim();
            // "…, verdict (PATH)" or "$x (report: PATH)" or a bare path.
            let inner = rest
                .rsplit_once('(')
                .map(|(_, p)| p.trim_end_matches(')').trim_start_matches("report: "))
                .unwrap_or(rest);
            PathBuf::from(inner.trim())
        })
        .collect()
}
