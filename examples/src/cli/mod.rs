//! The `ytempire` command: argument definitions (clap) and the subcommands, as library code
//! so other front ends (a web studio) can call the same pieces.
//!
//! Exit codes: 0 success, 1 failure, 2 usage error. Every failure prints one line,
//! `ytempire: error: …`, that says what to fix. No subcommand waits on anything that a
//! failure could leave hanging: the progress watcher ends with the run, whatever happened.

pub mod accounts;
pub mod args;
pub mod exporter;
pub mod jobid;
pub mod make;
pub mod plan;
pub mod progress;
pub mod providers;
pub mod queue;
pub mod report;
pub mod trends;
pub mod upload;
pub mod voice;
pub mod webhooks;

use std::path::PathBuf;

use clap::Parser as _;
use ytempire_core::{Error, Result};

pub use args::{Cli, Command};

use crate::config::Config;

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code for a failure.
pub const EXIT_FAILURE: i32 = 1;
/// Exit code for a usage error.
pub const EXIT_USAGE: i32 = 2;

/// Parse the process arguments, run the command and return its exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            print_error(&Error::internal(format!(
                "cannot start the async runtime: {e}"
            )));
            return EXIT_FAILURE;
        }
    };
    let code = match runtime.block_on(run(cli)) {
        Ok(()) => EXIT_OK,
        Err(e) => {
            print_error(&e);
            EXIT_FAILURE
        }
    };
    // Do not wait for blocked tasks (a stuck render thread) on the way out.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    code
}

/// Print clap's help/version (exit 0) or its usage error as one line (exit 2).
fn usage_error(e: &clap::Error) -> i32 {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                EXIT_USAGE
            } else {
                EXIT_OK
            }
        }
        _ => {
            let text = e.to_string();
            let mut parts = text.lines().map(str::trim).filter(|l| {
                !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more")
            });
            let first = parts
                .next()
                .unwrap_or("invalid arguments")
                .trim_start_matches("error: ")
                .to_string();
            let tip = parts
                .find(|l| l.starts_with("tip:") && !l.contains("as a value"))
                .map(|t| format!("; {t}"))
                .unwrap_or_default();
            eprintln!("ytempire: error: {first}{tip} (see --help)");
            EXIT_USAGE
        }
    }
}

/// Print `e` as the one-line failure message.
pub fn print_error(e: &Error) {
    eprintln!("ytempire: error: {}", one_line(e));
}

/// `e`'s Display on one line (attempts of an aggregate joined with `; `).
pub fn one_line(e: &Error) -> String {
    e.to_string()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "error".into()),
        )
        .with_writer(std::io::stderr)
        .try_init();
}

/// Run a parsed command.
///
/// # Errors
/// Whatever the subcommand reports; the caller prints it with [`print_error`].
pub async fn run(cli: Cli) -> Result<()> {
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Make(args) => make::run(&config, args).await.map(|_| ()),
        Command::Upload(args) => upload::run(&config, args).await,
        Command::Thumbnail(args) => upload::set_thumbnail(&config, args).await,
        Command::Accounts(cmd) => accounts::run(&config, cmd).await,
        Command::Queue(args) => queue::run(&config, args).await,
        Command::Trends(args) => trends::run(&config, args).await,
        Command::Plan(args) => plan::run(&config, args).await,
        Command::Report(args) => report::run(&config, args).await,
        Command::Webhooks(cmd) => webhooks::run(&config, cmd).await,
    }
}

/// The data directory as configured.
pub fn data_dir(config: &Config) -> PathBuf {
    config.paths.data_dir()
}
