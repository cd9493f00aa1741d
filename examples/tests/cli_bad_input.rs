//! Bad input through the built `ytempire` binary: each case exits within 10 s with the
//! expected code (2 usage error, 1 failure, 0 for help) and one line naming the problem.

use crate::cli_common;

use std::time::Duration;

use cli_common::{configured, make_args, run, small_config};

/// Bad (and help) command lines: a name, the exit code, the words of the command line
/// (`CFG` is a valid config, `DIR/` the test's directory), and what the output must mention
/// (`|` between the parts). One row a line, so the table reads as one.
#[rustfmt::skip]
const CASES: &[(&str, i32, &str, &str)] = &[
    ("unknown lane", 2, "--config CFG queue work --lanes cpu=1", "--lanes|network, render, memory"),
    ("zero renders", 2, "--config CFG queue work --lanes render=0", "--lanes|at least 1"),
    ("unknown lane in the config", 1, "--config DIR/lanes.toml queue list", "lanes|network, render, memory"),
    ("duration 0", 2, "--config CFG make --offline --duration 0", DURATION),
    ("duration -5", 2, "--config CFG make --offline --duration -5", DURATION),
    ("duration nan", 2, "--config CFG make --offline --duration nan", DURATION),
    ("duration 1e9", 2, "--config CFG make --offline --duration 1e9", DURATION),
    ("duration abc", 2, "--config CFG make --offline --duration abc", "--duration|seconds"),
    ("missing config", 1, "--config DIR/nope.toml make --offline", "nope.toml|does not exist"),
    ("unknown config key", 1, "--config DIR/unknown.toml make --offline", "unknown.toml:6|framerate"),
    ("bad config value", 1, "--config DIR/bad.toml make --offline", "bad.toml:2|duration_secs|between 5 and 3600"),
    ("bad --publish-at", 2, "--config CFG make --upload --publish-at tomorrow", "--publish-at|RFC 3339"),
    ("upload bad --publish-at", 2, "--config CFG upload v.mp4 --title t --publish-at 2030-13-01", "--publish-at|RFC 3339"),
    ("unknown flag", 2, "--config CFG make --bogus", "--bogus"),
    ("unknown channel", 1, "--config CFG make --offline --channel nobody", "nobody"),
    ("bad job id", 2, "--config CFG make --offline --job a/b", "--job"),
    ("upload missing file", 1, "--config CFG upload missing.mp4 --title t", "missing.mp4"),
    ("queue status unknown", 1, "--config CFG queue status nope", "nope|queue list"),
    ("queue submit --offline", 1, "--config CFG queue submit Tides --offline", "queue work --offline"),
    ("no subcommand", 2, "", "Usage"),
    ("--help", 0, "--help", "make|upload|accounts|queue|trends|report"),
    ("make --help", 0, "make --help", "--duration|--upload|--job"),
    ("queue --help", 0, "queue --help", "submit|work"),
];

/// What every out-of-range `--duration` must mention.
const DURATION: &str = "--duration|between 5 and 3600";

#[test]
fn bad_input_fails_fast_with_a_message_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let good = small_config(dir.path(), "");
    let good = good.to_str().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "unknown.toml",
        "[paths]\noutput_dir = \"out\"\n\n[video]\nfps = 30\nframerate = 30\n",
    );
    write("bad.toml", "[video]\nduration_secs = -5\n");
    write("lanes.toml", "lanes = \"gpu=2\"\n");
    let here = format!("{}/", dir.path().display());
    let mut cases: Vec<(&str, i32, Vec<String>, &str)> = CASES
        .iter()
        .map(|&(name, code, line, mentions)| {
            let words = line.split_whitespace();
            let words = words.map(|w| w.replace("CFG", good).replace("DIR/", &here));
            (name, code, words.collect(), mentions)
        })
        .collect();
    // Topics of white space only, which the words above cannot hold.
    for (name, rest) in [
        ("empty topic", &[""][..]),
        ("empty --topic", &["--topic", "  "]),
    ] {
        let head = ["--config", good, "make", "--offline"];
        let args = head.iter().chain(rest).map(|a| (*a).to_string()).collect();
        cases.push((name, 2, args, "topic is empty"));
    }
    let mut failures = Vec::new();
    for (name, code, args, mentions) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(dir.path(), &args, &[], Duration::from_secs(10));
        let text = format!("{}{}", out.stdout, out.stderr);
        let mut problems = Vec::new();
        if out.code != Some(*code) {
            problems.push(format!("exit {:?}, want {code}", out.code));
        }
        for m in mentions.split('|') {
            if !text.contains(m) {
                problems.push(format!("no {m:?}"));
            }
        }
        if *code != 0 && *name != "no subcommand" {
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
            name,
            out.code,
            out.elapsed.as_secs_f64(),
            out.stderr.lines().next().unwrap_or("")
        );
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {} (stderr: {})",
                name,
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
    let (dir, cfg) = configured("");
    let empty = dir.path().join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let path = [("PATH", empty.display().to_string())];
    let out = run(
        dir.path(),
        &make_args(&cfg, &["--offline"]),
        &path,
        Duration::from_secs(30),
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    let last = out.stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("ytempire: error: "), "{out:?}");
    assert!(last.contains("espeak"), "{out:?}");
    assert!(last.contains("--job"), "says how to resume: {out:?}");
}
