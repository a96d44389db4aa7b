//! Causes: why a payment did not end settled on time. Each payment records the first cause on
//! its path (a fault that struck it, or a legitimate reason such as real insufficient funds),
//! and its outcome is counted against that cause. The fixed causes come first; each fault of
//! the scenario adds one, named after its id. The names are the scenario's vocabulary
//! (`scenario::cause`); the indices below match them (tested).

pub use crate::scenario::cause::{FIXED_NAMES, names};

/// The fixed causes, by index. `NONE` is never reported: a payment without a cause settled on
/// time (or, pending at the end of observation, is reported under `OBSERVATION_ENDED`).
pub mod id {
    pub const NONE: u8 = 0;
    pub const INSUFFICIENT_FUNDS: u8 = 1;
    pub const INVALID_CARD: u8 = 2;
    pub const RESTRICTED_CARD: u8 = 3;
    pub const OVER_LIMIT: u8 = 4;
    pub const DO_NOT_HONOUR: u8 = 5;
    pub const FRAUD_DECLINED: u8 = 6;
    pub const RISK_FALSE_POSITIVE: u8 = 7;
    pub const RISK_REVIEW: u8 = 8;
    pub const FRAUD: u8 = 9;
    pub const MESSAGE_LOSS: u8 = 10;
    pub const TIMEOUT: u8 = 11;
    pub const WRONG_ACCOUNT: u8 = 12;
    pub const MERCHANT_RISK_HOLD: u8 = 13;
    pub const CLEARING_FILE: u8 = 14;
    pub const SETTLEMENT_BANK_DOWN: u8 = 15;
    pub const BANK_MAINTENANCE: u8 = 16;
    pub const MISSED_CUTOFF: u8 = 17;
    pub const OBSERVATION_ENDED: u8 = 18;
    /// The first fault's cause; fault `k` of the scenario is `FIRST_FAULT + k`.
    pub const FIRST_FAULT: u8 = 19;
}

/// The cause of a decline code from the issuer (the code's meaning), if it is one.
pub fn of_code(code: u8) -> u8 {
    use super::payment::code as c;
    match code {
        c::INSUFFICIENT_FUNDS => id::INSUFFICIENT_FUNDS,
        c::INVALID_CARD => id::INVALID_CARD,
        c::RESTRICTED_CARD => id::RESTRICTED_CARD,
        c::OVER_LIMIT => id::OVER_LIMIT,
        c::DO_NOT_HONOUR => id::DO_NOT_HONOUR,
        _ => id::NONE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_index_their_names() {
        assert_eq!(
            FIXED_NAMES[id::INSUFFICIENT_FUNDS as usize],
            "insufficient_funds"
        );
        assert_eq!(FIXED_NAMES[id::MESSAGE_LOSS as usize], "message_loss");
        assert_eq!(FIXED_NAMES[id::MISSED_CUTOFF as usize], "missed_cutoff");
        assert_eq!(
            FIXED_NAMES[id::OBSERVATION_ENDED as usize],
            "observation_ended"
        );
        assert_eq!(FIXED_NAMES.len(), id::FIRST_FAULT as usize);
    }
}
