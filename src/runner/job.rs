//! What every command shares around its batches: why a job failed ([`JobError`], classified
//! for its exit code), the process-wide cancellation flag that Ctrl-C sets ([`cancel_flag`];
//! it stops a batch between runs and a run in progress), and the progress bar shown on a
//! terminal. Writing a batch's folder is `report::folder`.

use super::BatchError;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// Why a job failed, classified for its exit code.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The output folder cannot be used (bad input: exit 2).
    #[error("{0}")]
    Output(String),
    /// The user stopped the batch (exit 130).
    #[error("stopped after {completed} of {runs} runs; no output was written")]
    Interrupted { completed: u64, runs: u64 },
    /// The simulator or the file system failed (exit 1).
    #[error("{0}")]
    Failed(String),
    /// The options cannot be honoured (bad input: exit 2).
    #[error("{0}")]
    Options(String),
    /// The results could not be written (exit 3); the message names the path.
    #[error("{0}")]
    Write(String),
}

impl From<BatchError> for JobError {
    fn from(e: BatchError) -> Self {
        match e {
            BatchError::Interrupted { completed, runs } => {
                JobError::Interrupted { completed, runs }
            }
            BatchError::Threads(..) | BatchError::Memory(_) => JobError::Options(e.to_string()),
            e => JobError::Failed(e.to_string()),
        }
    }
}

/// The process-wide cancellation flag, set by Ctrl-C (SIGINT), SIGTERM or SIGHUP (the handler
/// is installed on first use; install it before creating temporaries, so that they are removed).
pub fn cancel_flag() -> &'static AtomicBool {
    static FLAG: OnceLock<&'static AtomicBool> = OnceLock::new();
    FLAG.get_or_init(|| {
        let flag: &'static AtomicBool = Box::leak(Box::new(AtomicBool::new(false)));
        // A handler may already be installed in this process (tests); then Ctrl-C is theirs.
        let _ = ctrlc::set_handler(move || {
            flag.store(true, Ordering::Relaxed);
            // Runs in progress stop too, not only the runs not yet started.
            crate::engine::interrupt::request();
        });
        flag
    })
}

/// A progress bar over runs, hidden when quiet.
pub fn progress_bar(runs: u64, label: &str, quiet: bool) -> indicatif::ProgressBar {
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(runs)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:40}] {pos}/{len} runs, {elapsed} (eta {eta})",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_message(label.to_owned());
    bar
}
