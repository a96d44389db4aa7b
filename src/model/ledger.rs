//! Double-entry bookkeeping. Money moves only by postings between named accounts; each posting
//! debits one account and credits another by the same integer amount, so the balances always
//! sum to zero. What is stuck sits in an identifiable account: an issuer's holds (authorised,
//! never cleared) or suspense.

/// A ledger account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Account {
    /// All cardholders together (their available funds).
    Cardholders,
    /// Funds an issuer has taken from cardholders for payments not yet paid on to the channel
    /// (holds of authorised payments, and posted debits awaiting interbank settlement).
    IssuerHolds(u16),
    /// A channel's settlement position.
    Channel(u16),
    /// The acquirer's settlement account.
    Acquirer,
    /// All merchants together.
    Merchants,
    /// The acquirer's suspense account: received money not yet matched to a merchant.
    Suspense,
    /// Payouts the acquirer's merchant risk control holds for review.
    RiskHold,
    /// Chargebacks the acquirer absorbed (its balance is minus the loss).
    AcquirerLoss,
    /// Chargebacks the issuers absorbed.
    IssuerLoss,
    /// Fees (`[fees]`): interchange the issuers earned, net of their scheme fee; the scheme's
    /// fees from both sides; the acquirer's revenue (the merchant's discount minus
    /// interchange and the acquirer's scheme fee).
    IssuerFees,
    SchemeFees,
    AcquirerRevenue,
    /// Payouts on their way to a merchant's wrong account, before they come back
    /// (`[payout] return_delay`).
    PayoutRail,
}

/// Accounts before the per-issuer and per-channel ones.
const FIXED: usize = 11;

/// Balances of every account, in minor units.
#[derive(Clone, Debug)]
pub struct Ledger {
    issuers: usize,
    channels: usize,
    balances: Vec<i64>,
    postings: u64,
}

impl Ledger {
    pub fn new(issuers: usize, channels: usize) -> Self {
        Ledger {
            issuers,
            channels,
            balances: vec![0; FIXED + issuers + channels],
            postings: 0,
        }
    }

    #[inline]
    fn index(&self, a: Account) -> usize {
        match a {
            Account::Cardholders => 0,
            Account::Acquirer => 1,
            Account::Merchants => 2,
            Account::Suspense => 3,
            Account::RiskHold => 4,
            Account::AcquirerLoss => 5,
            Account::IssuerLoss => 6,
            Account::IssuerFees => 7,
            Account::SchemeFees => 8,
            Account::AcquirerRevenue => 9,
            Account::PayoutRail => 10,
            Account::IssuerHolds(i) => FIXED + i as usize,
            Account::Channel(c) => FIXED + self.issuers + c as usize,
        }
    }

    /// Moves `amount` from `from` to `to`.
    #[inline]
    pub fn post(&mut self, from: Account, to: Account, amount: i64) {
        let (f, t) = (self.index(from), self.index(to));
        self.balances[f] -= amount;
        self.balances[t] += amount;
        self.postings += 1;
    }

    pub fn balance(&self, a: Account) -> i64 {
        self.balances[self.index(a)]
    }

    /// Sum over all accounts: zero whenever the books balance.
    pub fn total(&self) -> i128 {
        self.balances.iter().map(|&b| b as i128).sum()
    }

    pub fn channels(&self) -> u16 {
        self.channels as u16
    }

    pub fn postings(&self) -> u64 {
        self.postings
    }

    /// Total held by all issuers (authorised, not cleared).
    pub fn held(&self) -> i64 {
        (0..self.issuers).map(|i| self.balances[FIXED + i]).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postings_balance() {
        let mut l = Ledger::new(2, 1);
        l.post(Account::Cardholders, Account::IssuerHolds(1), 500);
        l.post(Account::IssuerHolds(1), Account::Channel(0), 500);
        l.post(Account::Channel(0), Account::Acquirer, 500);
        l.post(Account::Acquirer, Account::Merchants, 500);
        assert_eq!(l.total(), 0);
        assert_eq!(l.balance(Account::Cardholders), -500);
        assert_eq!(l.balance(Account::Merchants), 500);
        assert_eq!(l.held(), 0);
        assert_eq!(l.postings(), 4);
    }
}
