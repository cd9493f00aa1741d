//! Conformance scenarios for [`ImageSource`].

use super::{Report, Runner, Skip, Verdict, ensure, expect_kind, ok_or_fail};
use crate::{ErrorKind, ImageRequest, ImageSource, MediaKind, Visual, VisualContent};

/// Run every scenario against `provider`.
pub async fn run_all(provider: &dyn ImageSource, skips: &[Skip]) -> Report {
    let mut r = Runner::new("image", provider.to_string(), skips);
    r.run("returns_decodable_image", returns_decodable_image(provider))
        .await;
    r.run("usage_reported", usage_reported(provider)).await;
    r.run("never_returns_excluded", never_returns_excluded(provider))
        .await;
    r.run("empty_query_rejected", empty_query_rejected(provider))
        .await;
    r.finish()
}

/// Decode a still visual's bytes and return its pixel size.
async fn decoded_size(v: &Visual) -> Result<(u32, u32), String> {
    let bytes = match &v.content {
        VisualContent::Bytes { data, .. } => data.clone(),
        VisualContent::File { path } => tokio::fs::read(path)
            .await
            .map_err(|e| format!("reading {}: {e}", path.display()))?,
    };
    let img = image::load_from_memory(&bytes).map_err(|e| format!("decoding {}: {e}", v.id))?;
    Ok((img.width(), img.height()))
}

/// The answer decodes as an image of at least the requested size, as declared.
pub async fn returns_decodable_image(p: &dyn ImageSource) -> Verdict {
    let req = ImageRequest::new("a lighthouse at dusk", 64, 48);
    let resp = ok_or_fail!(p.fetch(&req).await, "fetch");
    ensure!(!resp.visuals.is_empty(), "no visuals");
    for v in resp.visuals.iter().filter(|v| v.kind == MediaKind::Image) {
        let (w, h) = ok_or_fail!(decoded_size(v).await, "decode");
        ensure!(
            (w, h) == (v.width, v.height),
            "{} declares {}x{} but decodes as {w}x{h}",
            v.id,
            v.width,
            v.height
        );
        ensure!(
            w >= 64 && h >= 48,
            "{} is {w}x{h}, smaller than 64x48",
            v.id
        );
    }
    Verdict::Passed
}

/// A successful call reports images or requests.
pub async fn usage_reported(p: &dyn ImageSource) -> Verdict {
    let resp = ok_or_fail!(
        p.fetch(&ImageRequest::new("usage check", 16, 16)).await,
        "fetch"
    );
    ensure!(
        resp.usage.images > 0 || resp.usage.requests > 0,
        "usage reports nothing: {:?}",
        resp.usage
    );
    Verdict::Passed
}

/// Ids listed in `exclude` never come back.
pub async fn never_returns_excluded(p: &dyn ImageSource) -> Verdict {
    let first = ok_or_fail!(
        p.fetch(&ImageRequest::new("red balloon", 16, 16)).await,
        "fetch"
    );
    let excluded: Vec<String> = first.visuals.iter().map(|v| v.id.clone()).collect();
    let mut req = ImageRequest::new("red balloon", 16, 16).with_count(2);
    req.exclude = excluded.clone();
    let second = match p.fetch(&req).await {
        Ok(resp) => resp,
        Err(e) if e.kind() == ErrorKind::NotFound => return Verdict::Passed,
        Err(e) => return Verdict::Failed(format!("fetch with exclude: {e}")),
    };
    for v in &second.visuals {
        ensure!(!excluded.contains(&v.id), "excluded id {} returned", v.id);
    }
    Verdict::Passed
}

/// An empty query is `InvalidRequest`.
pub async fn empty_query_rejected(p: &dyn ImageSource) -> Verdict {
    expect_kind(
        p.fetch(&ImageRequest::new("  ", 16, 16)).await,
        ErrorKind::InvalidRequest,
        "empty query",
    )
}
