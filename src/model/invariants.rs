//! Named invariants, checked on every run. A violation is a bug in the simulator, never in the
//! scenario: it names the property, the run and the seed so the run can be replayed.

use super::accounts::Accounts;
use super::ledger::{Account, Ledger};
use crate::model::output::RunOutput;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invariant {
    /// The ledger's balances sum to zero: no posting created or destroyed money.
    MoneyConserved,
    /// Every payment created ends in exactly one outcome.
    OneOutcomePerPayment,
    /// Each payment's own postings agree with its outcome (settled: charged and credited once;
    /// stuck: charged, not credited; declined / reversed: neither).
    OutcomeMatchesPostings,
    /// No payment is credited to the merchant twice.
    NoDoubleSettlement,
    /// The acquirer's belief about a payment (a sale, or no sale) and the issuer's records
    /// (the cardholder's money taken, or not) agree, or a break records the mismatch.
    BeliefsAgreeOrBreak,
    /// The cardholders' account balances moved by exactly what the ledger says, merchants were
    /// credited exactly the settled payments, and what issuers still hold is exactly the stuck
    /// and pending payments.
    AccountsMatchLedger,
}

impl Invariant {
    pub fn name(self) -> &'static str {
        match self {
            Invariant::MoneyConserved => "money_conserved",
            Invariant::OneOutcomePerPayment => "one_outcome_per_payment",
            Invariant::OutcomeMatchesPostings => "outcome_matches_postings",
            Invariant::NoDoubleSettlement => "no_double_settlement",
            Invariant::AccountsMatchLedger => "accounts_match_ledger",
            Invariant::BeliefsAgreeOrBreak => "beliefs_agree_or_break",
        }
    }
}

/// An invariant that failed in one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub invariant: Invariant,
    pub run: u64,
    pub seed: u64,
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invariant `{}` violated in run {} (seed {}): {}",
            self.invariant.name(),
            self.run,
            self.seed,
            self.detail
        )
    }
}

impl std::error::Error for Violation {}

/// End-of-run checks of the books against the payments.
pub(super) fn check_books(
    out: &RunOutput,
    ledger: &Ledger,
    accounts: &[Accounts],
) -> Result<(), (Invariant, String)> {
    if ledger.total() != 0 {
        return Err((
            Invariant::MoneyConserved,
            format!(
                "ledger balances sum to {} minor units, not 0",
                ledger.total()
            ),
        ));
    }
    // Every record ends in one outcome, except a retry's superseded attempt in which nobody's
    // money moved (see `remedies::retry`).
    let classified: u64 = out.outcomes.iter().sum();
    if classified + out.attempts_without_outcome != out.payments + out.retry_attempts {
        return Err((
            Invariant::OneOutcomePerPayment,
            format!(
                "{} payments and {} retries created but {classified} outcomes recorded ({} \
                 attempts without one)",
                out.payments, out.retry_attempts, out.attempts_without_outcome
            ),
        ));
    }
    let moved: i128 = accounts
        .iter()
        .map(|a| a.opening_total - a.current_total())
        .sum();
    if moved != -(ledger.balance(Account::Cardholders) as i128) {
        return Err((
            Invariant::AccountsMatchLedger,
            format!(
                "cardholder balances fell by {moved} but the ledger debited {}",
                -ledger.balance(Account::Cardholders)
            ),
        ));
    }
    if ledger.balance(Account::Merchants) != out.merchant_credited + out.duplicate_open {
        return Err((
            Invariant::AccountsMatchLedger,
            format!(
                "merchants hold {} but settled payments credited {} and duplicate payouts not \
                 taken back amount to {}",
                ledger.balance(Account::Merchants),
                out.merchant_credited,
                out.duplicate_open
            ),
        ));
    }
    if ledger.held() != out.held_at_end {
        return Err((
            Invariant::AccountsMatchLedger,
            format!(
                "issuers hold {} but the payments whose cardholders are still charged and whose \
                 merchants are not credited amount to {}",
                ledger.held(),
                out.held_at_end
            ),
        ));
    }
    if ledger.balance(Account::Suspense) != out.suspense_at_end {
        return Err((
            Invariant::AccountsMatchLedger,
            format!(
                "suspense holds {} but the returned payouts not yet corrected amount to {}",
                ledger.balance(Account::Suspense),
                out.suspense_at_end
            ),
        ));
    }
    // Every other account holds exactly what the payments say is there.
    let expected = [
        (
            Account::RiskHold,
            out.risk_hold_at_end,
            "payouts held by merchant risk",
        ),
        (
            Account::PayoutRail,
            out.rail_at_end,
            "payouts to wrong accounts not yet come back, and payout orders on their way",
        ),
        (
            Account::Acquirer,
            out.acquirer_at_end,
            "settled, minus paid out",
        ),
        (
            Account::AcquirerLoss,
            -out.chargeback_loss[1],
            "minus the chargebacks it bore",
        ),
        (
            Account::IssuerLoss,
            -out.chargeback_loss[2],
            "minus the chargebacks they bore",
        ),
        (
            Account::IssuerFees,
            out.fees.interchange - out.fees.scheme_issuer,
            "interchange less the issuers' scheme fee, of the sales paid out",
        ),
        (
            Account::SchemeFees,
            out.fees.scheme_acquirer + out.fees.scheme_issuer,
            "the scheme's fees of the sales paid out",
        ),
        (
            Account::AcquirerRevenue,
            out.fees.revenue,
            "the acquirer's share of the discounts of the sales paid out",
        ),
    ];
    for (a, want, what) in expected {
        if ledger.balance(a) != want {
            return Err((
                Invariant::AccountsMatchLedger,
                format!(
                    "{a:?} holds {} but the payments say {want} ({what})",
                    ledger.balance(a)
                ),
            ));
        }
    }
    if let Some(c) = (0..ledger.channels()).find(|&c| ledger.balance(Account::Channel(c)) != 0) {
        return Err((
            Invariant::AccountsMatchLedger,
            format!(
                "channel {c} holds {} at the end: channels only pass money on",
                ledger.balance(Account::Channel(c))
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> (RunOutput, Ledger, Vec<Accounts>) {
        (RunOutput::new(0, 1), Ledger::new(1, 1), vec![])
    }

    #[test]
    fn balanced_books_pass() {
        let (out, ledger, accounts) = fixture();
        assert_eq!(check_books(&out, &ledger, &accounts), Ok(()));
    }

    #[test]
    fn each_imbalance_is_named() {
        // Money leaving the cardholders with no account pool behind it.
        let (out, mut ledger, accounts) = fixture();
        ledger.post(Account::Cardholders, Account::IssuerHolds(0), 100);
        assert_eq!(
            check_books(&out, &ledger, &accounts).unwrap_err().0,
            Invariant::AccountsMatchLedger
        );
        // A payment created but never classified.
        let (mut out, ledger, accounts) = fixture();
        out.payments = 1;
        assert_eq!(
            check_books(&out, &ledger, &accounts).unwrap_err().0,
            Invariant::OneOutcomePerPayment
        );
        // Merchants credited without a settled payment.
        let (out, mut ledger, accounts) = fixture();
        ledger.post(Account::Acquirer, Account::Merchants, 5);
        assert_eq!(
            check_books(&out, &ledger, &accounts).unwrap_err().0,
            Invariant::AccountsMatchLedger
        );
    }

    #[test]
    fn violation_names_invariant_run_and_seed() {
        let v = Violation {
            invariant: Invariant::MoneyConserved,
            run: 7,
            seed: 42,
            detail: "x".into(),
        };
        assert_eq!(
            v.to_string(),
            "invariant `money_conserved` violated in run 7 (seed 42): x"
        );
    }
}
