//! Render the HTML cost report of a ledger.
//!
//! ```text
//! cargo run -p ytempire-examples --example cost_report -- LEDGER.sqlite OUT.html
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [ledger, out] = args.as_slice() else {
        eprintln!("usage: cost_report LEDGER.sqlite OUT.html");
        return ExitCode::from(2);
    };
    match ytempire_cost::render_report_file(&PathBuf::from(ledger), &PathBuf::from(out)) {
        Ok(report) => {
            println!(
                "wrote {out}: total ${} over {} attempts, ${} per video",
                report.total, report.attempts, report.per_video
            );
            for r in &report.recommendations {
                println!("- {r}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cost_report: {e}");
            ExitCode::FAILURE
        }
    }
}
