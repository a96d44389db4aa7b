//! One payment's state: what the terminal, the acquirer and the issuer each believe, its money
//! as seen by the ledger, and the outcome it ends in.

use crate::engine::Nanos;
pub use crate::model::output::Outcome;

/// ISO 8583 response codes the model produces (docs/background.md, response codes).
pub mod code {
    pub const APPROVED: u8 = 0;
    pub const DO_NOT_HONOUR: u8 = 5;
    /// The transaction is not valid (here: a void of a sale already cleared).
    pub const INVALID_TRANSACTION: u8 = 12;
    pub const INVALID_CARD: u8 = 14;
    /// The original of a void or refund is not in the host's records (or not settled).
    pub const ORIGINAL_NOT_FOUND: u8 = 25;
    pub const FORMAT_ERROR: u8 = 30;
    pub const INSUFFICIENT_FUNDS: u8 = 51;
    pub const EXPIRED_CARD: u8 = 54;
    pub const WRONG_PIN: u8 = 55;
    pub const NOT_PERMITTED: u8 = 57;
    pub const SUSPECTED_FRAUD: u8 = 59;
    pub const OVER_LIMIT: u8 = 61;
    pub const RESTRICTED_CARD: u8 = 62;
    pub const COUNT_LIMIT: u8 = 65;
    pub const TOO_LATE: u8 = 68;
    pub const INOPERATIVE: u8 = 91;
    /// The switch got no answer from the issuer: China UnionPay's code (reserved for national
    /// use in ISO 8583), which a `codes = "unionpay"` channel answers instead of 91.
    pub const NO_ISSUER_ANSWER: u8 = 98;
    pub const DUPLICATE: u8 = 94;
    pub const MALFUNCTION: u8 = 96;
    /// No response yet (not an ISO code).
    pub const NONE: u8 = 255;

    /// What a response code means, in the field's words.
    pub fn describe(c: u8) -> &'static str {
        match c {
            APPROVED => "approved",
            DO_NOT_HONOUR => "do not honour",
            INVALID_CARD => "invalid card number",
            INVALID_TRANSACTION => "invalid transaction",
            ORIGINAL_NOT_FOUND => "unable to locate original transaction",
            FORMAT_ERROR => "format error (malformed message)",
            EXPIRED_CARD => "expired card",
            WRONG_PIN => "incorrect PIN",
            NOT_PERMITTED => "transaction not permitted to cardholder",
            COUNT_LIMIT => "exceeds withdrawal frequency limit",
            MALFUNCTION => "system malfunction",
            INSUFFICIENT_FUNDS => "insufficient funds",
            SUSPECTED_FRAUD => "suspected fraud",
            OVER_LIMIT => "over amount limit",
            RESTRICTED_CARD => "restricted card (account frozen)",
            TOO_LATE => "response received too late",
            INOPERATIVE => "issuer or switch inoperative",
            NO_ISSUER_ANSWER => "no answer from the issuer at the switch",
            DUPLICATE => "duplicate transmission",
            _ => "no response",
        }
    }

    /// Declines that the issuer means: the payment was not payable, so it is not a false decline.
    pub fn is_genuine_decline(c: u8) -> bool {
        matches!(
            c,
            DO_NOT_HONOUR
                | INVALID_CARD
                | INSUFFICIENT_FUNDS
                | OVER_LIMIT
                | RESTRICTED_CARD
                | EXPIRED_CARD
                | WRONG_PIN
                | NOT_PERMITTED
                | COUNT_LIMIT
        )
    }

    /// A failure of the system as the till shows it (`c`, or `NONE` for no answer): no answer,
    /// or a decline that is neither the issuer's genuine one nor a suspected fraud. The
    /// failures a cardholder may try again after, and the failure share of the run's charts.
    pub fn is_system_failure(c: u8) -> bool {
        !(is_genuine_decline(c) || c == SUSPECTED_FRAUD || c == APPROVED)
    }
}

/// What the terminal knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TerminalState {
    Waiting,
    Answered,
    TimedOut,
}

/// What the acquirer's platform believes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AcquirerState {
    Unknown,
    Declined,
    /// Approved and queued for the next clearing batch (or for review).
    Approved,
    /// Sent for clearing.
    Cleared,
    /// A reversal passed the gateway before clearing.
    Reversed,
}

/// What the issuer did with the cardholder's money.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IssuerState {
    /// Request not (yet) decided.
    Unseen,
    Declined,
    /// Funds held for this payment (dual message, before the presentment).
    Held,
    /// The debit is posted to the cardholder's account (a single-message approval, or a
    /// presentment matched to its hold): nothing lapses any more.
    Posted,
    /// The hold was released (by a reversal, its expiry or a reconciliation repair).
    Released,
    /// A posted debit was refunded (a reversal after posting, a repair, a confirmed fraud).
    Refunded,
    /// A reversal arrived before the request: the late request will be refused.
    ReversedFirst,
}

/// Which of a payment's keyed words serves which purpose (the scheme is described in
/// `engine::rng`; purposes up to `engine::rng::PURPOSES` are reserved for later use).
pub mod slot {
    pub const AMOUNT: usize = 0;
    pub const MISKEY: usize = 1;
    pub const FRAUD: usize = 2;
    pub const ISSUER: usize = 3;
    pub const CHANNEL: usize = 4;
    /// The terminal within the group.
    pub const TERMINAL: usize = 5;
    /// The account within the issuer's pool.
    pub const ACCOUNT: usize = 6;
    pub const RISK: usize = 7;
    /// The issuer's own "do not honour" decision.
    pub const DO_NOT_HONOUR: usize = 8;
    /// Service time at the gateway, the channel, the issuer (in that order).
    pub const SERVICE: usize = 9;
    /// Latency of the first message on each link and direction: terminal up, terminal down,
    /// gateway–channel up, down, channel–issuer up, down.
    pub const LATENCY: usize = 12;
    /// Loss of the first message on each link and direction, in the same order.
    pub const LOSS: usize = 18;
    /// Length of a merchant-risk review of this payment's payout.
    pub const MERCHANT_REVIEW: usize = 24;
    /// Whether the terminal's Luhn check catches a mis-keyed number (upkeep strategies).
    pub const LUHN: usize = 48;
    /// Whether the payment's stored reversal is a bad record that blocks the store-and-forward
    /// queue (upkeep strategies).
    pub const SAF_BAD_RECORD: usize = 49;
    /// Whether the card is a credit card (`[fees]`: its interchange rate).
    pub const CARD_KIND: usize = 50;
    /// How long the payout to a wrong account takes to come back (`[payout] return_delay`).
    pub const RETURN_DELAY: usize = 51;
    /// The payout channel's draws of each order: "status unknown", executed all the same,
    /// latency (keyed by the order's number too: see `journey::rail`).
    pub const RAIL_UNKNOWN: usize = 52;
    pub const RAIL_EXECUTED: usize = 53;
    pub const RAIL_LATENCY: usize = 54;
    /// Whether the merchant voids or refunds the sale (`[transactions]`); and after how long.
    pub const TXN: usize = 55;
    pub const TXN_DELAY: usize = 56;
    /// Whether the payment is a pre-authorisation (`[transactions] preauth_share`).
    pub const PREAUTH: usize = 57;
    /// Whether the sale is disputed (`[disputes]`), and for which reason; after how long;
    /// whether with a retrieval request first (and whether the slip settles it); whether the
    /// merchant answers it; whether the acquirer represents the chargeback; whether it wins.
    pub const DISPUTE: usize = 58;
    pub const DISPUTE_DELAY: usize = 59;
    pub const RETRIEVAL: usize = 60;
    pub const RETRIEVAL_ANSWER: usize = 61;
    pub const REPRESENT: usize = 62;
    pub const REPRESENT_WIN: usize = 63;
    /// Whether the aggregator's payment notification of a QR payment is lost (a path word:
    /// each attempt has its own).
    pub const QR_NOTIFY: usize = 28;
    /// Whether the cardholder disputes a duplicate charge (`[disputes] duplicate_share`; a
    /// path word: each attempt has its own).
    pub const DUPLICATE_DISPUTE: usize = 29;
    /// Whether the cardholder pays again after the till showed a failure; and after how long.
    pub const PAY_AGAIN: usize = 25;
    pub const PAY_AGAIN_DELAY: usize = 26;
    /// The jitter of the wait before the retry that follows this attempt (a path word: each
    /// attempt has its own).
    pub const RETRY_JITTER: usize = 27;
}

/// Bits of [`Payment::used`]: which first-use draws (service at each station kind, each link
/// and direction) the payment has consumed. A repeat (a second message on the same link and
/// direction, a second service at the same kind of station) draws from the component's own
/// stream instead.
pub mod used {
    /// Bit of a link and direction: `LINK << (2 * hop + dir)`, hop 0 = terminal link,
    /// 1 = gateway–channel, 2 = channel–issuer; dir 0 = up, 1 = down.
    pub const LINK: u16 = 1;
    /// Bit of a service: `SERVICE << kind`, kind 0 = gateway, 1 = channel, 2 = issuer.
    pub const SERVICE: u16 = 1 << 6;
}

/// What has happened to a payment, one bit per fact: a small set of the constants below.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flags(u32);

impl Flags {
    pub const NONE: Flags = Flags(0);
    pub const FRAUD: Flags = Flags(1);
    /// Legitimate payer with a valid card, an open account, enough funds and within limits at
    /// the time of the sale: declining it is a false decline.
    pub const PAYABLE: Flags = Flags(2);
    pub const MISKEYED: Flags = Flags(4);
    pub const REVIEW: Flags = Flags(8);
    pub const SETTLED: Flags = Flags(16);
    pub const REVERSAL_ACKED: Flags = Flags(32);
    pub const HOLD_EXPIRED: Flags = Flags(64);
    /// Credited to the merchant by the promised date.
    pub const ON_TIME: Flags = Flags(128);
    /// The payout to the merchant came back (wrong account details): the money waits in the
    /// acquirer's suspense account until the merchant corrects them.
    pub const RETURNED: Flags = Flags(256);
    /// The acquirer host holds a reversal for this payment in its store-and-forward queue.
    pub const SAF: Flags = Flags(512);
    /// The host's reversal was acknowledged by the issuer side.
    pub const SAF_ACKED: Flags = Flags(1024);
    /// The last refusal came from the channel itself (its outage), not from behind it.
    pub const CHANNEL_REFUSED: Flags = Flags(1 << 11);
    /// The acquirer re-sent the request to the backup channel.
    pub const FAILED_OVER: Flags = Flags(1 << 12);
    /// The acquirer gave up waiting for the channel (answered the terminal 91).
    pub const ACQ_TIMED_OUT: Flags = Flags(1 << 13);
    /// The channel gave up waiting for the issuer.
    pub const CHAN_TIMED_OUT: Flags = Flags(1 << 14);
    /// The channel has had the issuer's answer (in time or late).
    pub const ISSUER_ANSWERED: Flags = Flags(1 << 15);
    /// The channel approved on the issuer's behalf (stand-in).
    pub const STAND_IN: Flags = Flags(1 << 16);
    /// The channel holds an 0120 advice for the issuer; and the issuer acknowledged it.
    pub const ADVICE: Flags = Flags(1 << 17);
    pub const ADVICE_ACKED: Flags = Flags(1 << 18);
    /// The issuer has applied the stand-in advice.
    pub const ADVICE_APPLIED: Flags = Flags(1 << 19);
    /// The merchant was paid (or a payout attempted) before settlement: D+0.
    pub const ADVANCED: Flags = Flags(1 << 20);
    /// The issuer's money went on through the interbank settlement (issuer → channel →
    /// acquirer) for this payment.
    pub const PAID_ON: Flags = Flags(1 << 21);
    /// The merchant's payout is held by the acquirer's merchant risk control.
    pub const MERCHANT_HOLD: Flags = Flags(1 << 22);
    /// The payout is (or was) in the merchant-risk hold account.
    pub const IN_RISK_HOLD: Flags = Flags(1 << 23);
    /// The presentment found no hold to match at the issuer: an exception.
    pub const EXCEPTION: Flags = Flags(1 << 24);
    /// Reconciliation has found this payment's break; and has repaired it.
    pub const BREAK_FOUND: Flags = Flags(1 << 25);
    pub const REPAIRED: Flags = Flags(1 << 26);
    /// A chargeback took the money back from whoever is liable.
    pub const CHARGED_BACK: Flags = Flags(1 << 27);
    /// The merchant payout is due: it waits for a maintenance window to end.
    pub const PAYOUT_DUE: Flags = Flags(1 << 28);
    /// A reconciliation run is scheduled to look at this payment's break.
    pub const BREAK_PENDING: Flags = Flags(1 << 29);
    /// The money left the acquirer towards the merchant side (merchant, suspense or risk
    /// hold) and has not come back.
    pub const PAID_OUT: Flags = Flags(1 << 30);
    /// The payout is on the payout rail to a wrong account, not yet come back.
    pub const ON_RAIL: Flags = Flags(1 << 31);

    /// Whether any of `f` is set.
    #[inline(always)]
    pub fn has(self, f: Flags) -> bool {
        self.0 & f.0 != 0
    }
    #[inline(always)]
    pub fn set(&mut self, f: Flags) {
        self.0 |= f.0;
    }
    #[inline(always)]
    pub fn clear(&mut self, f: Flags) {
        self.0 &= !f.0;
    }
    /// Those of `f` that are set.
    #[inline(always)]
    pub fn only(self, f: Flags) -> Flags {
        Flags(self.0 & f.0)
    }
    /// Both sets (usable in constants).
    #[inline(always)]
    pub const fn or(self, f: Flags) -> Flags {
        Flags(self.0 | f.0)
    }
}

impl std::ops::BitOr for Flags {
    type Output = Flags;
    #[inline(always)]
    fn bitor(self, f: Flags) -> Flags {
        self.or(f)
    }
}

impl std::ops::BitOrAssign for Flags {
    #[inline(always)]
    fn bitor_assign(&mut self, f: Flags) {
        self.set(f);
    }
}

/// A payment in the arena. Plain data: copied, never boxed.
#[derive(Clone, Copy, Debug)]
pub struct Payment {
    /// 0-based number of the payment within its run (stable, unlike the arena slot).
    pub serial: u64,
    /// 0-based number of the payment within its terminal group: the key of its random words.
    pub gserial: u32,
    pub t_sale: Nanos,
    pub t_held: Nanos,
    pub amount: i64,
    /// Net debit of the cardholder by this payment's postings.
    pub charged: i64,
    /// Net credit of the merchant by this payment's postings.
    pub credited: i64,
    pub account: u32,
    pub terminal: u32,
    /// Events, queue places and batch entries that still refer to this payment.
    pub refs: u32,
    /// The clearing batch holding this payment (`clearing::NO_BATCH` if none) and its index
    /// in the batch's live list.
    pub batch: u32,
    pub batch_pos: u32,
    pub group: u16,
    pub channel: u16,
    pub issuer: u16,
    /// Last response code the acquirer saw (or the decision taken for it).
    pub code: u8,
    /// The code the till showed (`code::NONE`: no answer in time).
    pub till_code: u8,
    pub flags: Flags,
    /// When the payment's break (if any) arose.
    pub t_break: Nanos,
    /// 0120 advices the channel has sent.
    pub advice_sent: u16,
    /// The first cause on its path (see `model::cause`).
    pub cause: u8,
    /// The first other cause blamed once the acquirer had approved it (what delayed or held
    /// its payout), or 0: a late or missing payout is counted against it (see `finalize`).
    pub late: u8,
    /// The last fault that degraded its path without failing it (a slow station, a latency
    /// spike, a surge): blamed if a timeout or a loss follows.
    pub struck: u8,
    /// Bad input it carries (a response code: 14, 30, 54, 55), or 0.
    pub input: u8,
    /// The fault that will crash its terminal once the issuer approved, or 0.
    pub crash: u8,
    /// Which attempt of its sale this record carries: 0 for the first, n for the n-th retry,
    /// plus `REPEAT` for a sale the cardholder made again (see `remedies::retry`). Keys the draws
    /// of the attempt's path (latency, loss, service, faults), so that a retry does not repeat
    /// its predecessor's fate and every design sees the same draws.
    pub attempt: u8,
    /// Retry bookkeeping bits (`remedies::retry::bit`); 0 when retries are off.
    pub retry: u8,
    pub reversal_attempts: u8,
    /// First-use draws consumed (see [`used`]).
    pub used: u16,
    /// Reversals the host has sent from its store-and-forward queue (saturating).
    pub saf_sent: u16,
    /// The merchant's void or refund of the sale (`journey::txn::bits`); 0 without one.
    pub txn: u8,
    /// The payout channel's orders for this payment (`journey::rail::bits`); 0 without one.
    pub rail: u8,
    /// The dispute of the sale (`journey::disputes::bits`); 0 without one.
    pub dispute: u8,
    pub terminal_state: TerminalState,
    pub acquirer: AcquirerState,
    pub issuer_state: IssuerState,
}

impl Payment {
    /// The till showed an approval.
    #[inline]
    pub fn till_approved(&self) -> bool {
        self.terminal_state == TerminalState::Answered && self.till_code == code::APPROVED
    }

    /// The issuer has taken the cardholder's money for this payment (held or posted).
    #[inline]
    pub fn issuer_has_funds(&self) -> bool {
        matches!(self.issuer_state, IssuerState::Held | IssuerState::Posted)
    }

    /// The key of the payment's per-path draws (latency, loss, service): its serial within
    /// its group, with the attempt in bits that no serial reaches.
    #[inline]
    pub fn path_serial(&self) -> u64 {
        self.gserial as u64 | (self.attempt as u64) << 40
    }

    #[inline]
    pub fn has(&self, f: Flags) -> bool {
        self.flags.has(f)
    }
    #[inline]
    pub fn set(&mut self, f: Flags) {
        self.flags.set(f);
    }
    #[inline]
    pub fn clear(&mut self, f: Flags) {
        self.flags.clear(f);
    }
}

#[cfg(test)]
mod tests {
    /// The retry fields live in what was padding: a payment is copied on the hot path.
    #[test]
    fn payment_stays_small() {
        assert!(std::mem::size_of::<super::Payment>() <= 112);
    }
}
