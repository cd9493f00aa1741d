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

/// How often a waiting test looks at the process.
const POLL: Duration = Duration::from_millis(20);

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

    /// Poll `ready` every 10 ms until it holds; fails naming `what` if the process exits
    /// first or `limit` passes.
    pub(crate) async fn until(&mut self, what: &str, limit: Duration, ready: impl Fn() -> bool) {
        let began = Instant::now();
        while !ready() {
            assert!(
                !self.exited(),
                "exited before {what}: {}",
                self.stderr_now()
            );
            assert!(began.elapsed() < limit, "no {what} within {limit:?}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// What it wrote to stderr so far.
    pub(crate) fn stderr_now(&self) -> String {
        std::fs::read_to_string(&self.err).unwrap_or_default()
    }

    /// Kill it now (SIGKILL) and collect its output.
    pub(crate) fn kill(mut self) -> Output {
        self.stop()
    }

    fn stop(&mut self) -> Output {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.collect(None)
    }

    /// Its output once it has exited, or once it ran past `limit` (then killed).
    fn finished(&mut self, limit: Duration) -> Option<Output> {
        if let Ok(Some(status)) = self.child.try_wait() {
            return Some(self.collect(status.code()));
        }
        (self.started.elapsed() > limit).then(|| self.stop())
    }

    /// Wait up to `limit`, killing it then; async-friendly polling.
    pub(crate) async fn wait(mut self, limit: Duration) -> Output {
        loop {
            if let Some(out) = self.finished(limit) {
                return out;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Wait up to `limit` without an async runtime.
    pub(crate) fn wait_blocking(mut self, limit: Duration) -> Output {
        loop {
            if let Some(out) = self.finished(limit) {
                return out;
            }
            std::thread::sleep(POLL);
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

/// [`run`] from an async test: the runtime (and the fakes on it) keeps going while it waits.
pub(crate) async fn run_async(
    dir: &Path,
    args: &[&str],
    env: &[(&str, String)],
    limit: Duration,
) -> Output {
    start(command(dir, args, env), dir, "run").wait(limit).await
}

/// A fresh temporary directory with a [`small_config`] (plus `extra`) in it, and the
/// config's path as the `--config` argument.
pub(crate) fn configured(extra: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = small_config(dir.path(), extra)
        .to_str()
        .unwrap()
        .to_string();
    (dir, cfg)
}

/// The summary line of a rerun that restored every stage and redid none.
pub(crate) const ALL_RESUMED: &str =
    "resumed:    script, narration, visuals, timeline, render, thumbnail, quality";

/// The topic of the videos the tests make.
pub(crate) const TOPIC: &str = "How tides work";

/// `--config CFG make --duration 10 REST…`: a ten-second video; `REST` holds the other flags
/// and the topic.
pub(crate) fn make_args<'a>(cfg: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["--config", cfg, "make", "--duration", "10"];
    args.extend_from_slice(rest);
    args
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

/// Assert that `text` (a command's output) contains each of `parts`, showing `text` when
/// one is missing.
#[track_caller]
pub(crate) fn assert_mentions(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "no {part:?} in:\n{text}");
    }
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

/// A URL whose search path is a fresh schema of this test (created with the queue tables).
pub(crate) fn schema_url(url: &str, name: &str) -> String {
    let schema = format!("cli{}_{name}", std::process::id());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(ytempire_core::queue::PgQueue::connect_with(
        url,
        ytempire_core::queue::PgQueueOptions {
            schema: Some(schema.clone()),
            ..ytempire_core::queue::PgQueueOptions::default()
        },
    ))
    .unwrap();
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-csearch_path%3D{schema}")
}
