//! Webhook delivery against a mocked transport, on paused tokio time (no real sleeps).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use mockall::mock;
use tokio::sync::broadcast;
use tokio::time::Instant;
use ytempire_core::layers::{Backoff, JitterSource};
use ytempire_core::pipeline::{
    DEFAULT_TOLERANCE, EVENT_ID_HEADER, PipelineEvent, SIGNATURE_HEADER, StageName,
    TIMESTAMP_HEADER, USER_AGENT, VerifyError, WebhookConfig, WebhookDispatcher, WebhookRequest,
    WebhookResponse, WebhookSigner, WebhookTransport, verify_signature, verify_signed_request,
};
use ytempire_core::{Error, ErrorKind, Result};

mock! {
    pub WebhookTransport {}

    #[async_trait]
    impl WebhookTransport for WebhookTransport {
        async fn post(&self, request: &WebhookRequest) -> Result<WebhookResponse>;
    }
}

impl std::fmt::Debug for MockWebhookTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MockWebhookTransport")
    }
}

const SECRET: &str = "whsec-very-secret-value";
const URL: &str = "https://hooks.example.com/in?token=url-token-value";

/// Jitter factor 1: every wait is exactly the exponential step.
#[derive(Debug)]
struct NoJitter;

impl JitterSource for NoJitter {
    fn next_unit(&self) -> f64 {
        1.0
    }
}

fn config() -> WebhookConfig {
    WebhookConfig::new(URL, SECRET)
        .unwrap()
        .with_jitter(Arc::new(NoJitter))
        .with_backoff(Backoff::new(
            Duration::from_secs(1),
            Duration::from_secs(60),
            2.0,
        ))
}

fn progress(job: &str, fraction: f64) -> PipelineEvent {
    PipelineEvent::StageProgress {
        job: job.into(),
        stage: StageName::Render,
        fraction,
    }
}

fn started(job: &str) -> PipelineEvent {
    PipelineEvent::StageStarted {
        job: job.into(),
        stage: StageName::Script,
    }
}

fn finished(job: &str) -> PipelineEvent {
    PipelineEvent::Finished { job: job.into() }
}

fn failed(job: &str) -> PipelineEvent {
    PipelineEvent::Failed {
        job: job.into(),
        stage: StageName::Render,
        kind: ErrorKind::Render,
        error: "boom".into(),
    }
}

fn job_events(job: &str) -> Vec<PipelineEvent> {
    vec![
        started(job),
        progress(job, 0.5),
        PipelineEvent::StageFinished {
            job: job.into(),
            stage: StageName::Script,
            elapsed_secs: 1.5,
            resumed: false,
        },
        PipelineEvent::Cost {
            job: job.into(),
            usd: 0.25,
        },
        PipelineEvent::Warning {
            job: job.into(),
            message: "careful".into(),
        },
        finished(job),
    ]
}

/// Every request the mock saw, with the (paused) time it arrived.
type Log = Arc<Mutex<Vec<(Instant, WebhookRequest)>>>;

/// A mock answering call `n` (0-based) with `script(n)`, recording each request.
fn scripted(
    script: impl Fn(usize) -> Result<WebhookResponse> + Send + 'static,
) -> (MockWebhookTransport, Log, Arc<AtomicUsize>) {
    let log: Log = Arc::default();
    let calls = Arc::new(AtomicUsize::new(0));
    let mut mock = MockWebhookTransport::new();
    let (l, c) = (log.clone(), calls.clone());
    mock.expect_post().returning(move |req| {
        l.lock().unwrap().push((Instant::now(), req.clone()));
        script(c.fetch_add(1, Ordering::SeqCst))
    });
    (mock, log, calls)
}

fn ok(_: usize) -> Result<WebhookResponse> {
    Ok(WebhookResponse::new(200))
}

fn delivered_events(log: &Log) -> Vec<(u64, PipelineEvent)> {
    log.lock()
        .unwrap()
        .iter()
        .map(|(_, r)| r.envelope().unwrap())
        .map(|e| (e.sequence, e.event))
        .collect()
}

async fn settle() {
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
}

async fn wait_for_calls(calls: &AtomicUsize, n: usize) {
    for _ in 0..1000 {
        if calls.load(Ordering::SeqCst) >= n {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("the transport was not called {n} times");
}

#[tokio::test(start_paused = true)]
async fn webhook_delivers_in_order_with_signed_headers() {
    let (mock, log, _) = scripted(ok);
    let (tx, rx) = broadcast::channel(64);
    let dispatcher = WebhookDispatcher::spawn(config(), Arc::new(mock), rx).unwrap();
    let sent = job_events("job-1");
    for e in &sent {
        tx.send(e.clone()).unwrap();
    }
    let report = dispatcher.shutdown().await;
    assert_eq!(
        (
            report.delivered,
            report.retried,
            report.dropped,
            report.failed
        ),
        (6, 0, 0, 0)
    );
    assert_eq!(report.pending, 0);

    let got = delivered_events(&log);
    let seqs: Vec<u64> = got.iter().map(|(s, _)| *s).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5, 6]);
    assert_eq!(got.into_iter().map(|(_, e)| e).collect::<Vec<_>>(), sent);

    let log = log.lock().unwrap();
    let mut ids = std::collections::HashSet::new();
    for (_, req) in log.iter() {
        assert_eq!(req.url.as_str(), URL);
        assert_eq!(req.header("content-type"), Some("application/json"));
        assert_eq!(req.header("user-agent"), Some(USER_AGENT));
        assert!(USER_AGENT.starts_with("ytempire/"));
        assert_eq!(req.header("x-ytempire-attempt"), Some("1"));
        let envelope = req.envelope().unwrap();
        assert_eq!(envelope.job, "job-1");
        assert_eq!(req.header(EVENT_ID_HEADER), Some(envelope.id.as_str()));
        assert!(ids.insert(envelope.id.clone()), "event ids are unique");
        let ts = req.header(TIMESTAMP_HEADER).unwrap();
        let sig = req.header(SIGNATURE_HEADER).unwrap();
        assert_eq!(
            verify_signed_request(
                SECRET.as_bytes(),
                ts,
                &req.body,
                sig,
                SystemTime::now(),
                DEFAULT_TOLERANCE
            ),
            Ok(())
        );
    }
}

#[tokio::test(start_paused = true)]
async fn webhook_retries_503_then_200_with_exponential_backoff() {
    let (mock, log, _) = scripted(|n| Ok(WebhookResponse::new(if n < 2 { 503 } else { 200 })));
    let (tx, rx) = broadcast::channel(8);
    let dispatcher = WebhookDispatcher::spawn(config(), Arc::new(mock), rx).unwrap();
    tx.send(finished("job-1")).unwrap();
    let report = dispatcher.shutdown().await;
    assert_eq!((report.delivered, report.retried, report.failed), (1, 2, 0));

    let log = log.lock().unwrap();
    assert_eq!(log.len(), 3);
    let gaps: Vec<Duration> = log.windows(2).map(|w| w[1].0 - w[0].0).collect();
    assert_eq!(gaps, [Duration::from_secs(1), Duration::from_secs(2)]);
    let ids: Vec<&str> = log
        .iter()
        .map(|(_, r)| r.header(EVENT_ID_HEADER).unwrap())
        .collect();
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "same id on every attempt"
    );
    let attempts: Vec<&str> = log
        .iter()
        .map(|(_, r)| r.header("X-Ytempire-Attempt").unwrap())
        .collect();
    assert_eq!(attempts, ["1", "2", "3"]);
    assert!(
        log.iter().all(|(_, r)| r.body == log[0].1.body),
        "body is stable"
    );
}

#[tokio::test(start_paused = true)]
async fn webhook_honours_retry_after_on_429() {
    let (mock, log, _) = scripted(|n| {
        Ok(if n == 0 {
            WebhookResponse::new(429).with_retry_after(Duration::from_secs(7))
        } else {
            WebhookResponse::new(200)
        })
    });
    let (tx, rx) = broadcast::channel(8);
    let dispatcher = WebhookDispatcher::spawn(config(), Arc::new(mock), rx).unwrap();
    tx.send(finished("job-1")).unwrap();
    let report = dispatcher.shutdown().await;
    assert_eq!((report.delivered, report.retried), (1, 1));
    let log = log.lock().unwrap();
    let gap = log[1].0 - log[0].0;
    assert!(gap >= Duration::from_secs(7), "waited {gap:?}");
    assert!(gap < Duration::from_secs(8), "waited {gap:?}");
}

#[tokio::test(start_paused = true)]
async fn webhook_does_not_retry_400() {
    let (mock, log, calls) = scripted(|n| Ok(WebhookResponse::new(if n == 0 { 400 } else { 200 })));
    let (tx, rx) = broadcast::channel(8);
    let dispatcher = WebhookDispatcher::spawn(config(), Arc::new(mock), rx).unwrap();
    tx.send(started("job-1")).unwrap();
    tx.send(finished("job-1")).unwrap();
    let report = dispatcher.shutdown().await;
    assert_eq!(calls.load(Ordering::SeqCst), 2, "one attempt per event");
    assert_eq!((report.delivered, report.retried, report.failed), (1, 0, 1));
    assert_eq!(delivered_events(&log)[1].1, finished("job-1"));
}

#[tokio::test(start_paused = true)]
async fn webhook_max_attempts_reached_counts_failed() {
    let mut mock = MockWebhookTransport::new();
    mock.expect_post()
        .times(3)
        .returning(|_| Ok(WebhookResponse::new(500)));
    let (tx, rx) = broadcast::channel(8);
    let started_at = Instant::now();
    let dispatcher =
        WebhookDispatcher::spawn(config().with_max_attempts(3), Arc::new(mock), rx).unwrap();
    tx.send(finished("job-1")).unwrap();
    let report = dispatcher.shutdown().await;
    assert_eq!(
        (
            report.delivered,
            report.retried,
            report.failed,
            report.dropped
        ),
        (0, 2, 1, 0)
    );
    // 1 s + 2 s of backoff, nothing after the last attempt.
    assert_eq!(started_at.elapsed(), Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn webhook_non_retryable_transport_error_is_not_retried() {
    let mut mock = MockWebhookTransport::new();
    mock.expect_post()
        .times(1)
        .returning(|_| Err(Error::config("bad TLS configuration")));
    let (tx, rx) = broadcast::channel(8);
    let dispatcher = WebhookDispatcher::spawn(config(), Arc::new(mock), rx).unwrap();
    tx.send(finished("job-1")).unwrap();
    let report = dispatcher.shutdown().await;
    assert_eq!((report.failed, report.retried), (1, 0));
}

/// Connection refused, then a hang past the request timeout, then success.
#[derive(Debug, Default)]
struct Flaky(AtomicUsize);

#[async_trait]
impl WebhookTransport for Flaky {
    async fn post(&self, _: &WebhookRequest) -> Result<WebhookResponse> {
        match self.0.fetch_add(1, Ordering::SeqCst) {
            0 => Err(Error::new(ErrorKind::Transport, "connection refused")),
            1 => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Ok(WebhookResponse::new(200))
            }
            _ => Ok(WebhookResponse::new(200)),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn webhook_connection_errors_and_timeouts_are_retried() {
    let transport = Arc::new(Flaky::default());
    let (tx, rx) = broadcast::channel(8);
    let cfg = config().with_request_timeout(Duration::from_secs(5));
    let begin = Instant::now();
    let dispatcher = WebhookDispatcher::spawn(cfg, transport.clone(), rx).unwrap();
    tx.send(finished("job-1")).unwrap();
    drop(tx);
    let report = dispatcher.join().await;
    assert_eq!((report.delivered, report.retried), (1, 2));
    assert_eq!(transport.0.load(Ordering::SeqCst), 3);
    // 1 s backoff, 5 s timeout, 2 s backoff.
    assert_eq!(begin.elapsed(), Duration::from_secs(8));
}

#[tokio::test(start_paused = true)]
async fn webhook_overflow_drops_oldest_progress_first() {
    let (mock, log, calls) = scripted(|n| Ok(WebhookResponse::new(if n == 0 { 503 } else { 200 })));
    let (tx, rx) = broadcast::channel(64);
    let cfg = config().with_queue_capacity(3);
    let dispatcher = WebhookDispatcher::spawn(cfg, Arc::new(mock), rx).unwrap();
    tx.send(started("job-1")).unwrap(); // sequence 1, in flight, backing off after 503
    wait_for_calls(&calls, 1).await;
    for i in 1..=5 {
        tx.send(progress("job-1", f64::from(i) / 10.0)).unwrap(); // sequences 2..=6
    }
    tx.send(finished("job-1")).unwrap(); // sequence 7
    settle().await;
    assert_eq!(dispatcher.stats().dropped, 3);
    assert_eq!(dispatcher.stats().pending, 3);
    let report = dispatcher.shutdown().await;
    assert_eq!(
        (
            report.delivered,
            report.dropped,
            report.retried,
            report.failed
        ),
        (4, 3, 1, 0)
    );
    let seqs: Vec<u64> = delivered_events(&log).iter().map(|(s, _)| *s).collect();
    assert_eq!(
        seqs,
        [1, 1, 5, 6, 7],
        "retry of 1, then the newest progress and Finished"
    );
}

#[tokio::test(start_paused = true)]
async fn webhook_overflow_never_drops_finished_or_failed() {
    let (mock, log, calls) = scripted(|n| Ok(WebhookResponse::new(if n == 0 { 503 } else { 200 })));
    let (tx, rx) = broadcast::channel(64);
    let cfg = config().with_queue_capacity(2);
    let dispatcher = WebhookDispatcher::spawn(cfg, Arc::new(mock), rx).unwrap();
    tx.send(started("job-0")).unwrap();
    wait_for_calls(&calls, 1).await;
    tx.send(finished("job-1")).unwrap();
    tx.send(failed("job-2")).unwrap();
    tx.send(PipelineEvent::Warning {
        job: "job-3".into(),
        message: "dropped: the queue holds only final events".into(),
    })
    .unwrap();
    tx.send(finished("job-3")).unwrap();
    settle().await;
    let report = dispatcher.shutdown().await;
    assert_eq!((report.delivered, report.dropped), (4, 1));
    let events: Vec<PipelineEvent> = delivered_events(&log).into_iter().map(|(_, e)| e).collect();
    // The first event twice (503, then 200), then every final event.
    assert_eq!(
        events,
        [
            started("job-0"),
            started("job-0"),
            finished("job-1"),
            failed("job-2"),
            finished("job-3")
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn webhook_lagged_receiver_counts_dropped() {
    let (mock, log, _) = scripted(ok);
    let (tx, rx) = broadcast::channel(2);
    for e in job_events("job-1").into_iter().take(5) {
        tx.send(e).unwrap();
    }
    // The receiver holds only the last 2 of 5.
    let dispatcher = WebhookDispatcher::spawn(config(), Arc::new(mock), rx).unwrap();
    let report = dispatcher.shutdown().await;
    assert_eq!((report.delivered, report.dropped), (2, 3));
    let events: Vec<PipelineEvent> = delivered_events(&log).into_iter().map(|(_, e)| e).collect();
    assert_eq!(events, job_events("job-1")[3..5]);
}

#[tokio::test(start_paused = true)]
async fn webhook_shutdown_deadline_drops_what_cannot_be_delivered() {
    let (mock, _, _) = scripted(|_| Ok(WebhookResponse::new(503)));
    let (tx, rx) = broadcast::channel(8);
    let cfg = config()
        .with_max_attempts(100)
        .with_shutdown_timeout(Duration::from_secs(5));
    let dispatcher = WebhookDispatcher::spawn(cfg, Arc::new(mock), rx).unwrap();
    for e in job_events("job-1").into_iter().take(3) {
        tx.send(e).unwrap();
    }
    settle().await;
    let begin = Instant::now();
    let report = dispatcher.shutdown().await;
    assert_eq!(begin.elapsed(), Duration::from_secs(5));
    assert_eq!(
        (
            report.delivered,
            report.failed,
            report.dropped,
            report.pending
        ),
        (0, 0, 3, 0)
    );
}

#[tokio::test(start_paused = true)]
async fn webhook_drop_flushes_in_the_background() {
    let (mock, log, _) = scripted(ok);
    let (tx, rx) = broadcast::channel(8);
    let dispatcher = WebhookDispatcher::spawn(config(), Arc::new(mock), rx).unwrap();
    tx.send(finished("job-1")).unwrap();
    drop(dispatcher);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(delivered_events(&log).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn webhook_stream_source_and_join() {
    let (mock, log, _) = scripted(ok);
    let events = job_events("job-9");
    let dispatcher = WebhookDispatcher::spawn_stream(
        config(),
        Arc::new(mock),
        futures::stream::iter(events.clone()),
    )
    .unwrap();
    let report = dispatcher.join().await;
    assert_eq!(report.delivered, 6);
    let got: Vec<PipelineEvent> = delivered_events(&log).into_iter().map(|(_, e)| e).collect();
    assert_eq!(got, events);
}

/// One real request, as a receiver would see it.
async fn captured_request() -> WebhookRequest {
    let (mock, log, _) = scripted(ok);
    let (tx, rx) = broadcast::channel(8);
    let dispatcher = WebhookDispatcher::spawn(config(), Arc::new(mock), rx).unwrap();
    tx.send(finished("job-1")).unwrap();
    dispatcher.shutdown().await;
    log.lock().unwrap()[0].1.clone()
}

#[tokio::test(start_paused = true)]
async fn webhook_replayed_request_with_stale_timestamp_is_rejected() {
    let req = captured_request().await;
    let ts = req.header(TIMESTAMP_HEADER).unwrap();
    let sig = req.header(SIGNATURE_HEADER).unwrap();
    let secret = SECRET.as_bytes();
    let now = SystemTime::now();
    assert_eq!(
        verify_signed_request(secret, ts, &req.body, sig, now, DEFAULT_TOLERANCE),
        Ok(())
    );
    let replayed_later = now + Duration::from_secs(600);
    assert!(matches!(
        verify_signed_request(
            secret,
            ts,
            &req.body,
            sig,
            replayed_later,
            DEFAULT_TOLERANCE
        ),
        Err(VerifyError::StaleTimestamp { .. })
    ));
    // Refreshing the timestamp breaks the signature.
    let fresh = (ts.parse::<u64>().unwrap() + 600).to_string();
    assert_eq!(
        verify_signed_request(
            secret,
            &fresh,
            &req.body,
            sig,
            replayed_later,
            DEFAULT_TOLERANCE
        ),
        Err(VerifyError::Mismatch)
    );
}

#[tokio::test(start_paused = true)]
async fn webhook_tampered_body_is_rejected() {
    let req = captured_request().await;
    let ts = req.header(TIMESTAMP_HEADER).unwrap();
    let sig = req.header(SIGNATURE_HEADER).unwrap();
    let body = String::from_utf8(req.body.clone()).unwrap();
    let tampered = body.replace("job-1", "job-2");
    assert_ne!(tampered, body);
    let now = SystemTime::now();
    assert_eq!(
        verify_signed_request(
            SECRET.as_bytes(),
            ts,
            tampered.as_bytes(),
            sig,
            now,
            DEFAULT_TOLERANCE
        ),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        verify_signed_request(b"wrong", ts, &req.body, sig, now, DEFAULT_TOLERANCE),
        Err(VerifyError::Mismatch)
    );
}

#[test]
fn webhook_body_only_signature_still_verifies() {
    let signer = WebhookSigner::new(SECRET);
    let (body, header) = signer.sign_event(&finished("job-1")).unwrap();
    assert!(verify_signature(SECRET.as_bytes(), &body, &header));
    assert!(!verify_signature(SECRET.as_bytes(), b"{}", &header));
}

#[test]
fn webhook_invalid_urls_are_typed_errors() {
    for (url, problem) in [
        ("ftp://example.com/hook", "only http and https"),
        ("hooks.example.com", "no scheme"),
        ("https://:443/hook", "no host"),
    ] {
        let err = WebhookConfig::new(url, SECRET).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest);
        assert!(err.to_string().contains(problem), "{err}");
        assert!(!err.to_string().contains(SECRET));
    }
}

/// Collects every log event's fields as text.
struct Capture(Arc<Mutex<String>>);

struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, "{}={value:?} ", field.name());
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut out = self.0.lock().unwrap();
        event.record(&mut Fields(&mut out));
        out.push('\n');
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test(start_paused = true)]
async fn webhook_secret_never_in_debug_logs_or_errors() {
    let logs = Arc::new(Mutex::new(String::new()));
    let _guard = tracing::subscriber::set_default(Capture(logs.clone()));

    let (mock, _, _) = scripted(|n| match n {
        0 => Ok(WebhookResponse::new(400)),
        1 => Ok(WebhookResponse::new(503)),
        2 => Err(Error::new(ErrorKind::Transport, "connection reset")),
        _ => Err(Error::config("gave up")),
    });
    let (tx, rx) = broadcast::channel(8);
    let cfg = config().with_max_attempts(3);
    let dispatcher = WebhookDispatcher::spawn(cfg.clone(), Arc::new(mock), rx).unwrap();
    tx.send(started("job-1")).unwrap();
    tx.send(finished("job-1")).unwrap();
    settle().await;
    let debug = format!("{dispatcher:?} {cfg:?} {:?}", cfg.signer());
    let report = dispatcher.shutdown().await;
    assert_eq!(report.failed, 2);

    let logs = logs.lock().unwrap().clone();
    assert!(
        logs.contains("status=400"),
        "the 4xx warning names the status: {logs}"
    );
    assert!(logs.contains("gave up"), "{logs}");
    for text in [&logs, &debug] {
        assert!(!text.contains(SECRET), "secret leaked: {text}");
        assert!(
            !text.contains("url-token-value"),
            "URL token leaked: {text}"
        );
    }
    let req = captured_request().await;
    let shown = format!("{req:?}");
    assert!(
        !shown.contains(SECRET) && !shown.contains("url-token-value"),
        "{shown}"
    );
}
