//! What the vendor tests share: the scripted errors every fake can answer, the loop that
//! checks a client maps each to its kind without showing the key, and a script request.
#![allow(dead_code, reason = "each test target uses part of it")]

use std::time::Duration;

use ytempire_core::{ChannelProfile, ChatRequest, Error, ErrorKind, LanguageModel, Message, Topic};
use ytempire_llm::ScriptRequest;
use ytempire_llm::testing::{FakeReply, ScriptedFake};

/// Every error reply, with the kind a client must map it to: `rate_limited` first, then one
/// 5xx per status in `server_errors`, then the rest.
pub(crate) fn error_cases(
    rate_limited: FakeReply,
    server_errors: &[u16],
) -> Vec<(FakeReply, ErrorKind)> {
    let mut cases = vec![
        (rate_limited, ErrorKind::RateLimited),
        (FakeReply::InsufficientQuota, ErrorKind::QuotaExhausted),
        (FakeReply::ContextLength, ErrorKind::ContextLengthExceeded),
        (FakeReply::ContentFilter, ErrorKind::ContentPolicy),
        (FakeReply::Unauthorized, ErrorKind::Unauthenticated),
    ];
    cases.extend(
        server_errors
            .iter()
            .map(|s| (FakeReply::ServerError(*s), ErrorKind::Upstream)),
    );
    cases.extend([
        (FakeReply::Truncated, ErrorKind::InvalidResponse),
        (FakeReply::Malformed, ErrorKind::InvalidResponse),
        (FakeReply::Delay(Duration::from_secs(5)), ErrorKind::Timeout),
    ]);
    cases
}

/// Answer one `hello` with each case: the error has the case's kind, neither its text nor
/// its debug form shows `secret`, and `check` sees every case and error.
pub(crate) async fn assert_errors_map<W>(
    fake: &ScriptedFake<W>,
    model: &dyn LanguageModel,
    cases: Vec<(FakeReply, ErrorKind)>,
    secret: &str,
    mut check: impl FnMut(&FakeReply, &Error),
) {
    for (reply, kind) in cases {
        fake.push([reply.clone()]);
        let err = model
            .complete(&ChatRequest::new(vec![Message::user("hello")]))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{reply:?}: {err}");
        assert!(!format!("{err} {err:?}").contains(secret), "{reply:?}");
        check(&reply, &err);
    }
}

/// A one-minute script request on `topic` for the default channel.
pub(crate) fn minute_script(topic: &str) -> ScriptRequest {
    ScriptRequest::new(
        Topic::new(topic),
        ChannelProfile::default(),
        Duration::from_secs(60),
    )
}
