//! `ytempire report`: the HTML cost report over the ledger, plus totals per stage.

use ytempire_core::{Error, Result};
use ytempire_cost::GroupBy;

use super::args::ReportArgs;
use crate::config::Config;

/// Run `ytempire report`.
///
/// # Errors
/// `NotFound` when nothing was recorded yet; ledger or file errors.
pub async fn run(config: &Config, args: ReportArgs) -> Result<()> {
    let ledger_path = config.paths.data_dir().join("ledger.sqlite");
    if !ledger_path.is_file() {
        return Err(Error::new(
            ytempire_core::ErrorKind::NotFound,
            format!(
                "no cost ledger at {}; make a video first (`ytempire make`) or point --config at the right data_dir",
                ledger_path.display()
            ),
        ));
    }
    let out = args
        .out
        .unwrap_or_else(|| config.paths.output_dir.join("cost-report.html"));
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
    }
    ytempire_cost::render_report_file(&ledger_path, &out)?;
    let ledger = crate::open_ledger(&ledger_path)?;
    for row in ledger.aggregate(GroupBy::Stage)? {
        println!(
            "{:<10} ${:<10} {} attempts, {} failed, {} cached",
            row.key, row.cost, row.attempts, row.failures, row.cached
        );
    }
    println!("total:     ${}", ledger.total()?);
    println!("report:    {}", out.display());
    Ok(())
}
