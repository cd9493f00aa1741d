//! An output directory that cannot be written: `ytempire make --out` a path under a regular
//! file (the tests run as root, for whom `chmod 0555` changes nothing; a file in the way
//! fails the same `create_dir_all` a read-only or full directory does). The run says which
//! path failed and what to do, keeps the finished job (its manifest stays readable), and the
//! rerun with a writable directory copies the outputs without redoing any stage.

use crate::cli_common;

use std::time::Duration;

use cli_common::{ALL_RESUMED, TOPIC, configured, make_args, run};

#[test]
fn unwritable_output_dir_names_the_path_keeps_the_job_and_the_rerun_resumes() {
    let (dir, cfg) = configured("");
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, "a file where the output directory should be").unwrap();
    let bad_out = blocker.join("videos");
    let bad = bad_out.to_str().unwrap();
    let args = |out| make_args(&cfg, &["--offline", "--job", "ro", "--out", out, TOPIC]);
    let first = run(dir.path(), &args(bad), &[], Duration::from_secs(300));
    assert_eq!(first.code, Some(1), "{first:?}");
    let line = first
        .stderr
        .lines()
        .find(|l| l.starts_with("ytempire: error: "))
        .unwrap_or_else(|| panic!("no error line: {}", first.stderr));
    assert!(
        line.contains(&format!("its outputs cannot be written to {bad}")),
        "names the path: {line}"
    );
    assert!(
        line.contains("a writable directory")
            && line.contains("--out DIR")
            && line.contains("rerun with --job ro"),
        "says what to do: {line}"
    );
    assert!(!bad_out.exists());

    // The job is kept, and its manifest is readable JSON that records finished stages.
    let job_dir = dir.path().join("data/jobs/ro");
    assert!(line.contains(&job_dir.display().to_string()), "{line}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(job_dir.join("manifest.json")).unwrap()).unwrap();
    let text = manifest.to_string();
    assert!(text.contains("render"), "{text}");

    let good_out = dir.path().join("videos");
    let second = run(
        dir.path(),
        &args(good_out.to_str().unwrap()),
        &[],
        Duration::from_secs(300),
    );
    assert_eq!(second.code, Some(0), "{second:?}");
    assert!(
        second.stdout.contains(ALL_RESUMED),
        "no stage redone: {}",
        second.stdout
    );
    let video = cli_common::printed_paths(&second.stdout, "video:")[0].clone();
    assert!(video.starts_with(&good_out), "{video:?}");
    assert!(std::fs::metadata(&video).unwrap().len() > 10_000);
    assert!(good_out.join("cost-report.html").is_file());
}
