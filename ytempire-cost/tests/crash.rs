//! A process killed while writing loses no committed record.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use ytempire_core::{Usage, UsageSink};
use ytempire_cost::{Catalog, CostLedger};

const CHILD_ENV: &str = "YTEMPIRE_COST_CRASH_CHILD";

/// Child role: record forever, printing each committed id.
#[test]
fn crash_child_writer() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let ledger = CostLedger::open(&path, Catalog::embedded().unwrap()).unwrap();
    // Bounded so a forgotten child cannot run forever; the parent kills it long before.
    for i in 0..100_000 {
        let r = common::ok(
            "crash",
            "script",
            "openai",
            "gpt-4o-mini",
            Usage::tokens(100 + i, 10),
            5,
        );
        let entry = ledger.try_record(&r).unwrap();
        println!("committed {}", entry.id);
    }
}

#[test]
fn kill_during_writing_loses_no_committed_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash::crash_child_writer",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut last = 0i64;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(id) = line.strip_prefix("committed ") {
            last = id.trim().parse().unwrap();
            if last >= 200 {
                break;
            }
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(last >= 200, "child stopped early at {last}");
    let ledger = CostLedger::open(&path, Catalog::embedded().unwrap()).unwrap();
    let entries = ledger.entries().unwrap();
    assert!(
        entries.len() as i64 >= last,
        "lost records: {} < {last}",
        entries.len()
    );
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e.id, i as i64 + 1);
        assert_eq!(e.usage.input_tokens, 100 + i as u64);
    }
    // Still writable after the crash.
    ledger.record(common::ok(
        "after",
        "s",
        "openai",
        "gpt-4o",
        Usage::tokens(1, 1),
        5,
    ));
    assert_eq!(ledger.entries().unwrap().len(), entries.len() + 1);
}
