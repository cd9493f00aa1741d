//! Progress bars for a running job, driven by the pipeline's events: one bar per stage that
//! moves with `StageProgress` and shows an ETA (stages that run at the same time, narration
//! and visuals, each have their own). On a terminal the bars draw on stderr;
//! otherwise each finished stage prints one plain line (a failure is left to the command's
//! one error line).
//!
//! The watcher ends when told the run is over ([`ProgressWatcher::finish`]), whatever the
//! run's outcome: it never waits for an event that a failure would not send.

use std::collections::HashMap;
use std::io::IsTerminal as _;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::task::JoinHandle;
use ytempire_core::pipeline::{CancellationToken, PipelineEvent};

/// Watches one job's events; call [`finish`](Self::finish) when the run returns.
#[derive(Debug)]
pub struct ProgressWatcher {
    done: CancellationToken,
    task: JoinHandle<()>,
}

impl ProgressWatcher {
    /// Start watching `job`'s events. Bars draw when stderr is a terminal.
    pub fn start(events: broadcast::Receiver<PipelineEvent>, job: &str) -> Self {
        let bars = std::io::stderr().is_terminal();
        Self::start_with(events, job, bars)
    }

    /// Start watching, with bars (`true`) or plain lines.
    pub fn start_with(events: broadcast::Receiver<PipelineEvent>, job: &str, bars: bool) -> Self {
        let done = CancellationToken::new();
        let task = tokio::spawn(watch(events, job.to_string(), bars, done.clone()));
        Self { done, task }
    }

    /// The run is over: drain what was already sent, close the bars and return.
    pub async fn finish(self) {
        self.done.cancel();
        // Bounded: the watcher only has buffered events left to draw.
        let _ = tokio::time::timeout(Duration::from_secs(2), self.task).await;
    }
}

fn style() -> ProgressStyle {
    ProgressStyle::with_template(
        "{prefix:>10} [{bar:30}] {percent:>3}% {elapsed:>4} eta {eta:<4} {msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ")
}

async fn watch(
    mut events: broadcast::Receiver<PipelineEvent>,
    job: String,
    bars: bool,
    done: CancellationToken,
) {
    let multi = MultiProgress::with_draw_target(if bars {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    });
    // The bars of the stages running now, by stage.
    let mut running: HashMap<String, ProgressBar> = HashMap::new();
    let new_bar = |stage: &str| {
        let bar = multi.add(ProgressBar::new(1000));
        bar.set_style(style());
        bar.set_prefix(stage.to_string());
        bar.enable_steady_tick(Duration::from_millis(250));
        bar
    };
    loop {
        let event = tokio::select! {
            biased;
            e = events.recv() => e,
            () = done.cancelled() => match events.try_recv() {
                Ok(e) => Ok(e),
                Err(_) => break,
            },
        };
        let event = match event {
            Ok(e) => e,
            Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => break,
        };
        if event.job() != job {
            continue;
        }
        match event {
            PipelineEvent::StageStarted { stage, .. } => {
                if let Some(old) =
                    running.insert(stage.as_str().to_owned(), new_bar(stage.as_str()))
                {
                    old.finish_and_clear();
                }
            }
            PipelineEvent::StageProgress {
                stage, fraction, ..
            } => {
                let bar = running
                    .entry(stage.as_str().to_owned())
                    .or_insert_with(|| new_bar(stage.as_str()));
                bar.set_position((fraction.clamp(0.0, 1.0) * 1000.0) as u64);
            }
            PipelineEvent::StageFinished {
                stage,
                elapsed_secs,
                resumed,
                ..
            } => {
                let bar = running
                    .remove(stage.as_str())
                    .unwrap_or_else(|| new_bar(stage.as_str()));
                let msg = if resumed {
                    "restored from the previous run".to_string()
                } else {
                    format!("done in {elapsed_secs:.1}s")
                };
                bar.disable_steady_tick();
                bar.set_position(1000);
                bar.finish_with_message(msg.clone());
                if !bars {
                    eprintln!("{:>10}: {msg}", stage.as_str());
                }
            }
            PipelineEvent::Failed { stage, error, .. } => {
                let line = error.lines().next().unwrap_or_default().to_string();
                if let Some(bar) = running.remove(stage.as_str()) {
                    bar.disable_steady_tick();
                    bar.abandon_with_message(format!("failed: {line}"));
                }
                // Without bars the command's own error line says it; print nothing twice.
            }
            PipelineEvent::Warning { message, .. } => {
                let _ = multi.println(format!("warning: {message}"));
                if !bars {
                    eprintln!("warning: {message}");
                }
            }
            PipelineEvent::Finished { .. } => break,
            _ => {}
        }
    }
    for bar in running.into_values() {
        bar.disable_steady_tick();
        bar.abandon();
    }
}
