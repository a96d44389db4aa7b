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

/// The progress of a batch over runs: the indicatif bar on a terminal; when standard error is
/// not a terminal (CI, `nohup`, a redirect), a plain line every few seconds (runs done, rate,
/// time left), so that a long job is seen to move. Nothing when quiet.
pub struct Progress {
    bar: indicatif::ProgressBar,
    plain: Option<std::sync::Mutex<Plain>>,
}

/// The plain lines' state.
struct Plain {
    label: String,
    total: u64,
    start: std::time::Instant,
    last: std::time::Instant,
    every: std::time::Duration,
    lines: u32,
    lang: crate::i18n::Lang,
}

/// Seconds between two plain progress lines: `PAYFAULT_PROGRESS_SECS`, else 5.
fn progress_every() -> std::time::Duration {
    let secs = std::env::var("PAYFAULT_PROGRESS_SECS")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(5.0);
    std::time::Duration::from_secs_f64(secs.min(86_400.0))
}

/// A duration in seconds as a person reads it: `45 s`, `3 min 20 s`, `2 h 5 min` (`3 分 20 秒`).
fn human_secs(lang: crate::i18n::Lang, s: f64) -> String {
    use crate::tr;
    let s = s.clamp(0.0, 1e9).round() as u64;
    match s {
        0..60 => tr!(lang, "progress.secs", s = s),
        60..3600 => tr!(lang, "progress.mins", m = s / 60, s = s % 60),
        _ => tr!(lang, "progress.hours", h = s / 3600, m = (s % 3600) / 60),
    }
}

impl Progress {
    /// `done` runs of the batch are made.
    pub fn set_position(&self, done: u64) {
        self.bar.set_position(done);
        let Some(plain) = &self.plain else {
            return;
        };
        let Ok(mut p) = plain.lock() else {
            return;
        };
        let now = std::time::Instant::now();
        if now.duration_since(p.last) < p.every || done == 0 {
            return;
        }
        p.last = now;
        p.lines += 1;
        let elapsed = now.duration_since(p.start).as_secs_f64().max(1e-9);
        let rate = done as f64 / elapsed;
        let left = p.total.saturating_sub(done) as f64 / rate;
        eprintln!(
            "{}",
            crate::tr!(
                p.lang,
                "progress.line",
                label = p.label,
                done = done,
                total = p.total,
                rate = format!("{rate:.1}"),
                left = human_secs(p.lang, left)
            )
        );
    }

    /// The batch ended: the bar is cleared; after plain lines, a last one with the time taken.
    pub fn finish_and_clear(&self) {
        self.bar.finish_and_clear();
        let Some(Ok(p)) = self.plain.as_ref().map(|m| m.lock()) else {
            return;
        };
        if p.lines > 0 {
            eprintln!(
                "{}",
                crate::tr!(
                    p.lang,
                    "progress.done",
                    label = p.label,
                    elapsed = human_secs(p.lang, p.start.elapsed().as_secs_f64())
                )
            );
        }
    }
}

/// The progress of a batch of `runs` runs, labelled `label` (see [`Progress`]); nothing when
/// quiet.
pub fn progress_bar(runs: u64, label: &str, quiet: bool, lang: crate::i18n::Lang) -> Progress {
    use std::io::IsTerminal;
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
    let plain = (!quiet && !std::io::stderr().is_terminal()).then(|| {
        let now = std::time::Instant::now();
        std::sync::Mutex::new(Plain {
            label: label.to_owned(),
            total: runs,
            start: now,
            last: now,
            every: progress_every(),
            lines: 0,
            lang,
        })
    });
    Progress { bar, plain }
}
