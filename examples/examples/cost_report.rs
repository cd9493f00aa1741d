//! Render the HTML cost report of a ledger.
//!
//! ```text
//! cargo run -p ytempire-examples --example cost_report -- LEDGER.sqlite OUT.html
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Render the HTML cost report of a cost ledger.
#[derive(Debug, Parser)]
#[command(name = "cost_report")]
struct Args {
    /// The cost ledger (SQLite) to read.
    #[arg(value_name = "LEDGER.sqlite")]
    ledger: PathBuf,
    /// Where to write the HTML report.
    #[arg(value_name = "OUT.html")]
    out: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match ytempire_cost::render_report_file(&args.ledger, &args.out) {
        Ok(report) => {
            println!(
                "wrote {}: total ${} over {} attempts, ${} per video",
                args.out.display(),
                report.total,
                report.attempts,
                report.per_video
            );
            for r in &report.recommendations {
                println!("- {r}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cost_report: error: {}", e.to_string().replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}
