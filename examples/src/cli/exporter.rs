//! The Prometheus `/metrics` endpoint of `ytempire queue work --metrics-addr ADDR` (or the
//! config's `metrics_addr`): installs the `metrics-exporter-prometheus` recorder with an HTTP
//! listener on `ADDR`, renders the two duration histograms as real Prometheus histograms
//! (core's bucket bounds) and describes every family. The families and their labels are
//! listed in [`ytempire_core::telemetry`].
//!
//! Behind the `prometheus` feature (on by default); without it `--metrics-addr` is refused
//! with a config error.

use std::net::SocketAddr;

use ytempire_core::{Error, ErrorKind, Result};

/// Serve the process's metrics at `http://addr/metrics` until it exits.
///
/// # Errors
/// [`ErrorKind::Config`] when `addr` cannot be bound (in use, not a local address) or a
/// recorder is already installed in this process, or when this build has no exporter.
#[cfg(feature = "prometheus")]
pub fn serve(addr: SocketAddr) -> Result<()> {
    use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
    use ytempire_core::telemetry;

    let fail = |e: metrics_exporter_prometheus::BuildError| {
        Error::new(
            ErrorKind::Config,
            format!(
                "cannot serve metrics on {addr}: {e}; give --metrics-addr a free local address such as 127.0.0.1:9898"
            ),
        )
    };
    PrometheusBuilder::new()
        .with_http_listener(addr)
        .set_buckets_for_metric(
            Matcher::Full(telemetry::STAGE_DURATION_SECONDS.to_string()),
            telemetry::STAGE_BUCKETS,
        )
        .map_err(fail)?
        .set_buckets_for_metric(
            Matcher::Full(telemetry::PROVIDER_CALL_DURATION_SECONDS.to_string()),
            telemetry::PROVIDER_BUCKETS,
        )
        .map_err(fail)?
        .install()
        .map_err(fail)?;
    telemetry::describe();
    tracing::info!(%addr, "serving metrics at /metrics");
    Ok(())
}

/// Without the `prometheus` feature: always a config error saying how to get one.
///
/// # Errors
/// Always [`ErrorKind::Config`].
#[cfg(not(feature = "prometheus"))]
pub fn serve(addr: SocketAddr) -> Result<()> {
    Err(Error::new(
        ErrorKind::Config,
        format!(
            "cannot serve metrics on {addr}: this ytempire was built without the `prometheus` feature; rebuild with default features"
        ),
    ))
}
