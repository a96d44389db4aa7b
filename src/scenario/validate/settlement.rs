//! Settlement: the lag in business days, the business days of the week, the calendar of
//! holidays and bank closures, and the clearing files' faults.

use super::super::check::Ctx;
use super::super::error::ScenarioError;
use super::super::postauth;
use super::super::raw::RawSettlement;
use super::super::{SettlementSpec, calendar};

/// The `[settlement]` table, validated; `start_date` places its calendar dates.
pub(super) fn settlement(
    cx: &Ctx,
    s: &RawSettlement,
    start_date: Option<i64>,
) -> Result<SettlementSpec, ScenarioError> {
    let lag = cx.count(&s.lag_days, "settlement.lag_days", 0, 30, false)? as u32;
    let mut business_days = [false; 7];
    for d in s.business_days.get_ref() {
        business_days[d.0 as usize] = true;
    }
    if !business_days.iter().any(|b| *b) {
        return Err(cx.err(
            s.business_days.span(),
            "settlement.business_days",
            "at least one business day is needed, e.g. [\"mon\", \"tue\", \"wed\", \"thu\", \
             \"fri\"]",
        ));
    }
    let (holidays, extra_business_days, bank_down) = calendar::settlement_dates(cx, s, start_date)?;
    let (file_reject_share, file_late_share, file_rejected) =
        postauth::file_faults(cx, s, start_date)?;
    if *s.pos_batch_upload.get_ref() && !s.pos_batch {
        return Err(cx.err(
            s.pos_batch_upload.span(),
            "settlement.pos_batch_upload",
            "needs settlement.pos_batch = true: a terminal uploads its sales after a batch \
             settlement that did not balance",
        ));
    }
    Ok(SettlementSpec {
        cutoff: s.cutoff.0,
        lag_days: lag,
        credit_time: s.credit_time.0,
        business_days,
        holidays,
        extra_business_days,
        bank_down,
        file_reject_share,
        file_late_share,
        file_rejected,
        pos_batch: s.pos_batch,
        pos_batch_upload: *s.pos_batch_upload.get_ref(),
    })
}
