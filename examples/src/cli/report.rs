//! `ytempire report`: the HTML cost report over the ledger, plus totals per stage. The
//! ledger is this machine's SQLite file, or, when `--database`, `DATABASE_URL` or the
//! config's `database` names a PostgreSQL server, the one the workers share there.

use ytempire_core::{Error, Result};
use ytempire_cost::GroupBy;

use super::args::ReportArgs;
use crate::config::Config;

/// Run `ytempire report`.
///
/// # Errors
/// `NotFound` when nothing was recorded yet; ledger or file errors.
pub async fn run(config: &Config, args: ReportArgs) -> Result<()> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| config.paths.output_dir.join("cost-report.html"));
    // Workers on a PostgreSQL server keep one ledger there.
    let ledger = match super::queue::database(config, args.database.as_deref())
        .filter(|u| ytempire_core::pg::is_postgres_url(u))
    {
        Some(url) => super::make::open_shared_ledger(config, &url)?,
        None => {
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
            crate::open_ledger(&ledger_path)?
        }
    };
    let report = ytempire_cost::CostReport::from_ledger(&ledger)?;
    create_parent(&out)?;
    ytempire_core::fs::write_atomic_blocking(&out, report.to_html()?.as_bytes())?;
    print_totals(&ledger, &out)
}

/// Create the folder `out` goes in.
fn create_parent(out: &std::path::Path) -> Result<()> {
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
    }
    Ok(())
}

/// Totals per stage, the total and where the report is.
fn print_totals(ledger: &ytempire_cost::CostLedger, out: &std::path::Path) -> Result<()> {
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
