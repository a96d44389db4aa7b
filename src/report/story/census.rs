//! The census of a run written as a spreadsheet ([`csv()`]), and recorded payments told as
//! stories ([`tell`]). The census and the recordings come from replays
//! (`runner::replay`): here they are only read.

use super::{Story, build, money};
use crate::engine::time::as_secs_f64;
use crate::i18n::Lang;
use crate::runner::replay::{Replayed, Row};
use crate::scenario::Scenario;

/// The stories of recorded payments, in their order.
pub fn tell(s: &Scenario, seed: u64, replayed: &[Replayed], lang: Lang) -> Vec<Story> {
    replayed
        .iter()
        .map(|r| build(s, seed, r.run, r.serial, &r.steps, lang))
        .collect()
}

/// The census as CSV, one row per payment, for a class to sort and filter in a spreadsheet.
pub fn csv(s: &Scenario, rows: &[Row]) -> String {
    let _ = s;
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record([
        "serial",
        "terminal_group",
        "amount",
        "created_at_s",
        "issuer",
        "channel",
        "till_code",
        "outcome",
        "cause",
        "settled_at_s",
        "settlement_delay_s",
        "credited",
        "false_decline",
    ])
    .expect("in memory");
    for r in rows {
        let settled = r.settled_at.map(|t| format!("{:.3}", as_secs_f64(t)));
        let delay = r
            .settled_at
            .map(|t| format!("{:.3}", as_secs_f64(t.saturating_sub(r.created))));
        w.write_record([
            r.serial.to_string(),
            r.group.clone(),
            money(r.amount),
            format!("{:.3}", as_secs_f64(r.created)),
            r.issuer.clone(),
            r.channel.clone(),
            r.till_code.map_or(String::new(), |c| format!("{c:02}")),
            r.outcome.unwrap_or("").to_string(),
            if r.outcome.is_some() {
                r.cause.clone()
            } else {
                String::new()
            },
            settled.unwrap_or_default(),
            delay.unwrap_or_default(),
            money(r.credited),
            r.false_decline.to_string(),
        ])
        .expect("in memory");
    }
    String::from_utf8(w.into_inner().expect("in memory")).expect("utf-8")
}
