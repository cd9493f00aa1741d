//! The fault table every vendor source is held to, and the loop that checks it (shared by
//! `sources_vendors` and `pixabay` through a `#[path]` include).
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::time::Duration;

use ytempire_core::{Error, ErrorKind, ImageRequest, ImageSource};
use ytempire_render::sources::testing::Fault;

/// A fault, the error kind it must become, and the `retry_after` it must carry (checked
/// when `Some`).
pub(crate) type FaultCase = (Fault, ErrorKind, Option<Duration>);

/// Push each fault, fetch, and check the error's kind (and `retry_after` when given); then
/// check a plain fetch works again. Every error string is checked for the key.
pub(crate) async fn check_faults(
    source: &dyn ImageSource,
    push: &dyn Fn(Fault),
    key: &str,
    table: &[FaultCase],
) {
    check_faults_and(source, push, key, table, &|_, _| {}).await;
}

/// [`check_faults`], checking each error with `also` too.
pub(crate) async fn check_faults_and(
    source: &dyn ImageSource,
    push: &dyn Fn(Fault),
    key: &str,
    table: &[FaultCase],
    also: &dyn Fn(&Fault, &Error),
) {
    let req = ImageRequest::new("a lighthouse at dusk", 64, 48);
    for (fault, kind, wait) in table {
        push(fault.clone());
        let e = source
            .fetch(&req)
            .await
            .expect_err(&format!("{fault:?} should fail"));
        assert_eq!(e.kind(), *kind, "{fault:?}: {e}");
        if wait.is_some() {
            assert_eq!(e.retry_after(), *wait, "{fault:?}: {e}");
        }
        assert_eq!(e.is_retryable(), kind.is_retryable());
        for text in [e.to_string(), format!("{e:?}")] {
            assert!(!text.contains(key), "{fault:?} leaked the key: {text}");
        }
        also(fault, &e);
        let ok = source.fetch(&req).await;
        assert!(ok.is_ok(), "after {fault:?}: {:?}", ok.err());
    }
}

/// The error a small fetch meets after `fault` is pushed.
pub(crate) async fn fault_error(
    source: &dyn ImageSource,
    push: &dyn Fn(Fault),
    fault: Fault,
) -> Error {
    push(fault);
    source
        .fetch(&ImageRequest::new("x", 8, 8))
        .await
        .expect_err("the fault should fail the fetch")
}

/// The faults every vendor maps the same way.
pub(crate) fn common_faults() -> Vec<FaultCase> {
    vec![
        (
            Fault::RateLimited {
                retry_after_secs: Some(3),
            },
            ErrorKind::RateLimited,
            Some(Duration::from_secs(3)),
        ),
        (Fault::ServerError(503), ErrorKind::Upstream, None),
        (Fault::ServerError(500), ErrorKind::Upstream, None),
        (Fault::Unauthorized, ErrorKind::Unauthenticated, None),
        (Fault::DropConnection, ErrorKind::Transport, None),
        (Fault::TruncatedBody, ErrorKind::Transport, None),
        (
            Fault::Hang(Duration::from_secs(3)),
            ErrorKind::Timeout,
            None,
        ),
        (Fault::HtmlImage, ErrorKind::InvalidResponse, None),
        (Fault::EmptyImage, ErrorKind::InvalidResponse, None),
        (Fault::CorruptImage, ErrorKind::InvalidResponse, None),
    ]
}

/// [`common_faults`] plus what the stock searches (Pexels, Pixabay) add: a malformed JSON
/// page and a 429 without `Retry-After`.
pub(crate) fn stock_faults() -> Vec<FaultCase> {
    let mut table = common_faults();
    table.push((Fault::MalformedBody, ErrorKind::InvalidResponse, None));
    table.push((
        Fault::RateLimited {
            retry_after_secs: None,
        },
        ErrorKind::RateLimited,
        None,
    ));
    table
}
