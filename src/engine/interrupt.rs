//! A process-wide request to stop, set from a signal handler (SIGINT, SIGTERM: see
//! `runner::job::cancel_flag`) and polled inside long loops: a run's event loop looks at it
//! every [`POLL_EVERY`] events, so even one very long run stops within milliseconds of the
//! request. Nothing sets it but a signal; a run that saw it ends with `RunError::Interrupted`
//! and leaves no result.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Events between two looks at the request (a power of two: the test is a mask).
pub const POLL_EVERY: u64 = 1 << 16;

/// Asks every long loop of the process to stop.
pub fn request() {
    REQUESTED.store(true, Ordering::Relaxed);
}

/// Whether a stop was asked for.
#[inline]
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}
