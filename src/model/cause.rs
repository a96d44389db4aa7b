//! Causes: why a payment did not end settled on time. Each payment records the first cause on
//! its path (a fault that struck it, or a legitimate reason such as real insufficient funds),
//! and its outcome is counted against that cause. The fixed causes come first; each fault of
//! the scenario adds one, named after its id. The names are the scenario's vocabulary
//! (`scenario::cause`); [`Cause`] numbers the fixed ones and reads them (tested).

pub use crate::scenario::cause::{FIXED_NAMES, names};

/// The fixed causes, numbered in this one place: a payment records one as its `u8` (see
/// [`id`]), and fault `k` of the scenario follows them as `FIRST_FAULT + k`. `None` is never
/// reported: a payment without a cause settled on time (or, pending at the end of observation,
/// is reported under `ObservationEnded`). Names and descriptions are the scenario's vocabulary
/// (`scenario::cause`), which the scenario layer below the model keeps; the enum reads them by
/// its number (tested).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Cause {
    None,
    InsufficientFunds,
    InvalidCard,
    RestrictedCard,
    OverLimit,
    DoNotHonour,
    FraudDeclined,
    RiskFalsePositive,
    RiskReview,
    Fraud,
    MessageLoss,
    Timeout,
    WrongAccount,
    MerchantRiskHold,
    ClearingFile,
    SettlementBankDown,
    BankMaintenance,
    MissedCutoff,
    ObservationEnded,
    MerchantLimit,
    PayoutUnknown,
    AccountCap,
    PreauthExpired,
    WrongPin,
    ExpiredCard,
    ProcessingError,
    LatePresentment,
    GoodsDispute,
}

impl Cause {
    /// How many fixed causes there are: the first fault's number.
    pub const COUNT: usize = 28;
    /// Every fixed cause, in the order of its number.
    pub const ALL: [Cause; Cause::COUNT] = [
        Cause::None,
        Cause::InsufficientFunds,
        Cause::InvalidCard,
        Cause::RestrictedCard,
        Cause::OverLimit,
        Cause::DoNotHonour,
        Cause::FraudDeclined,
        Cause::RiskFalsePositive,
        Cause::RiskReview,
        Cause::Fraud,
        Cause::MessageLoss,
        Cause::Timeout,
        Cause::WrongAccount,
        Cause::MerchantRiskHold,
        Cause::ClearingFile,
        Cause::SettlementBankDown,
        Cause::BankMaintenance,
        Cause::MissedCutoff,
        Cause::ObservationEnded,
        Cause::MerchantLimit,
        Cause::PayoutUnknown,
        Cause::AccountCap,
        Cause::PreauthExpired,
        Cause::WrongPin,
        Cause::ExpiredCard,
        Cause::ProcessingError,
        Cause::LatePresentment,
        Cause::GoodsDispute,
    ];

    /// The number a payment records.
    #[inline(always)]
    pub const fn id(self) -> u8 {
        self as u8
    }

    /// The fixed cause of number `id`, if it is one (not a fault's).
    pub fn from_id(id: u8) -> Option<Cause> {
        Cause::ALL.get(id as usize).copied()
    }

    /// The name in results and scenarios (`insufficient_funds`).
    pub fn name(self) -> &'static str {
        FIXED_NAMES[self as usize]
    }

    /// What it means, in plain words.
    pub fn describe(self) -> &'static str {
        crate::scenario::cause::describe(self.name())
    }
}

// The scenario's list of names has one per fixed cause.
const _: () = assert!(FIXED_NAMES.len() == Cause::COUNT);

/// The fixed causes' numbers, as `u8` constants for matching a payment's recorded cause.
pub mod id {
    use super::Cause;
    pub const NONE: u8 = Cause::None.id();
    pub const INSUFFICIENT_FUNDS: u8 = Cause::InsufficientFunds.id();
    pub const INVALID_CARD: u8 = Cause::InvalidCard.id();
    pub const RESTRICTED_CARD: u8 = Cause::RestrictedCard.id();
    pub const OVER_LIMIT: u8 = Cause::OverLimit.id();
    pub const DO_NOT_HONOUR: u8 = Cause::DoNotHonour.id();
    pub const FRAUD_DECLINED: u8 = Cause::FraudDeclined.id();
    pub const RISK_FALSE_POSITIVE: u8 = Cause::RiskFalsePositive.id();
    pub const RISK_REVIEW: u8 = Cause::RiskReview.id();
    pub const FRAUD: u8 = Cause::Fraud.id();
    pub const MESSAGE_LOSS: u8 = Cause::MessageLoss.id();
    pub const TIMEOUT: u8 = Cause::Timeout.id();
    pub const WRONG_ACCOUNT: u8 = Cause::WrongAccount.id();
    pub const MERCHANT_RISK_HOLD: u8 = Cause::MerchantRiskHold.id();
    pub const CLEARING_FILE: u8 = Cause::ClearingFile.id();
    pub const SETTLEMENT_BANK_DOWN: u8 = Cause::SettlementBankDown.id();
    pub const BANK_MAINTENANCE: u8 = Cause::BankMaintenance.id();
    pub const MISSED_CUTOFF: u8 = Cause::MissedCutoff.id();
    pub const OBSERVATION_ENDED: u8 = Cause::ObservationEnded.id();
    pub const MERCHANT_LIMIT: u8 = Cause::MerchantLimit.id();
    pub const PAYOUT_UNKNOWN: u8 = Cause::PayoutUnknown.id();
    pub const ACCOUNT_CAP: u8 = Cause::AccountCap.id();
    pub const PREAUTH_EXPIRED: u8 = Cause::PreauthExpired.id();
    pub const WRONG_PIN: u8 = Cause::WrongPin.id();
    pub const EXPIRED_CARD: u8 = Cause::ExpiredCard.id();
    pub const PROCESSING_ERROR: u8 = Cause::ProcessingError.id();
    pub const LATE_PRESENTMENT: u8 = Cause::LatePresentment.id();
    pub const GOODS_DISPUTE: u8 = Cause::GoodsDispute.id();
    /// The first fault's cause; fault `k` of the scenario is `FIRST_FAULT + k`.
    pub const FIRST_FAULT: u8 = Cause::COUNT as u8;
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
        c::WRONG_PIN => id::WRONG_PIN,
        c::EXPIRED_CARD => id::EXPIRED_CARD,
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
        for (i, c) in Cause::ALL.into_iter().enumerate() {
            assert_eq!(c.id() as usize, i);
            assert_eq!(Cause::from_id(c.id()), Some(c));
            assert_eq!(c.name(), FIXED_NAMES[i]);
            assert!(!c.describe().is_empty());
        }
        assert_eq!(Cause::from_id(id::FIRST_FAULT), None);
        assert_eq!(
            Cause::InsufficientFunds.describe(),
            "the cardholder's balance was too low (51)"
        );
    }
}
