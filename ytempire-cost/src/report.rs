//! The cost report: one self-contained HTML file with SVG charts and recommendations.
//!
//! Charts (cost per video, by stage, by provider, trend by day) are drawn with `plotters`'
//! SVG backend and inlined, so the file needs nothing else to display. Recommendations are
//! computed from the ledger: the dominant stage, what the cheapest catalog model of the same
//! kind would save per video, money lost to failed attempts, unpriced calls, and the budget.
//!
//! ```no_run
//! use std::path::Path;
//! let report = ytempire_cost::report::render_report_file(
//!     Path::new("costs.sqlite"),
//!     Path::new("costs.html"),
//! )?;
//! println!("{} recommendations", report.recommendations.len());
//! # Ok::<(), ytempire_core::Error>(())
//! ```

use plotters::coord::ranged1d::{IntoSegmentedCoord, SegmentValue};
use plotters::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use ytempire_core::metering::CapabilityKind;
use ytempire_core::{Error, ErrorKind, Usage};

use crate::catalog::Catalog;
use crate::ledger::{Aggregate, CostLedger, GroupBy, LedgerEntry, aggregate};

/// Everything the HTML report shows, computed from ledger entries.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct CostReport {
    /// Catalog version used for the cheaper-model comparison.
    pub catalog_version: String,
    /// Sum of priced attempts, USD.
    pub total: Decimal,
    /// Attempts recorded.
    pub attempts: u64,
    /// Attempts that could not be priced.
    pub unpriced: u64,
    /// Average cost per job (video), USD.
    pub per_video: Decimal,
    /// Per job.
    pub jobs: Vec<Aggregate>,
    /// Per stage.
    pub stages: Vec<Aggregate>,
    /// Per provider.
    pub providers: Vec<Aggregate>,
    /// Per provider/model.
    pub models: Vec<Aggregate>,
    /// Per day, oldest first.
    pub days: Vec<Aggregate>,
    /// Concrete advice computed from the data.
    pub recommendations: Vec<String>,
}

fn pct(part: Decimal, whole: Decimal) -> Decimal {
    if whole.is_zero() {
        Decimal::ZERO
    } else {
        (part * Decimal::from(100) / whole).round_dp(0)
    }
}

fn money(d: Decimal) -> String {
    format!("${}", d.round_dp(4).normalize())
}

impl CostReport {
    /// Build the report from a ledger.
    ///
    /// # Errors
    /// As [`CostLedger::entries`].
    pub fn from_ledger(ledger: &CostLedger) -> Result<Self, Error> {
        Ok(Self::from_entries(&ledger.entries()?, ledger.catalog()))
    }

    /// Build the report from entries, comparing against `catalog` for cheaper models.
    pub fn from_entries(entries: &[LedgerEntry], catalog: &Catalog) -> Self {
        let total: Decimal = entries.iter().filter_map(|e| e.cost.usd()).sum();
        let jobs: Vec<Aggregate> = aggregate(entries, GroupBy::Job)
            .into_iter()
            .filter(|a| a.key != "(none)")
            .collect();
        let video_count = Decimal::from(jobs.len().max(1));
        let job_total: Decimal = jobs.iter().map(|j| j.cost).sum();
        let mut report = Self {
            catalog_version: catalog.version().to_owned(),
            total,
            attempts: entries.len() as u64,
            unpriced: entries.iter().filter(|e| e.cost.is_unpriced()).count() as u64,
            per_video: (job_total / video_count).round_dp(6),
            jobs,
            stages: aggregate(entries, GroupBy::Stage),
            providers: aggregate(entries, GroupBy::Provider),
            models: aggregate(entries, GroupBy::Model),
            days: aggregate(entries, GroupBy::Day),
            recommendations: Vec::new(),
        };
        report.recommendations = recommend(&report, entries, catalog, video_count);
        report
    }

    /// Render the self-contained HTML page.
    ///
    /// # Errors
    /// [`ErrorKind::Internal`] when a chart cannot be drawn.
    pub fn to_html(&self) -> Result<String, Error> {
        let bars = |rows: &[Aggregate]| -> Vec<(String, f64)> {
            rows.iter()
                .map(|a| (a.key.clone(), a.cost.to_f64().unwrap_or(0.0)))
                .collect()
        };
        let charts = [
            ("Cost per video (USD)", bar_chart(&bars(&self.jobs), false)?),
            (
                "Cost by stage (USD)",
                bar_chart(&bars(&self.stages), false)?,
            ),
            (
                "Cost by provider (USD)",
                bar_chart(&bars(&self.providers), false)?,
            ),
            (
                "Cost trend by day (USD)",
                bar_chart(&bars(&self.days), true)?,
            ),
        ];
        let mut html = String::with_capacity(64 * 1024);
        html.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.push_str("<title>ytempire cost report</title><style>");
        html.push_str("body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}");
        html.push_str("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}");
        html.push_str("td:first-child,th:first-child{text-align:left}.rec li{margin:.4em 0}</style></head><body>\n");
        html.push_str("<h1>ytempire cost report</h1>\n");
        html.push_str(&format!(
            "<p>Total spend <b>{}</b> over {} attempts; {} videos, <b>{}</b> per video on average; {} unpriced attempts. Catalog {}.</p>\n",
            money(self.total),
            self.attempts,
            self.jobs.len(),
            money(self.per_video),
            self.unpriced,
            escape(&self.catalog_version)
        ));
        html.push_str("<h2>Recommendations</h2>\n<ul class=\"rec\">\n");
        for r in &self.recommendations {
            html.push_str(&format!("<li>{}</li>\n", escape(r)));
        }
        html.push_str("</ul>\n");
        for (title, svg) in &charts {
            html.push_str(&format!(
                "<h2>{}</h2>\n<figure>{svg}</figure>\n",
                escape(title)
            ));
        }
        for (title, rows) in [
            ("Videos", &self.jobs),
            ("Stages", &self.stages),
            ("Providers", &self.providers),
            ("Models", &self.models),
            ("Days", &self.days),
        ] {
            html.push_str(&table(title, rows));
        }
        html.push_str("</body></html>\n");
        Ok(html)
    }
}

fn table(title: &str, rows: &[Aggregate]) -> String {
    let mut s = format!(
        "<h2>{}</h2>\n<table><tr><th>key</th><th>cost</th><th>attempts</th><th>failures</th><th>failed cost</th><th>cached</th><th>unpriced</th></tr>\n",
        escape(title)
    );
    for a in rows {
        s.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(&a.key),
            money(a.cost),
            a.attempts,
            a.failures,
            money(a.failed_cost),
            a.cached,
            a.unpriced
        ));
    }
    s.push_str("</table>\n");
    s
}

/// Minimal HTML text escaping.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn chart_err(e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Internal, format!("drawing chart: {e}"))
}

/// An SVG bar chart (or line chart with `line`) of labelled values.
fn bar_chart(data: &[(String, f64)], line: bool) -> Result<String, Error> {
    let mut svg = String::new();
    if data.is_empty() {
        return Ok("<p>(no data)</p>".to_owned());
    }
    {
        let root = SVGBackend::with_string(&mut svg, (900, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let max = data.iter().map(|d| d.1).fold(0.0_f64, f64::max).max(1e-6) * 1.15;
        let n = data.len();
        let labels: Vec<String> = data
            .iter()
            .map(|d| d.0.chars().take(18).collect())
            .collect();
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d((0..n).into_segmented(), 0.0..max)
            .map_err(chart_err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n.min(24))
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => {
                    labels.get(*i).cloned().unwrap_or_default()
                }
                SegmentValue::Last => String::new(),
            })
            .y_label_formatter(&|y| format!("${y:.4}"))
            .draw()
            .map_err(chart_err)?;
        if line {
            chart
                .draw_series(LineSeries::new(
                    data.iter()
                        .enumerate()
                        .map(|(i, d)| (SegmentValue::CenterOf(i), d.1)),
                    BLUE.stroke_width(2),
                ))
                .map_err(chart_err)?;
        } else {
            chart
                .draw_series(data.iter().enumerate().map(|(i, d)| {
                    let mut bar = Rectangle::new(
                        [
                            (SegmentValue::Exact(i), 0.0),
                            (SegmentValue::Exact(i + 1), d.1),
                        ],
                        BLUE.mix(0.7).filled(),
                    );
                    bar.set_margin(0, 0, 6, 6);
                    bar
                }))
                .map_err(chart_err)?;
        }
        root.present().map_err(chart_err)?;
    }
    Ok(svg)
}

fn recommend(
    report: &CostReport,
    entries: &[LedgerEntry],
    catalog: &Catalog,
    videos: Decimal,
) -> Vec<String> {
    let mut out = Vec::new();
    let total = report.total;
    if let Some(top) = report.stages.first().filter(|_| !total.is_zero()) {
        let share = pct(top.cost, total);
        if share >= Decimal::from(50) {
            out.push(format!(
                "The {} stage is {share}% of spend ({} per video): optimise it first.",
                top.key,
                money(top.cost / videos)
            ));
        }
    }
    // What the cheapest priced catalog model of the same kind would cost for the same usage.
    let mut by_model: BTreeMap<(String, String), (CapabilityKind, Usage)> = BTreeMap::new();
    for e in entries
        .iter()
        .filter(|e| !e.cached && e.cost.usd().is_some())
    {
        by_model
            .entry((e.provider.clone(), e.model.clone()))
            .or_insert_with(|| (e.capability, Usage::default()))
            .1 += e.usage.clone();
    }
    for ((provider, model), (kind, usage)) in &by_model {
        let current = catalog
            .price(provider, model, usage)
            .usd()
            .unwrap_or_default();
        let cheaper = catalog
            .entries()
            .iter()
            .filter(|c| c.kind == *kind && !(c.provider == *provider && c.matches(model)))
            .filter_map(|c| c.cost_of(usage).usd().map(|cost| (c, cost)))
            .filter(|(_, cost)| *cost > Decimal::ZERO)
            .min_by(|a, b| a.1.cmp(&b.1));
        if let Some((alt, alt_cost)) = cheaper {
            let saving = current - alt_cost;
            if saving > Decimal::ZERO && pct(saving, current) >= Decimal::from(20) {
                out.push(format!(
                    "{provider}/{model} cost {} here; {}/{} would cost {} for the same usage, saving {} per video ({}%).",
                    money(current),
                    alt.provider,
                    alt.model.trim_end_matches('*'),
                    money(alt_cost),
                    money(saving / videos),
                    pct(saving, current)
                ));
            }
        }
    }
    let failed: Decimal = report.providers.iter().map(|p| p.failed_cost).sum();
    if failed > Decimal::ZERO {
        out.push(format!(
            "Failed attempts cost {} ({}% of spend): review retry limits and fallback order.",
            money(failed),
            pct(failed, total)
        ));
    }
    if report.unpriced > 0 {
        let mut models: Vec<&str> = report
            .models
            .iter()
            .filter(|m| m.unpriced > 0)
            .map(|m| m.key.as_str())
            .collect();
        models.dedup();
        out.push(format!(
            "{} attempts are unpriced ({}): add them to your price file; totals understate spend.",
            report.unpriced,
            models.join(", ")
        ));
    }
    if let Some(top) = report.jobs.first() {
        let cap = Decimal::new(300, 2);
        out.push(format!(
            "Average cost per video is {} ({}% of the $3.00 cap); the most expensive video, {}, cost {}.",
            money(report.per_video),
            pct(report.per_video, cap),
            top.key,
            money(top.cost)
        ));
    }
    out
}

/// Read the ledger at `ledger`, write the HTML report to `out`, and return the report.
///
/// # Errors
/// [`ErrorKind::Io`] when the ledger cannot be read or the file written.
pub fn render_report_file(ledger: &Path, out: &Path) -> Result<CostReport, Error> {
    if !ledger.exists() {
        return Err(Error::new(
            ErrorKind::Io,
            format!("no ledger at {}", ledger.display()),
        ));
    }
    let ledger = CostLedger::open(ledger, Catalog::embedded()?)?;
    let report = CostReport::from_ledger(&ledger)?;
    ytempire_core::fs::write_atomic_blocking(out, report.to_html()?.as_bytes())?;
    Ok(report)
}
