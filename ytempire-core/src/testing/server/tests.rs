//! The fake-server core over a real HTTP client: every fault in the vocabulary, the request
//! log, the route filter and the auth hook.

use std::time::Duration;

use super::*;

type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

/// A vendor with a JSON route (`/v1/ping`, auth `Bearer <key>`) and a media route
/// (`/files/pic`, no auth).
struct Ping;

#[async_trait]
impl FakeVendor for Ping {
    fn route(&self, req: &Incoming) -> Option<Route> {
        match req.uri.path() {
            "/v1/ping" => Some(Route::JSON_API),
            "/files/pic" => Some(Route::DOWNLOAD),
            _ => None,
        }
    }

    fn error(&self, status: u16, code: &str, message: &str) -> Response {
        respond_json(
            status,
            &serde_json::json!({"error": {"code": code, "message": message}}),
            &[],
        )
    }

    fn check_auth(&self, req: &Incoming, required: Option<&str>) -> Option<Response> {
        let sent = req.header("authorization")?.strip_prefix("Bearer ")?;
        (required.is_some_and(|k| k != sent)).then(|| self.error(401, "bad_key", "wrong key"))
    }

    async fn answer(&self, call: Call<'_>) -> Response {
        let (req, route, fault, state) = (call.req, call.route, call.fault, call.state);
        if route.media {
            return respond(200, "image/png", spoil_image(vec![7; 64], fault), &[]);
        }
        if req.query_value("n").is_none() {
            state.violate(&["ping without n".to_owned()]);
        }
        let words: Vec<String> = (0..40).map(|i| format!("word{i}")).collect();
        respond_json(200, &serde_json::json!({"pong": words}), &[])
    }
}

async fn get(fake: &FakeServer, path: &str) -> reqwest::Result<reqwest::Response> {
    reqwest::Client::new()
        .get(fake.url(path))
        .header("authorization", "Bearer k1")
        .send()
        .await
}

async fn body_of(fake: &FakeServer, path: &str) -> (u16, reqwest::Result<Vec<u8>>) {
    match get(fake, path).await {
        Ok(r) => (r.status().as_u16(), r.bytes().await.map(|b| b.to_vec())),
        Err(e) => (0, Err(e)),
    }
}

#[tokio::test]
async fn answers_and_records_each_request() -> TestResult {
    let fake = FakeServer::start(Ping).await?;
    let (status, body) = body_of(&fake, "/v1/ping?n=a+b%2Fc").await;
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_slice(&body?)?;
    assert_eq!(json["pong"][39], "word39");
    let (status, _) = body_of(&fake, "/nowhere").await;
    assert_eq!(status, 404);
    let log = fake.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path, "/v1/ping");
    assert_eq!(log[0].query_value("n"), Some("a b/c"));
    assert_eq!(log[0].authorization.as_deref(), Some("Bearer k1"));
    assert!(fake.violations().is_empty());
    assert_eq!(body_of(&fake, "/v1/ping").await.0, 200);
    assert_eq!(fake.violations(), ["ping without n"]);
    Ok(())
}

#[tokio::test]
async fn the_required_key_reaches_the_vendor_s_auth_check() -> TestResult {
    let fake = FakeServer::start(Ping).await?;
    assert_eq!(body_of(&fake, "/v1/ping?n=1").await.0, 200);
    fake.require_key("other");
    assert_eq!(body_of(&fake, "/v1/ping?n=1").await.0, 401);
    // The download route is not an API route: no auth check.
    assert_eq!(body_of(&fake, "/files/pic").await.0, 200);
    Ok(())
}

#[tokio::test]
async fn rate_limits_come_with_and_without_retry_after_once_each() -> TestResult {
    let fake = FakeServer::start(Ping).await?;
    fake.push_fault(Fault::RateLimited {
        retry_after_secs: Some(2),
    });
    fake.push_fault(Fault::RateLimited {
        retry_after_secs: None,
    });
    let first = get(&fake, "/v1/ping?n=1").await?;
    assert_eq!(first.status().as_u16(), 429);
    assert_eq!(first.headers()["retry-after"], "2");
    let second = get(&fake, "/v1/ping?n=1").await?;
    assert_eq!(second.status().as_u16(), 429);
    assert!(second.headers().get("retry-after").is_none());
    assert_eq!(body_of(&fake, "/v1/ping?n=1").await.0, 200);
    Ok(())
}

#[tokio::test]
async fn server_errors_use_the_vendor_s_shape() -> TestResult {
    let fake = FakeServer::start(Ping).await?;
    fake.push_fault(Fault::ServerError(503));
    let (status, body) = body_of(&fake, "/v1/ping?n=1").await;
    assert_eq!(status, 503);
    let json: serde_json::Value = serde_json::from_slice(&body?).unwrap_or_default();
    assert_eq!(json["error"]["code"], "server_error");
    Ok(())
}

#[tokio::test]
async fn a_hang_outlasts_the_client_s_timeout() -> TestResult {
    let fake = FakeServer::start(Ping).await?;
    fake.push_fault(Fault::Hang(Duration::from_secs(30)));
    let err = reqwest::Client::new()
        .get(fake.url("/v1/ping?n=1"))
        .timeout(Duration::from_millis(200))
        .send()
        .await
        .err();
    assert!(err.is_some_and(|e| e.is_timeout()));
    assert_eq!(fake.requests().len(), 1, "a request still held is recorded");
    Ok(())
}

#[tokio::test]
async fn broken_bodies_fail_the_read_or_the_parse() -> TestResult {
    let fake = FakeServer::start(Ping).await?;
    fake.push_fault(Fault::DropConnection);
    // The reset may come before the buffered headers are flushed: either way the call fails.
    let (_, body) = body_of(&fake, "/v1/ping?n=1").await;
    assert!(body.is_err(), "a reset connection fails the call");

    fake.push_fault(Fault::TruncatedBody);
    let (_, body) = body_of(&fake, "/v1/ping?n=1").await;
    assert!(
        body.is_err(),
        "a body short of its Content-Length fails the call"
    );

    fake.push_fault(Fault::MalformedBody);
    let (status, body) = body_of(&fake, "/v1/ping?n=1").await;
    assert_eq!(status, 200);
    let bytes = body?;
    assert!(!bytes.is_empty());
    assert!(serde_json::from_slice::<serde_json::Value>(&bytes).is_err());
    Ok(())
}

#[tokio::test]
async fn a_slow_body_arrives_whole() -> TestResult {
    let fake = FakeServer::start(Ping).await?;
    let (_, plain) = body_of(&fake, "/v1/ping?n=1").await;
    fake.push_fault(Fault::SlowBody(Duration::from_millis(160)));
    let (status, slow) = body_of(&fake, "/v1/ping?n=1").await;
    assert_eq!(status, 200);
    assert_eq!(slow?, plain?);
    Ok(())
}

#[tokio::test]
async fn faults_wait_for_a_route_they_apply_to_and_always_faults_heal() -> TestResult {
    let fake = FakeServer::start(Ping).await?;
    fake.push_fault(Fault::MalformedBody);
    fake.push_fault(Fault::EmptyImage);
    // The picture fault is the first that applies to the download; the JSON fault waits.
    let (_, pic) = body_of(&fake, "/files/pic").await;
    assert_eq!(pic?, Vec::<u8>::new());
    let (_, json) = body_of(&fake, "/v1/ping?n=1").await;
    let json = json?;
    assert!(serde_json::from_slice::<serde_json::Value>(&json).is_err());

    fake.fail_always(Some(Fault::ServerError(502)));
    assert_eq!(body_of(&fake, "/v1/ping?n=1").await.0, 502);
    assert_eq!(body_of(&fake, "/files/pic").await.0, 502);
    fake.fail_always(None);
    assert_eq!(body_of(&fake, "/v1/ping?n=1").await.0, 200);
    Ok(())
}

#[test]
fn picture_faults_spoil_bytes() {
    let good = vec![1, 2, 3, 4];
    assert_eq!(
        spoil_image(good.clone(), Some(&Fault::CorruptImage)),
        [1, 2]
    );
    assert_eq!(
        spoil_image(good.clone(), Some(&Fault::HtmlImage)),
        HTML_PAGE
    );
    assert_eq!(spoil_image(good.clone(), None), good);
}

#[test]
fn query_pairs_are_decoded() {
    let p = query_pairs("query=blue+whale&x=%2Fa%20b&empty=&bad=%zz");
    assert_eq!(
        p,
        [
            ("query".to_owned(), "blue whale".to_owned()),
            ("x".to_owned(), "/a b".to_owned()),
            ("empty".to_owned(), String::new()),
            ("bad".to_owned(), "%zz".to_owned()),
        ]
    );
}
