//! The issuer's cardholder accounts and its authorisation decision.

use super::RunError;
use super::payment::code;
use crate::engine::Stream;
use crate::engine::rng::{below, unit};
use crate::scenario::IssuerSpec;

/// One cardholder account. Balance and status side by side: a payment touches one cache line.
#[derive(Clone, Copy, Debug)]
pub struct Account {
    pub balance: i64,
    pub frozen: bool,
}

/// One issuer's pool of cardholder accounts.
pub struct Accounts {
    pub accounts: Vec<Account>,
    /// Sum of the opening balances, to check the ledger against at the end of a run.
    pub opening_total: i128,
    amount_limit: Option<i64>,
    do_not_honour: f64,
    /// The shares of expired cards (54), and of expired cards and wrong PINs (55) together.
    expired: f64,
    card_refusals: f64,
}

impl Accounts {
    /// Opens `spec.accounts.count` accounts with balances and frozen flags drawn from their own
    /// streams.
    ///
    /// The table is allocated fallibly: a pool too large for the memory at hand is an error
    /// naming the issuer and the size, never an abort.
    pub fn open(
        spec: &IssuerSpec,
        mut opening: Stream,
        mut frozen_rng: Stream,
    ) -> Result<Self, RunError> {
        let n = spec.accounts.count as usize;
        let mut accounts: Vec<Account> = Vec::new();
        accounts
            .try_reserve_exact(n)
            .map_err(|_| RunError::Memory {
                what: format!(
                    "the {n} cardholder accounts of issuer `{}`",
                    spec.station.id
                ),
                bytes: (n * std::mem::size_of::<Account>()) as u64,
            })?;
        // Balances first, then statuses, each from its own stream in account order.
        accounts.extend((0..n).map(|_| Account {
            balance: spec.accounts.balance.sample_minor(&mut opening, 0),
            frozen: false,
        }));
        for a in &mut accounts {
            a.frozen = frozen_rng.chance(spec.accounts.frozen_share);
        }
        let opening_total = accounts.iter().map(|a| a.balance as i128).sum();
        Ok(Accounts {
            accounts,
            opening_total,
            amount_limit: spec.accounts.amount_limit,
            do_not_honour: spec.do_not_honour_share,
            expired: spec.expired_card_share,
            card_refusals: spec.expired_card_share + spec.wrong_pin_share,
        })
    }

    /// The account a new card belongs to (uniform over the pool), from the payment's account
    /// word.
    #[inline]
    pub fn pick(&self, w: u64) -> u32 {
        below(w, self.accounts.len() as u64) as u32
    }

    /// What the issuer answers about the card itself before it looks at the account, from
    /// the payment's word of the issuer's own declines: 54 (expired card) below
    /// `expired_card_share`, 55 (wrong PIN) in the next `wrong_pin_share`; the interval of
    /// "do not honour" follows them, so the three never overlap.
    #[inline(always)]
    pub fn card_checks(&self) -> bool {
        self.card_refusals > 0.0
    }

    #[inline(always)]
    pub fn card_check(&self, dnh: u64) -> Option<u8> {
        if self.card_refusals <= 0.0 {
            return None;
        }
        let u = unit(dnh);
        if u < self.expired {
            Some(code::EXPIRED_CARD)
        } else if u < self.card_refusals {
            Some(code::WRONG_PIN)
        } else {
            None
        }
    }

    /// Whether the issuer would approve, ignoring its own random "do not honour" declines.
    #[inline]
    pub fn payable(&self, account: u32, amount: i64, miskeyed: bool) -> bool {
        let a = self.accounts[account as usize];
        !miskeyed
            && !a.frozen
            && self.amount_limit.is_none_or(|l| amount <= l)
            && a.balance >= amount
    }

    /// The issuer's decision (`dnh`: the payment's word for the issuer's own "do not honour"
    /// declines, above the interval of 54 and 55, which the sale already drew: see
    /// [`Self::card_check`]); on approval the funds leave the cardholder's balance (the ledger posting is
    /// the caller's).
    #[inline]
    pub fn authorise(&mut self, account: u32, amount: i64, miskeyed: bool, dnh: u64) -> u8 {
        let a = account as usize;
        if miskeyed {
            code::INVALID_CARD
        } else if self.accounts[a].frozen {
            code::RESTRICTED_CARD
        } else if self.amount_limit.is_some_and(|l| amount > l) {
            code::OVER_LIMIT
        } else if self.do_not_honour > 0.0 && unit(dnh) - self.card_refusals < self.do_not_honour {
            code::DO_NOT_HONOUR
        } else if self.accounts[a].balance < amount {
            code::INSUFFICIENT_FUNDS
        } else {
            self.accounts[a].balance -= amount;
            code::APPROVED
        }
    }

    /// Takes money whatever the balance (a stand-in approval the issuer must honour).
    #[inline]
    pub fn force_debit(&mut self, account: u32, amount: i64) {
        self.accounts[account as usize].balance -= amount;
    }

    /// Returns held funds to the cardholder (reversal or expiry).
    #[inline]
    pub fn release(&mut self, account: u32, amount: i64) {
        self.accounts[account as usize].balance += amount;
    }

    pub fn current_total(&self) -> i128 {
        self.accounts.iter().map(|a| a.balance as i128).sum()
    }
}
