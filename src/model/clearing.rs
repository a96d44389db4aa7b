//! Clearing batches, kept small.
//!
//! A payment waiting for its batch to be credited needs nothing but its amount, route and sale
//! time. Once nothing else refers to it (no message in flight, no timer), it is
//! *retired*: folded into its batch's aggregate and its arena slot freed. Memory then grows with
//! payments actually in flight in the network, not with the day's payments awaiting settlement.
//! Payments still referenced elsewhere stay in the batch's `live` list, handled one by one.

use crate::engine::Nanos;
use crate::model::PaymentId;
use crate::model::output::EXEMPLARS_PER_CAUSE;
use crate::scenario::fees::Split;
use hdrhistogram::Histogram;
use std::collections::BTreeMap;

/// `Payment::batch` when the payment is in no batch.
pub(super) const NO_BATCH: u32 = u32::MAX;
/// `Payment::batch` for the open batch (the one the next cut-off will clear).
pub(super) const OPEN_BATCH: u32 = u32::MAX - 1;

/// One clearing batch.
pub(super) struct Batch {
    /// Payments still referenced elsewhere; `Payment::batch_pos` is the index here.
    pub live: Vec<PaymentId>,
    pub retired: Retired,
}

/// The aggregate of retired payments: legitimate sales the till approved, with ordinary
/// payouts.
pub(super) struct Retired {
    /// The batch's cut-off instant: sale times are kept as offsets before it.
    pub reference: Nanos,
    pub count: u64,
    pub amount: i64,
    /// Amount per route, indexed `issuer * channels + channel`.
    pub routes: Vec<i64>,
    /// Milliseconds from each sale to `reference` (allocated on first use).
    pub before_reference_ms: Option<Histogram<u64>>,
    /// Count and amount of the retired sales by the deadline of their promise (a few a day).
    pub deadlines: BTreeMap<Nanos, Due>,
    /// The sum of their splits (`[fees]`; all zero without): what their merchants are paid
    /// and the fees taken when the batch is credited.
    pub fees: Split,
}

/// The retired sales due by one deadline: how many, their amount, and the serials of the first
/// few (candidate stories, should they end badly: `RunOutput::exemplars`).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Due {
    pub n: u64,
    pub amount: i64,
    /// What their merchants are paid: the amount less the fees (`[fees]`; 0 without).
    pub net: i64,
    first: [u64; EXEMPLARS_PER_CAUSE as usize],
}

impl Due {
    /// The serials of the first sales retired with this deadline (at most
    /// [`EXEMPLARS_PER_CAUSE`]).
    pub fn first(&self) -> &[u64] {
        &self.first[..(self.n as usize).min(self.first.len())]
    }
}

impl Batch {
    pub fn new(reference: Nanos, routes: usize) -> Self {
        Batch {
            live: vec![],
            retired: Retired {
                reference,
                count: 0,
                amount: 0,
                routes: vec![0; routes],
                before_reference_ms: None,
                deadlines: BTreeMap::new(),
                fees: Split::default(),
            },
        }
    }

    pub fn is_empty(&self) -> bool {
        self.live.is_empty() && self.retired.count == 0
    }
}

impl Retired {
    /// Adds one payment, whose promise is kept by a credit at `deadline` (with `[fees]`, its
    /// split follows: [`Retired::add_split`]).
    pub fn add(&mut self, serial: u64, t_sale: Nanos, amount: i64, route: usize, deadline: Nanos) {
        self.count += 1;
        self.amount += amount;
        let d = self.deadlines.entry(deadline).or_default();
        if let Some(slot) = d.first.get_mut(d.n as usize) {
            *slot = serial;
        }
        d.n += 1;
        d.amount += amount;
        self.routes[route] += amount;
        let h = self
            .before_reference_ms
            .get_or_insert_with(crate::model::output::settle_histogram);
        h.saturating_record(self.reference.saturating_sub(t_sale) / 1_000_000);
    }

    /// Adds the split of the payment just added with `deadline` (`[fees]`): its merchant is
    /// paid `split.net`.
    pub fn add_split(&mut self, deadline: Nanos, split: &Split) {
        if let Some(d) = self.deadlines.get_mut(&deadline) {
            d.net += split.net;
        }
        self.fees += split;
    }
}
