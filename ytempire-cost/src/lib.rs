//! # ytempire-cost
//!
//! What a video costs and whether it is good enough to publish.
//!
//! - [`catalog`]: versioned, overridable price data; unknown models are [`Cost::Unpriced`].
//! - [`ledger`]: [`CostLedger`], a [`ytempire_core::UsageSink`] persisting every attempt in
//!   SQLite, with aggregates and CSV/JSON export.
//! - [`budget`]: per-job and per-provider-per-day budgets, alerts at 50/80/100 %, and the
//!   [`Budgeted`] decorator that refuses (or degrades) a call before it would cross a cap.
//! - [`report`]: a self-contained HTML cost report with SVG charts and recommendations.
//! - [`quality`]: 0–10 quality scores with sub-scores and human-readable reasons for scripts,
//!   audio (loudness, clipping, silence, speaking rate), video (black and frozen frames,
//!   resolution and frame rate, caption coverage, duration match, repeated visuals), metadata
//!   and thumbnails; a [`QualityReport`] combining them; the pre-upload [`gate`](quality::gate)
//!   and [`gate_report`](quality::gate_report) (content-policy checklist, then threshold and
//!   policy); and [`AbStore`], persisted A/B variant assignments and outcomes with a
//!   per-variant summary.

#![forbid(unsafe_code)]

pub mod budget;
pub mod catalog;
pub mod ledger;
pub mod quality;
pub mod report;

pub use budget::{Alert, BudgetConfig, BudgetScope, Budgeted, Reservation};
pub use catalog::{Catalog, Cost, PriceEntry};
pub use ledger::{Aggregate, CostLedger, GroupBy, LedgerEntry};
pub use quality::{AbStore, QualityReport, QualityScore, SubScore};
pub use report::{CostReport, render_report_file};
pub use rust_decimal::Decimal;
