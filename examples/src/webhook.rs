//! Webhook delivery over HTTP, now part of core's vendor HTTP core (feature `http`):
//! [`ReqwestWebhookTransport`] and [`spawn_webhook`] are re-exported from
//! [`ytempire_core::http::webhook`] so the examples keep their paths.

pub use ytempire_core::http::webhook::{ReqwestWebhookTransport, SECRET_ENV, spawn_webhook};
