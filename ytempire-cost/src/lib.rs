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
//! - [`quality`]: 0–10 quality scores for scripts (audio, video and thumbnail scorers are not
//!   written yet), and
//!   pre-upload gates.

#![forbid(unsafe_code)]

pub mod budget;
pub mod catalog;
pub mod ledger;
pub mod quality;
pub mod report;

pub use budget::{Alert, BudgetConfig, BudgetScope, Budgeted, Reservation};
pub use catalog::{Catalog, Cost, PriceEntry};
pub use ledger::{Aggregate, CostLedger, GroupBy, LedgerEntry};
pub use report::{CostReport, render_report_file};
pub use rust_decimal::Decimal;
