//! Webhooks over real HTTP: [`ReqwestWebhookTransport`] against a loopback axum receiver that
//! verifies every signature with core's helper, fails some requests, and de-duplicates by
//! event id.

use crate::webhook_common;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use tokio::sync::broadcast;
use ytempire_core::layers::{Backoff, MemoryCacheStore};
use ytempire_core::pipeline::{
    CancellationToken, EVENT_ID_HEADER, JobSpec, PipelineEvent, ResourceLimits, SIGNATURE_HEADER,
    StageName, TIMESTAMP_HEADER, WebhookConfig, WebhookDispatcher, WebhookEnvelope, WebhookRequest,
    WebhookTransport, WebhookUrl,
};
use ytempire_core::{ErrorKind, Topic, VideoSpec};
use ytempire_examples::webhook::ReqwestWebhookTransport;
use ytempire_render::video::{CompositorChoice, RenderOptions};

const SECRET: &str = "loopback-shared-secret";

/// The receiving end of the webhook, as an app would write it.
#[derive(Debug, Default)]
struct Receiver {
    requests: AtomicUsize,
    rejected: AtomicUsize,
    duplicates: AtomicUsize,
    seen: Mutex<HashSet<String>>,
    events: Mutex<Vec<WebhookEnvelope>>,
}

async fn hook(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let n = r.requests.fetch_add(1, Ordering::SeqCst);
    let h = |name: &str| webhook_common::header(&headers, name);
    if !webhook_common::signed(&headers, &body, SECRET) {
        r.rejected.fetch_add(1, Ordering::SeqCst);
        return StatusCode::UNAUTHORIZED;
    }
    if n == 0 {
        return StatusCode::SERVICE_UNAVAILABLE; // a receiver that is briefly down
    }
    let Ok(envelope) = serde_json::from_slice::<WebhookEnvelope>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    if h(EVENT_ID_HEADER) != envelope.id || h("content-type") != "application/json" {
        return StatusCode::BAD_REQUEST;
    }
    if r.seen.lock().unwrap().insert(envelope.id.clone()) {
        r.events.lock().unwrap().push(envelope);
    } else {
        r.duplicates.fetch_add(1, Ordering::SeqCst);
    }
    if n == 2 {
        // Processed, but the acknowledgement is lost: the sender retries and the receiver
        // drops the duplicate by event id.
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    StatusCode::OK
}

async fn busy() -> impl IntoResponse {
    (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "7")])
}

async fn down() -> impl IntoResponse {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "Fri, 31 Dec 9999 23:59:59 GMT")],
    )
}

async fn moved() -> impl IntoResponse {
    (
        StatusCode::TEMPORARY_REDIRECT,
        [(header::LOCATION, "/hook")],
    )
}

async fn slow() -> StatusCode {
    tokio::time::sleep(Duration::from_secs(5)).await;
    StatusCode::OK
}

async fn serve(receiver: Arc<Receiver>) -> SocketAddr {
    let app = Router::new()
        .route("/hook", post(hook))
        .route("/busy", post(busy))
        .route("/down", post(down))
        .route("/moved", post(moved))
        .route("/slow", post(slow))
        .with_state(receiver);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

fn config(addr: SocketAddr) -> WebhookConfig {
    WebhookConfig::new(&format!("http://{addr}/hook?token=t0k3n"), SECRET)
        .unwrap()
        .with_backoff(Backoff::new(
            Duration::from_millis(20),
            Duration::from_millis(200),
            2.0,
        ))
        .with_shutdown_timeout(Duration::from_secs(30))
}

fn synthetic(job: &str) -> Vec<PipelineEvent> {
    let mut events = vec![PipelineEvent::StageStarted {
        job: job.into(),
        stage: StageName::Script,
    }];
    for i in 1..=4 {
        events.push(PipelineEvent::StageProgress {
            job: job.into(),
            stage: StageName::Script,
            fraction: f64::from(i) / 4.0,
        });
    }
    events.push(PipelineEvent::StageFinished {
        job: job.into(),
        stage: StageName::Script,
        elapsed_secs: 0.5,
        resumed: false,
    });
    events.push(PipelineEvent::Cost {
        job: job.into(),
        usd: 0.0,
    });
    events.push(PipelineEvent::Finished { job: job.into() });
    events
}

fn received(r: &Receiver) -> Vec<PipelineEvent> {
    r.events
        .lock()
        .unwrap()
        .iter()
        .map(|e| e.event.clone())
        .collect()
}

#[tokio::test]
async fn webhook_synthetic_events_arrive_in_order_exactly_once() {
    let receiver = Arc::new(Receiver::default());
    let addr = serve(receiver.clone()).await;
    let (tx, rx) = broadcast::channel(64);
    let transport = Arc::new(ReqwestWebhookTransport::new().unwrap());
    let dispatcher = WebhookDispatcher::spawn(config(addr), transport, rx).unwrap();
    let sent = synthetic("job-http");
    for e in &sent {
        tx.send(e.clone()).unwrap();
    }
    let report = dispatcher.shutdown().await;

    assert_eq!(received(&receiver), sent);
    let seqs: Vec<u64> = receiver
        .events
        .lock()
        .unwrap()
        .iter()
        .map(|e| e.sequence)
        .collect();
    assert_eq!(seqs, (1..=sent.len() as u64).collect::<Vec<_>>());
    assert_eq!(receiver.rejected.load(Ordering::SeqCst), 0);
    assert_eq!(receiver.duplicates.load(Ordering::SeqCst), 1);
    // One 503 and one lost acknowledgement: two retries, nothing lost.
    assert_eq!(report.delivered, sent.len() as u64);
    assert_eq!((report.retried, report.failed, report.dropped), (2, 0, 0));
    assert_eq!(receiver.requests.load(Ordering::SeqCst), sent.len() + 2);
}

#[tokio::test]
async fn webhook_tampered_or_unsigned_requests_are_rejected_by_the_receiver() {
    let receiver = Arc::new(Receiver::default());
    let addr = serve(receiver.clone()).await;
    let client = reqwest::Client::new();
    let status = client
        .post(format!("http://{addr}/hook"))
        .header(TIMESTAMP_HEADER, "1")
        .header(SIGNATURE_HEADER, format!("sha256={}", "0".repeat(64)))
        .body("{}")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 401);
    assert_eq!(receiver.rejected.load(Ordering::SeqCst), 1);
}

fn request(addr: SocketAddr, path: &str, timeout: Duration) -> WebhookRequest {
    WebhookRequest::new(
        WebhookUrl::parse(&format!("http://{addr}{path}?token=t0k3n")).unwrap(),
        vec![("Content-Type".into(), "application/json".into())],
        b"{}".to_vec(),
        timeout,
    )
}

#[tokio::test]
async fn reqwest_transport_reports_status_retry_after_and_errors() {
    let addr = serve(Arc::new(Receiver::default())).await;
    let t = ReqwestWebhookTransport::new().unwrap();
    let second = Duration::from_secs(1);

    let busy = t.post(&request(addr, "/busy", second)).await.unwrap();
    assert_eq!(busy.status, 429);
    assert_eq!(busy.retry_after, Some(Duration::from_secs(7)));

    let down = t.post(&request(addr, "/down", second)).await.unwrap();
    assert_eq!(down.status, 503);
    assert!(down.retry_after.unwrap() > Duration::from_secs(86_400 * 365));

    let moved = t.post(&request(addr, "/moved", second)).await.unwrap();
    assert_eq!(moved.status, 307, "redirects are not followed");

    let err = t
        .post(&request(addr, "/slow", Duration::from_millis(200)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(!err.to_string().contains("t0k3n"), "{err}");

    // A port nobody listens on.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let err = t.post(&request(closed, "/hook", second)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert!(!err.to_string().contains("t0k3n"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_delivers_every_event_of_a_real_pipeline_run() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = ytempire_examples::open_ledger(&dir.path().join("ledger.sqlite")).unwrap();
    let (llm, tts, images) =
        ytempire_examples::offline_providers(ledger.clone(), Arc::new(MemoryCacheStore::new()));
    let options = RenderOptions {
        compositor: CompositorChoice::Cpu,
        ..RenderOptions::default()
    };
    let pipeline = ytempire_examples::pipeline(
        &dir.path().join("jobs"),
        llm,
        tts,
        images,
        ledger,
        options,
        ResourceLimits::default(),
    )
    .unwrap();

    let receiver = Arc::new(Receiver::default());
    let addr = serve(receiver.clone()).await;
    let transport = Arc::new(ReqwestWebhookTransport::new().unwrap());
    let dispatcher =
        WebhookDispatcher::spawn(config(addr), transport, pipeline.subscribe()).unwrap();
    // What the pipeline emitted, from a second subscriber.
    let mut local = pipeline.subscribe();
    let emitted = tokio::spawn(async move {
        let mut all = Vec::new();
        loop {
            match local.recv().await {
                Ok(e) => all.push(e),
                Err(broadcast::error::RecvError::Closed) => return all,
                Err(e) => panic!("local subscriber: {e}"),
            }
        }
    });

    let job = JobSpec::new("webhook-job", Topic::new("Why the sky is blue"))
        .with_video(VideoSpec::new(640, 360, 30))
        .with_duration(5.0);
    let outcome = pipeline.run(&job, &CancellationToken::new()).await;
    drop(pipeline);
    let report = dispatcher.shutdown().await;
    let emitted = emitted.await.unwrap();

    println!(
        "job outcome ok: {}, {} events",
        outcome.is_ok(),
        emitted.len()
    );
    assert!(
        emitted.iter().any(|e| matches!(
            e,
            PipelineEvent::Finished { .. } | PipelineEvent::Failed { .. }
        )),
        "the job ended with a final event"
    );
    assert_eq!(received(&receiver), emitted, "every event, in order, once");
    assert_eq!(receiver.rejected.load(Ordering::SeqCst), 0);
    assert_eq!(report.delivered, emitted.len() as u64);
    assert_eq!((report.failed, report.dropped), (0, 0));
}
