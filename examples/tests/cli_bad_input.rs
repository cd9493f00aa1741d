//! Bad input through the built `ytempire` binary: each case exits within 10 s with the
//! expected code (2 usage error, 1 failure, 0 for help) and one line naming the problem.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod cli_common;

use std::time::Duration;

use cli_common::{run, small_config};

struct Case {
    name: &'static str,
    args: Vec<String>,
    code: i32,
    mentions: &'static [&'static str],
}

#[test]
fn bad_input_fails_fast_with_a_message_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let good = small_config(dir.path(), "");
    let good = good.to_string_lossy().to_string();
    let unknown_key = dir.path().join("unknown.toml");
    std::fs::write(
        &unknown_key,
        "[paths]\noutput_dir = \"out\"\n\n[video]\nfps = 30\nframerate = 30\n",
    )
    .unwrap();
    let bad_value = dir.path().join("bad.toml");
    std::fs::write(&bad_value, "[video]\nduration_secs = -5\n").unwrap();
    let missing = dir.path().join("nope.toml");
    let s = |v: &[&str]| v.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
    let cfg = |extra: &[&str]| {
        let mut v = vec!["--config".to_string(), good.clone()];
        v.extend(extra.iter().map(|s| (*s).to_string()));
        v
    };
    let bad_lanes = dir.path().join("lanes.toml");
    std::fs::write(&bad_lanes, "lanes = \"gpu=2\"\n").unwrap();
    let cases = vec![
        Case {
            name: "unknown lane",
            args: cfg(&["queue", "work", "--lanes", "cpu=1"]),
            code: 2,
            mentions: &["--lanes", "network, render, memory"],
        },
        Case {
            name: "zero renders",
            args: cfg(&["queue", "work", "--lanes", "render=0"]),
            code: 2,
            mentions: &["--lanes", "at least 1"],
        },
        Case {
            name: "unknown lane in the config",
            args: vec![
                "--config".to_string(),
                bad_lanes.to_string_lossy().to_string(),
                "queue".to_string(),
                "list".to_string(),
            ],
            code: 1,
            mentions: &["lanes", "network, render, memory"],
        },
        Case {
            name: "duration 0",
            args: cfg(&["make", "--offline", "--duration", "0"]),
            code: 2,
            mentions: &["--duration", "between 5 and 3600"],
        },
        Case {
            name: "duration -5",
            args: cfg(&["make", "--offline", "--duration", "-5"]),
            code: 2,
            mentions: &["--duration", "between 5 and 3600"],
        },
        Case {
            name: "duration nan",
            args: cfg(&["make", "--offline", "--duration", "nan"]),
            code: 2,
            mentions: &["--duration", "between 5 and 3600"],
        },
        Case {
            name: "duration 1e9",
            args: cfg(&["make", "--offline", "--duration", "1e9"]),
            code: 2,
            mentions: &["--duration", "between 5 and 3600"],
        },
        Case {
            name: "duration abc",
            args: cfg(&["make", "--offline", "--duration", "abc"]),
            code: 2,
            mentions: &["--duration", "seconds"],
        },
        Case {
            name: "empty topic",
            args: cfg(&["make", "--offline", ""]),
            code: 2,
            mentions: &["topic is empty"],
        },
        Case {
            name: "empty --topic",
            args: cfg(&["make", "--offline", "--topic", "  "]),
            code: 2,
            mentions: &["topic is empty"],
        },
        Case {
            name: "missing config",
            args: s(&["--config", missing.to_str().unwrap(), "make", "--offline"]),
            code: 1,
            mentions: &["nope.toml", "does not exist"],
        },
        Case {
            name: "unknown config key",
            args: s(&[
                "--config",
                unknown_key.to_str().unwrap(),
                "make",
                "--offline",
            ]),
            code: 1,
            mentions: &["unknown.toml:6", "framerate"],
        },
        Case {
            name: "bad config value",
            args: s(&["--config", bad_value.to_str().unwrap(), "make", "--offline"]),
            code: 1,
            mentions: &["bad.toml:2", "duration_secs", "between 5 and 3600"],
        },
        Case {
            name: "bad --publish-at",
            args: cfg(&["make", "--upload", "--publish-at", "tomorrow"]),
            code: 2,
            mentions: &["--publish-at", "RFC 3339"],
        },
        Case {
            name: "upload bad --publish-at",
            args: cfg(&[
                "upload",
                "v.mp4",
                "--title",
                "t",
                "--publish-at",
                "2030-13-01",
            ]),
            code: 2,
            mentions: &["--publish-at", "RFC 3339"],
        },
        Case {
            name: "unknown flag",
            args: cfg(&["make", "--bogus"]),
            code: 2,
            mentions: &["--bogus"],
        },
        Case {
            name: "unknown channel",
            args: cfg(&["make", "--offline", "--channel", "nobody"]),
            code: 1,
            mentions: &["nobody"],
        },
        Case {
            name: "bad job id",
            args: cfg(&["make", "--offline", "--job", "a/b"]),
            code: 2,
            mentions: &["--job"],
        },
        Case {
            name: "upload missing file",
            args: cfg(&["upload", "missing.mp4", "--title", "t"]),
            code: 1,
            mentions: &["missing.mp4"],
        },
        Case {
            name: "queue status unknown",
            args: cfg(&["queue", "status", "nope"]),
            code: 1,
            mentions: &["nope", "queue list"],
        },
        Case {
            name: "no subcommand",
            args: s(&[]),
            code: 2,
            mentions: &["Usage"],
        },
        Case {
            name: "--help",
            args: s(&["--help"]),
            code: 0,
            mentions: &["make", "upload", "accounts", "queue", "trends", "report"],
        },
        Case {
            name: "make --help",
            args: s(&["make", "--help"]),
            code: 0,
            mentions: &["--duration", "--upload", "--job"],
        },
        Case {
            name: "queue --help",
            args: s(&["queue", "--help"]),
            code: 0,
            mentions: &["submit", "work"],
        },
    ];
    let mut failures = Vec::new();
    for case in &cases {
        let args: Vec<&str> = case.args.iter().map(String::as_str).collect();
        let out = run(dir.path(), &args, &[], Duration::from_secs(10));
        let text = format!("{}{}", out.stdout, out.stderr);
        let mut problems = Vec::new();
        if out.code != Some(case.code) {
            problems.push(format!("exit {:?}, want {}", out.code, case.code));
        }
        for m in case.mentions {
            if !text.contains(m) {
                problems.push(format!("no {m:?}"));
            }
        }
        if case.code != 0 && case.name != "no subcommand" {
            let lines: Vec<&str> = out
                .stderr
                .lines()
                .filter(|l| !l.trim().is_empty())
                .collect();
            if lines.len() != 1 || !lines[0].starts_with("ytempire: error: ") {
                problems.push(format!(
                    "stderr is not one `ytempire: error:` line: {lines:?}"
                ));
            }
            if out.stderr.contains("Error {") {
                problems.push("Debug output".into());
            }
        }
        if out.elapsed > Duration::from_secs(10) {
            problems.push(format!("took {:?}", out.elapsed));
        }
        eprintln!(
            "{:<24} exit {:?} in {:>5.2}s: {}",
            case.name,
            out.code,
            out.elapsed.as_secs_f64(),
            out.stderr.lines().next().unwrap_or("")
        );
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {} (stderr: {})",
                case.name,
                problems.join(", "),
                out.stderr.trim()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// espeak-ng missing from PATH: the narration stage fails and the command exits at once
/// (the old quickstart waited forever for a `Finished` event).
#[test]
fn missing_espeak_fails_instead_of_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = small_config(dir.path(), "");
    let empty = dir.path().join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let out = run(
        dir.path(),
        &[
            "--config",
            cfg.to_str().unwrap(),
            "make",
            "--offline",
            "--duration",
            "10",
        ],
        &[("PATH", empty.display().to_string())],
        Duration::from_secs(30),
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    let last = out.stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("ytempire: error: "), "{out:?}");
    assert!(last.contains("espeak"), "{out:?}");
    assert!(last.contains("--job"), "says how to resume: {out:?}");
}
