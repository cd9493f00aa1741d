//! `kill -9` at the hardest moment for money: after the paid script request reached the
//! vendor (the fake OpenAI holds its answer back) and before the answer came back and was
//! stored. The rerun of the same job pays once more, not more, and finishes; the ledger
//! and the cost report show the answered call.

use crate::cli_common;

use std::time::Duration;

use cli_common::fakes::{SOLO, Stack};
use cli_common::{TOPIC, make_args};
use ytempire_llm::testing::FakeReply;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_a_paid_request_is_pending_the_rerun_pays_once_more() {
    let fakes = Stack::start().await;
    let llm = &fakes.llm;
    // The first script request is held for ten minutes: the process is killed meanwhile.
    llm.push([FakeReply::Delay(Duration::from_secs(600))]);
    let cfg = fakes.config(&[SOLO]).await;
    let args = make_args(&cfg, &["--job", "pending", TOPIC]);

    let mut first = fakes.ytempire(&args, "first");
    let script_sent = || !llm.requests().is_empty();
    first
        .until("the script request", Duration::from_secs(120), script_sent)
        .await;
    // The request is at the vendor; give the client a moment in which it could (wrongly)
    // send a second one, then kill it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(llm.requests().len(), 1, "one request in flight");
    let killed = first.kill();
    assert_eq!(killed.code, None, "killed: {killed:?}");
    let ledger_path = fakes.path().join("data/ledger.sqlite");
    let script_rows = || {
        ytempire_examples::open_ledger(&ledger_path)
            .unwrap()
            .entries()
            .unwrap()
            .into_iter()
            .filter(|e| e.job.as_deref() == Some("pending") && e.stage.as_deref() == Some("script"))
            .collect::<Vec<_>>()
    };
    use ytempire_core::ErrorKind;
    use ytempire_core::metering::Outcome;
    let lost = script_rows();
    assert_eq!(
        lost.len(),
        1,
        "the request in flight is in the books: {lost:?}"
    );
    assert_eq!(lost[0].outcome, Outcome::Failure(ErrorKind::Cancelled));
    assert_eq!(lost[0].provider, "openai");

    let out = fakes
        .ytempire(&args, "second")
        .wait(Duration::from_secs(240))
        .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(
        llm.requests().len(),
        2,
        "the rerun paid once more, not more"
    );
    assert!(llm.violations().is_empty(), "{:?}", llm.violations());
    assert!(
        out.stdout.contains("script by:  openai/gpt-4o-mini"),
        "{}",
        out.stdout
    );
    let rows = script_rows();
    let outcomes: Vec<Outcome> = rows.iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        [Outcome::Failure(ErrorKind::Cancelled), Outcome::Success],
        "the ledger shows the lost call and the rerun's answered one: {rows:?}"
    );
    let report = cli_common::printed_paths(&out.stdout, "cost:")[0].clone();
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("gpt-4o-mini"), "the report lists the call");
}
