//! `ytempire make --offline` through the built binary: a short video, its thumbnails and
//! reports exist where the command says; a topic in Chinese works; a rerun resumes.

use crate::cli_common;

use std::time::Duration;

use cli_common::{ALL_RESUMED, assert_mentions, configured, make_args, printed_paths, run};

#[test]
fn make_offline_prints_paths_that_exist_and_resumes() {
    let (dir, cfg) = configured("");
    let topic = "为什么熊猫是黑白色的";
    let args = make_args(&cfg, &["--offline", topic]);
    let out = run(dir.path(), &args, &[], Duration::from_secs(240));
    assert_eq!(out.code, Some(0), "{out:?}");

    let video = printed_paths(&out.stdout, "video:");
    assert_eq!(video.len(), 1, "{}", out.stdout);
    let meta = std::fs::metadata(&video[0]).unwrap();
    assert!(meta.len() > 10_000, "video is {} bytes", meta.len());
    let head = std::fs::read(&video[0]).unwrap();
    assert_eq!(&head[4..8], b"ftyp", "an MP4");
    let name = video[0].file_name().unwrap().to_str().unwrap().to_string();
    assert!(
        name.starts_with("topic-") && name.ends_with(".mp4"),
        "{name}"
    );

    let thumbs = printed_paths(&out.stdout, "thumbnail:");
    assert_eq!(thumbs.len(), 2, "{}", out.stdout);
    for t in &thumbs {
        assert!(image::open(t).is_ok(), "{} decodes", t.display());
    }
    let quality = printed_paths(&out.stdout, "quality:");
    assert_eq!(quality.len(), 1, "{}", out.stdout);
    let verdict: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&quality[0]).unwrap()).unwrap();
    assert!(verdict["score"].as_f64().is_some(), "{verdict}");
    let cost = printed_paths(&out.stdout, "cost:");
    assert_eq!(cost.len(), 1, "{}", out.stdout);
    assert!(std::fs::read_to_string(&cost[0]).unwrap().contains("<html"));
    let by = [
        "script by:  offline",
        "spoken by:  espeak",
        "visuals by: procedural",
    ];
    assert_mentions(&out.stdout, &by);

    // The same job again: every stage restored, nothing redone.
    let job = name.trim_end_matches(".mp4").to_string();
    let again = make_args(&cfg, &["--offline", "--job", &job, topic]);
    let out2 = run(dir.path(), &again, &[], Duration::from_secs(60));
    assert_eq!(out2.code, Some(0), "{out2:?}");
    assert!(out2.stdout.contains(ALL_RESUMED), "{}", out2.stdout);
}

#[test]
fn queue_submit_work_status_and_report() {
    let (dir, cfg) = configured("");
    let q = |args: &[&str]| {
        let mut all = vec!["--config", cfg.as_str()];
        all.extend_from_slice(args);
        run(dir.path(), &all, &[], Duration::from_secs(240))
    };
    let sub = q(&[
        "queue",
        "submit",
        "How tides work",
        "--duration",
        "10",
        "--job",
        "tides",
    ]);
    assert_eq!(sub.code, Some(0), "{sub:?}");
    assert!(sub.stdout.contains("queued tides"), "{}", sub.stdout);
    let dup = q(&["queue", "submit", "How tides work", "--job", "tides"]);
    assert_eq!(dup.code, Some(1), "a second job with the same id: {dup:?}");
    let status = q(&["queue", "status", "tides"]);
    assert!(
        status.stdout.contains("state:     queued"),
        "{}",
        status.stdout
    );
    let work = q(&["queue", "work", "--offline"]);
    assert_eq!(work.code, Some(0), "{work:?}");
    let status = q(&["queue", "status", "tides"]);
    assert!(
        status.stdout.contains("state:     succeeded"),
        "{}",
        status.stdout
    );
    let list = q(&["queue", "list", "--state", "succeeded"]);
    assert!(list.stdout.contains("tides"), "{}", list.stdout);
    let cancel = q(&["queue", "cancel", "tides"]);
    assert_eq!(
        cancel.code,
        Some(1),
        "finished jobs cannot be cancelled: {cancel:?}"
    );

    let html = dir.path().join("report.html");
    let report = q(&["report", "--out", html.to_str().unwrap()]);
    assert_eq!(report.code, Some(0), "{report:?}");
    assert!(report.stdout.contains("script"), "{}", report.stdout);
    assert!(std::fs::read_to_string(&html).unwrap().contains("<html"));
}
