//! Resource limits: what a scenario may ask for before it is refused as too large to run here
//! (`--allow-large` raises them a hundredfold).

use crate::engine::{DAY, Nanos};

/// What a scenario may ask for before it is refused as too large to run here.
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_runs: u64,
    /// Expected payments in one run (rate × window, peaks included).
    pub max_payments_per_run: f64,
    pub max_terminals: u64,
    pub max_accounts: u64,
    pub max_servers: u64,
    /// Traffic window plus observation.
    pub max_horizon: Nanos,
    /// Whether these are already the `--allow-large` limits (then no hint to pass it).
    pub large: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_runs: 100_000,
            max_payments_per_run: 20_000_000.0,
            max_terminals: 1_000_000,
            max_accounts: 20_000_000,
            max_servers: 100_000,
            max_horizon: 366 * DAY,
            large: false,
        }
    }
}

impl Limits {
    /// How to raise a limit, for messages.
    pub fn hint(&self) -> &'static str {
        if self.large {
            " (the --allow-large limit)"
        } else {
            "; pass --allow-large to raise it"
        }
    }

    /// The limits with `--allow-large`: a hundred times more of everything, still bounded so
    /// that nothing overflows.
    pub fn large() -> Self {
        Limits {
            max_runs: 10_000_000,
            max_payments_per_run: 2_000_000_000.0,
            max_terminals: 100_000_000,
            max_accounts: 1_000_000_000,
            max_servers: 10_000_000,
            max_horizon: 10 * 366 * DAY,
            large: true,
        }
    }
}
