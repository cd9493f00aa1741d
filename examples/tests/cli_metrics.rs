//! `ytempire queue work --watch --metrics-addr 127.0.0.1:PORT` through the built binary
//! against the loopback fakes: `/metrics` is scraped while a job's paid script request is
//! held at the fake OpenAI (one job running), after the job is cancelled there (the stage
//! and the provider attempt count as cancelled), and after it is retried and made and
//! uploaded. Every scrape is parsed by a strict parser of the Prometheus text format, and
//! every family of `ytempire_core::telemetry` is checked for its labels and sane values.
//! No label may carry the topic, the job id or a key.

use crate::cli_common;

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use cli_common::fakes::{SOLO, Stack};
use cli_common::{TOPIC, run};
use ytempire_core::telemetry;
use ytempire_llm::testing::FakeReply;

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// One metric family: its `# TYPE`, `# HELP` and samples.
#[derive(Debug, Default)]
struct Family {
    kind: String,
    help: Option<String>,
    samples: Vec<Sample>,
}

/// The parsed exposition, by family name.
#[derive(Debug)]
struct Exposition(BTreeMap<String, Family>);

fn valid_name(name: &str, colons: bool) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || (colons && c == ':'))
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || (colons && c == ':'))
}

fn parse_value(token: &str, at: &str) -> f64 {
    match token {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        t => {
            assert!(
                !t.is_empty()
                    && t.chars()
                        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-')),
                "{at}: bad value {t:?}"
            );
            t.parse()
                .unwrap_or_else(|e| panic!("{at}: bad value {t:?}: {e}"))
        }
    }
}

/// `name{label="value",…} value [timestamp]`, strictly.
fn parse_sample(line: &str, at: &str) -> Sample {
    let end = line
        .find(['{', ' '])
        .unwrap_or_else(|| panic!("{at}: no value"));
    let name = &line[..end];
    assert!(valid_name(name, true), "{at}: bad metric name {name:?}");
    let mut rest = &line[end..];
    let mut labels = BTreeMap::new();
    if let Some(after) = rest.strip_prefix('{') {
        rest = after;
        loop {
            if let Some(after) = rest.strip_prefix('}') {
                rest = after;
                break;
            }
            let eq = rest
                .find('=')
                .unwrap_or_else(|| panic!("{at}: label without ="));
            let key = &rest[..eq];
            assert!(
                valid_name(key, false) && !key.starts_with("__"),
                "{at}: bad label name {key:?}"
            );
            rest = rest[eq + 1..]
                .strip_prefix('"')
                .unwrap_or_else(|| panic!("{at}: label value not quoted"));
            let mut value = String::new();
            let mut chars = rest.char_indices();
            let close = loop {
                match chars.next() {
                    Some((i, '"')) => break i,
                    Some((_, '\\')) => match chars.next() {
                        Some((_, '\\')) => value.push('\\'),
                        Some((_, '"')) => value.push('"'),
                        Some((_, 'n')) => value.push('\n'),
                        other => panic!("{at}: bad escape {other:?}"),
                    },
                    Some((_, c)) => value.push(c),
                    None => panic!("{at}: unterminated label value"),
                }
            };
            rest = &rest[close + 1..];
            assert!(
                labels.insert(key.to_string(), value).is_none(),
                "{at}: label {key} twice"
            );
            if let Some(after) = rest.strip_prefix(',') {
                rest = after;
            } else {
                assert!(rest.starts_with('}'), "{at}: expected , or }}");
            }
        }
    }
    let rest = rest
        .strip_prefix(' ')
        .unwrap_or_else(|| panic!("{at}: no space before the value"));
    let mut tokens = rest.split(' ');
    let value = parse_value(tokens.next().unwrap_or_default(), at);
    if let Some(ts) = tokens.next() {
        ts.parse::<i64>()
            .unwrap_or_else(|e| panic!("{at}: bad timestamp {ts:?}: {e}"));
    }
    assert!(tokens.next().is_none(), "{at}: trailing text");
    Sample {
        name: name.to_string(),
        labels,
        value,
    }
}

impl Exposition {
    /// Parse text format 0.0.4: every sample belongs to a family declared by `# TYPE`
    /// before it, each family's lines are contiguous, histograms are well formed.
    fn parse(text: &str) -> Self {
        let mut families: BTreeMap<String, Family> = BTreeMap::new();
        let mut current: Option<String> = None;
        let mut closed: HashSet<String> = HashSet::new();
        let mut enter = |name: &str, current: &mut Option<String>, at: &str| {
            if current.as_deref() != Some(name) {
                assert!(!closed.contains(name), "{at}: family {name} is split");
                if let Some(c) = current.take() {
                    closed.insert(c);
                }
                *current = Some(name.to_string());
            }
        };
        for (n, line) in text.lines().enumerate() {
            let at = format!("line {}: {line:?}", n + 1);
            if line.is_empty() {
                continue;
            }
            if let Some(rest) = line.strip_prefix('#') {
                let mut parts = rest.trim_start().splitn(3, ' ');
                let (keyword, name) = (parts.next(), parts.next());
                let name = match (keyword, name) {
                    (Some("HELP" | "TYPE"), Some(name)) => name,
                    _ => continue, // a plain comment
                };
                assert!(valid_name(name, true), "{at}: bad family name");
                enter(name, &mut current, &at);
                let family = families.entry(name.to_string()).or_default();
                let text = parts.next().unwrap_or_default().to_string();
                if keyword == Some("HELP") {
                    assert!(family.help.replace(text).is_none(), "{at}: HELP twice");
                } else {
                    assert!(family.kind.is_empty(), "{at}: TYPE twice");
                    assert!(family.samples.is_empty(), "{at}: TYPE after samples");
                    assert!(
                        ["counter", "gauge", "histogram", "summary", "untyped"]
                            .contains(&text.as_str()),
                        "{at}: unknown type"
                    );
                    family.kind = text;
                }
                continue;
            }
            let sample = parse_sample(line, &at);
            let family_name = ["_bucket", "_sum", "_count"]
                .iter()
                .filter_map(|s| sample.name.strip_suffix(s))
                .find(|base| {
                    families
                        .get(*base)
                        .is_some_and(|f| f.kind == "histogram" || f.kind == "summary")
                })
                .unwrap_or(&sample.name)
                .to_string();
            let family = families
                .get_mut(&family_name)
                .unwrap_or_else(|| panic!("{at}: no # TYPE for {family_name}"));
            assert!(
                !family.kind.is_empty(),
                "{at}: no # TYPE before the samples"
            );
            enter(&family_name, &mut current, &at);
            if family.kind == "histogram" && sample.name.ends_with("_bucket") {
                assert!(sample.labels.contains_key("le"), "{at}: bucket without le");
            }
            family.samples.push(sample);
        }
        let me = Self(families);
        me.check_histograms();
        me
    }

    /// Cumulative buckets ending at `+Inf`, which equals `_count`; a `_sum` for each series.
    fn check_histograms(&self) {
        for (name, family) in self.0.iter().filter(|(_, f)| f.kind == "histogram") {
            let mut series: BTreeMap<BTreeMap<String, String>, Vec<(f64, f64)>> = BTreeMap::new();
            for s in family
                .samples
                .iter()
                .filter(|s| s.name.ends_with("_bucket"))
            {
                let mut key = s.labels.clone();
                let le = parse_value(&key.remove("le").unwrap(), name);
                series.entry(key).or_default().push((le, s.value));
            }
            assert!(!series.is_empty(), "{name}: a histogram without buckets");
            for (labels, buckets) in series {
                assert!(
                    buckets
                        .windows(2)
                        .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1),
                    "{name}{labels:?}: buckets not cumulative: {buckets:?}"
                );
                let (le, inf) = *buckets.last().unwrap();
                assert!(le.is_infinite(), "{name}{labels:?}: no +Inf bucket");
                let find = |suffix: &str| {
                    family
                        .samples
                        .iter()
                        .find(|s| s.name == format!("{name}{suffix}") && s.labels == labels)
                        .unwrap_or_else(|| panic!("{name}{labels:?}: no {suffix}"))
                        .value
                };
                assert_eq!(
                    find("_count"),
                    inf,
                    "{name}{labels:?}: +Inf bucket != _count"
                );
                assert!(find("_sum") >= 0.0, "{name}{labels:?}: negative _sum");
            }
        }
    }

    fn family(&self, name: &str) -> Option<&Family> {
        self.0.get(name)
    }

    /// The value of the one sample `name` whose labels include `labels`.
    fn value(&self, family: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let matches: Vec<_> = self
            .family(family)?
            .samples
            .iter()
            .filter(|s| {
                s.name == name
                    && labels
                        .iter()
                        .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .collect();
        assert!(
            matches.len() <= 1,
            "{name}{labels:?} is ambiguous: {matches:?}"
        );
        matches.first().map(|s| s.value)
    }

    /// The label names of every sample of `family` (without `le`).
    fn label_names(&self, family: &str) -> HashSet<Vec<String>> {
        self.family(family)
            .map(|f| {
                f.samples
                    .iter()
                    .map(|s| s.labels.keys().filter(|k| *k != "le").cloned().collect())
                    .collect()
            })
            .unwrap_or_default()
    }
}

async fn scrape(port: u16) -> Option<Exposition> {
    let resp = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .ok()?;
    assert!(resp.status().is_success(), "{}", resp.status());
    let text = resp.text().await.unwrap();
    Some(Exposition::parse(&text))
}

/// Scrape until `done` holds (the worker must stay up; 300 s at most, a hang guard).
async fn scrape_until(
    port: u16,
    worker: &mut cli_common::Running,
    what: &str,
    done: impl Fn(&Exposition) -> bool,
) -> Exposition {
    let began = Instant::now();
    loop {
        assert!(!worker.exited(), "worker exited: {}", worker.stderr_now());
        if let Some(e) = scrape(port).await
            && done(&e)
        {
            return e;
        }
        assert!(
            began.elapsed() < Duration::from_secs(300),
            "never saw {what}; worker: {}",
            worker.stderr_now()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

const STAGE: &str = telemetry::STAGE_DURATION_SECONDS;

fn stage_count(e: &Exposition, stage: &str, outcome: &str) -> f64 {
    e.value(
        STAGE,
        &format!("{STAGE}_count"),
        &[("stage", stage), ("outcome", outcome)],
    )
    .unwrap_or(0.0)
}

fn gauge(e: &Exposition, name: &str) -> Option<f64> {
    e.value(name, name, &[])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_work_serves_every_metric_family_while_jobs_run() {
    let fakes = Stack::start().await;
    let llm = &fakes.llm;
    // The first script request is held: the job is running while it waits.
    llm.push([FakeReply::Delay(Duration::from_secs(600))]);
    let cfg = fakes.config(&[SOLO]).await;
    let env = fakes.env();
    let q = |args: &[&str]| {
        let mut all = vec!["--config", cfg.as_str(), "queue"];
        all.extend_from_slice(args);
        run(fakes.path(), &all, &env, Duration::from_secs(60))
    };
    let sub = q(&[
        "submit",
        TOPIC,
        "--duration",
        "10",
        "--job",
        "tides",
        "--upload",
    ]);
    assert_eq!(sub.code, Some(0), "{sub:?}");

    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let work = [
        "--config",
        cfg.as_str(),
        "queue",
        "work",
        "--watch",
        "--metrics-addr",
        addr.as_str(),
    ];
    let mut worker = fakes.ytempire(&work, "worker");

    // 1. While the script request is held: one job running, nothing finished yet.
    let script_sent = || !llm.requests().is_empty();
    worker
        .until("the script request", Duration::from_secs(120), script_sent)
        .await;
    let during = scrape_until(port, &mut worker, "the running job", |_| true).await;
    assert_eq!(
        gauge(&during, telemetry::QUEUE_RUNNING_JOBS),
        Some(1.0),
        "{during:?}"
    );
    assert_eq!(stage_count(&during, "script", "ok"), 0.0);

    // 2. Cancelled while its request is at the vendor: the stage and the attempt count as
    //    cancelled.
    let cancel = q(&["cancel", "tides"]);
    assert_eq!(cancel.code, Some(0), "{cancel:?}");
    let cancelled = scrape_until(port, &mut worker, "the cancelled stage", |e| {
        stage_count(e, "script", "cancelled") == 1.0
            && gauge(e, telemetry::QUEUE_RUNNING_JOBS) == Some(0.0)
    })
    .await;
    let openai = [
        ("provider", "openai"),
        ("capability", "llm"),
        ("model", "gpt-4o-mini"),
    ];
    let calls = telemetry::PROVIDER_CALLS_TOTAL;
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut l = openai.to_vec();
        l.extend_from_slice(extra);
        l
    };
    assert_eq!(
        cancelled.value(
            calls,
            calls,
            &with(&[("outcome", "cancelled"), ("error_kind", "cancelled")])
        ),
        Some(1.0),
        "{:?}",
        cancelled.family(calls)
    );

    // 3. Retried: made and uploaded by the same worker.
    let retry = q(&["retry", "tides"]);
    assert_eq!(retry.code, Some(0), "{retry:?}");
    let e = scrape_until(port, &mut worker, "the finished job", |e| {
        stage_count(e, "upload", "ok") == 1.0
            && gauge(e, telemetry::QUEUE_RUNNING_JOBS) == Some(0.0)
            && gauge(e, telemetry::QUEUE_DEPTH) == Some(0.0)
    })
    .await;
    let out = worker.kill();
    let videos = fakes.yt.videos();
    assert_eq!(videos.len(), 1, "{out:?}");

    // Every family, with its type, help and label names.
    let labels = |names: &[&str]| -> HashSet<Vec<String>> {
        let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        v.sort();
        HashSet::from([v])
    };
    let expected: [(&str, &str, HashSet<Vec<String>>); 11] = [
        (STAGE, "histogram", labels(&["stage", "outcome"])),
        (
            calls,
            "counter",
            labels(&["provider", "capability", "model", "outcome", "error_kind"]),
        ),
        (
            telemetry::PROVIDER_CALL_DURATION_SECONDS,
            "histogram",
            labels(&["provider", "capability", "model", "outcome"]),
        ),
        (
            telemetry::PROVIDER_COST_USD,
            "gauge",
            labels(&["provider", "capability", "model"]),
        ),
        (
            telemetry::RENDER_FRAMES_TOTAL,
            "counter",
            labels(&["compositor", "encoder"]),
        ),
        (
            telemetry::RENDER_FRAMES_PER_SECOND,
            "gauge",
            labels(&["compositor", "encoder"]),
        ),
        (
            telemetry::UPLOAD_BYTES_TOTAL,
            "counter",
            labels(&["provider"]),
        ),
        (telemetry::QUEUE_DEPTH, "gauge", labels(&[])),
        (telemetry::QUEUE_RUNNING_JOBS, "gauge", labels(&[])),
        (
            telemetry::BUDGET_SPENT_USD,
            "gauge",
            labels(&["scope", "provider"]),
        ),
        (
            telemetry::BUDGET_USED_RATIO,
            "gauge",
            labels(&["scope", "provider"]),
        ),
    ];
    assert_eq!(
        expected.each_ref().map(|f| f.0),
        telemetry::ALL,
        "every family is checked"
    );
    for (name, kind, label_names) in &expected {
        let family = e
            .family(name)
            .unwrap_or_else(|| panic!("no family {name} in {e:?}"));
        assert_eq!(&family.kind, kind, "{name}");
        assert!(
            family.help.as_deref().is_some_and(|h| !h.is_empty()),
            "{name} has no help"
        );
        assert_eq!(&e.label_names(name), label_names, "{name}");
        assert_eq!(*kind == "counter", name.ends_with("_total"), "{name}");
        for s in &family.samples {
            assert!(s.value.is_finite(), "{s:?}");
            assert!(s.value >= 0.0, "{s:?}");
            for v in s.labels.values() {
                let v = v.to_lowercase();
                for secret in ["tides", "test-key", "solo", "project-s"] {
                    assert!(
                        !v.contains(secret),
                        "{name} label carries {secret:?}: {s:?}"
                    );
                }
            }
            if let Some(outcome) = s.labels.get("outcome") {
                assert!(
                    ["ok", "error", "cancelled"].contains(&outcome.as_str()),
                    "{s:?}"
                );
            }
        }
    }

    // Stages: each ran once to success after the cancelled script.
    for stage in [
        "script",
        "narration",
        "visuals",
        "timeline",
        "render",
        "thumbnail",
        "upload",
    ] {
        assert_eq!(stage_count(&e, stage, "ok"), 1.0, "{stage}");
    }
    assert_eq!(stage_count(&e, "script", "cancelled"), 1.0);
    let render_secs = e
        .value(
            STAGE,
            &format!("{STAGE}_sum"),
            &[("stage", "render"), ("outcome", "ok")],
        )
        .unwrap();
    assert!(render_secs > 0.0, "{render_secs}");

    // Providers: the answered script calls, each timed, and priced.
    let ok = with(&[("outcome", "ok"), ("error_kind", "none")]);
    let answered = e.value(calls, calls, &ok).unwrap();
    assert!(answered >= 1.0, "{answered}");
    let latency = telemetry::PROVIDER_CALL_DURATION_SECONDS;
    assert_eq!(
        e.value(
            latency,
            &format!("{latency}_count"),
            &with(&[("outcome", "ok")])
        ),
        Some(answered)
    );
    let cost = e.value(
        telemetry::PROVIDER_COST_USD,
        telemetry::PROVIDER_COST_USD,
        &openai,
    );
    assert!(
        cost.is_some_and(|c| c > 0.0),
        "gpt-4o-mini is priced: {cost:?}"
    );
    let narrated = e
        .family(calls)
        .unwrap()
        .samples
        .iter()
        .any(|s| s.labels["provider"] == "elevenlabs" && s.labels["capability"] == "tts");
    assert!(narrated, "{:?}", e.family(calls));

    // Render: the frames of the video, at a positive rate.
    let frames = telemetry::RENDER_FRAMES_TOTAL;
    let frames = e.value(frames, frames, &[("compositor", "cpu")]).unwrap();
    assert!(frames >= 15.0, "at least a second of video: {frames}");
    let fps = telemetry::RENDER_FRAMES_PER_SECOND;
    assert!(e.value(fps, fps, &[("compositor", "cpu")]).unwrap() > 0.0);

    // Upload: every byte of the video went out once (no cut, no resend).
    let up = telemetry::UPLOAD_BYTES_TOTAL;
    assert_eq!(
        e.value(up, up, &[("provider", "youtube")]),
        Some(videos[0].bytes.len() as f64)
    );

    // Budgets: the job's spend under its $3 cap, and today's OpenAI spend.
    let (spent, ratio) = (telemetry::BUDGET_SPENT_USD, telemetry::BUDGET_USED_RATIO);
    let job = [("scope", "job"), ("provider", "all")];
    let job_spent = e.value(spent, spent, &job).unwrap();
    assert!(job_spent > 0.0, "{job_spent}");
    let job_ratio = e.value(ratio, ratio, &job).unwrap();
    assert!(
        (job_ratio - job_spent / 3.0).abs() < 1e-9 && job_ratio < 1.0,
        "{job_ratio} of $3 for ${job_spent}"
    );
    let day = e
        .value(
            spent,
            spent,
            &[("scope", "provider_day"), ("provider", "openai")],
        )
        .unwrap();
    assert_eq!(
        day,
        cost.unwrap(),
        "today's OpenAI spend is the script's cost"
    );
}

/// The config's `metrics_addr` serves the same endpoint without the flag.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_config_s_metrics_addr_serves_metrics_too() {
    let fakes = Stack::start().await;
    let cfg = fakes.config(&[]).await;
    let port = free_port();
    // A top-level key goes before the first table.
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, format!("metrics_addr = \"127.0.0.1:{port}\"\n{text}")).unwrap();
    let work = ["--config", cfg.as_str(), "queue", "work", "--watch"];
    let mut worker = fakes.ytempire(&work, "worker");
    let e = scrape_until(port, &mut worker, "the idle worker's gauges", |e| {
        gauge(e, telemetry::QUEUE_DEPTH) == Some(0.0)
    })
    .await;
    worker.kill();
    assert_eq!(gauge(&e, telemetry::QUEUE_RUNNING_JOBS), Some(0.0));
    assert!(e.family(telemetry::QUEUE_DEPTH).is_some());
}
