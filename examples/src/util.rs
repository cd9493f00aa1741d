//! Small pieces the example binaries share: how a run ends (exit status and a one-line error)
//! and clap parsers for frame sizes.

use std::process::ExitCode;

/// `ExitCode::SUCCESS`, or the error printed on one line as `NAME: error: …` on standard error
/// and `ExitCode::FAILURE`.
///
/// ```
/// use std::process::ExitCode;
/// let ok: Result<(), String> = Ok(());
/// assert_eq!(ytempire_examples::util::finish("demo", ok), ExitCode::SUCCESS);
/// let failed: Result<(), String> = Err("no such file\nsecond line".into());
/// assert_eq!(ytempire_examples::util::finish("demo", failed), ExitCode::FAILURE);
/// ```
pub fn finish<E: std::fmt::Display>(name: &str, result: Result<(), E>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name}: error: {}", e.to_string().replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

/// Parse `WIDTHxHEIGHT` with even sides from 2 to 8192 (the encoders' limits).
///
/// ```
/// use ytempire_examples::util::parse_size;
/// assert_eq!(parse_size("1280x720"), Ok((1280, 720)));
/// assert!(parse_size("1281x720").is_err());
/// assert!(parse_size("wide").is_err());
/// ```
///
/// # Errors
/// A message saying the expected form, for clap to print.
pub fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let bad = || "expected WIDTHxHEIGHT with even sides from 2 to 8192, e.g. 1280x720".to_owned();
    let (w, h) = s.split_once('x').ok_or_else(bad)?;
    let (w, h) = (
        w.parse::<u32>().map_err(|_| bad())?,
        h.parse::<u32>().map_err(|_| bad())?,
    );
    let ok = |n: u32| (2..=8192).contains(&n) && n.is_multiple_of(2);
    if ok(w) && ok(h) {
        Ok((w, h))
    } else {
        Err(bad())
    }
}
