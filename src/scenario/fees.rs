//! `[fees]`: what each party takes from a sale. The merchant agrees a discount rate (MDR) per
//! merchant category, with an extra rate for sales paid D+0 and, in some categories, a cap per
//! sale; the acquirer pays interchange to the issuer (capped per sale for debit cards) and the
//! scheme's fee, and the issuer pays the scheme's fee on its side too. The merchant is paid the
//! sale minus its discount; the acquirer keeps the discount minus interchange and its scheme
//! fee. docs/background.md gives the figures' sources (China's 2016 fee reform).
//!
//! Absent, no fee exists: the merchant is paid the gross amount, as before fees were modelled.

use super::check::Ctx;
use super::error::{ScenarioError, did_you_mean};
use super::units::{FeeRate, Minor, Money, Probability, apply_rate};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// `[fees]` as written.
#[derive(Deserialize, Debug, Clone, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RawFees {
    /// The discount rate of a merchant whose category has no entry.
    pub mdr: Option<Spanned<FeeRate>>,
    pub d0_extra: Option<Spanned<FeeRate>>,
    pub interchange_debit: Option<Spanned<FeeRate>>,
    pub interchange_debit_cap: Option<Spanned<Money>>,
    pub interchange_credit: Option<Spanned<FeeRate>>,
    pub scheme: Option<Spanned<FeeRate>>,
    pub scheme_cap: Option<Spanned<Money>>,
    pub credit_share: Option<Spanned<Probability>>,
    /// `[fees.categories.<name>]`: a merchant category's own rate and cap.
    pub categories: BTreeMap<String, Spanned<RawCategory>>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawCategory {
    pub mdr: Spanned<FeeRate>,
    pub cap: Option<Spanned<Money>>,
}

/// A merchant's agreed discount: a rate and, optionally, a cap per sale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Discount {
    pub ppm: u32,
    pub cap: Option<Minor>,
}

/// Validated `[fees]`. Rates are in millionths of the amount.
#[derive(Clone, Debug, PartialEq)]
pub struct FeeSpec {
    /// The agreed discount of each terminal group's merchants (by group index).
    pub discount: Vec<Discount>,
    /// Added to the discount rate of a sale the acquirer advances, D+0 or D+1 (uncapped).
    pub d0_extra_ppm: u32,
    pub interchange_debit_ppm: u32,
    pub interchange_debit_cap: Option<Minor>,
    pub interchange_credit_ppm: u32,
    /// The scheme's fee, charged to the acquirer and to the issuer alike, and its cap per sale
    /// and side.
    pub scheme_ppm: u32,
    pub scheme_cap: Option<Minor>,
    /// The share of cards that are credit cards (the rest are debit).
    pub credit_share: f64,
}

/// Defaults: China's caps since the 2016 reform (issuer 0.35% for debit with a 13-yuan cap
/// per sale, 0.45% for credit; the network 0.0325% from each side, at most 3.25 yuan a sale)
/// and a 0.6% all-in discount with no D+0 surcharge.
const DEFAULT_MDR: u32 = 6_000;
const DEFAULT_IC_DEBIT: u32 = 3_500;
const DEFAULT_IC_DEBIT_CAP: Minor = 1_300;
const DEFAULT_IC_CREDIT: u32 = 4_500;
const DEFAULT_SCHEME: u32 = 325;
const DEFAULT_SCHEME_CAP: Minor = 325;
const DEFAULT_CREDIT_SHARE: f64 = 0.4;

/// One sale's money split by who gets it (minor units). `fee = interchange + scheme_acquirer
/// + revenue`, `net + fee = gross`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Split {
    /// What the merchant is paid.
    pub net: Minor,
    /// The merchant's discount: the gross minus the net.
    pub fee: Minor,
    /// The acquirer's payment to the issuer.
    pub interchange: Minor,
    /// The scheme's fee on the acquirer's side, and on the issuer's.
    pub scheme_acquirer: Minor,
    pub scheme_issuer: Minor,
    /// What the acquirer keeps: the discount minus interchange and its scheme fee (negative
    /// when a rate set too low does not cover them).
    pub revenue: Minor,
}

impl std::ops::AddAssign<&Split> for Split {
    /// Sums splits part by part (a batch's, a run's).
    fn add_assign(&mut self, s: &Split) {
        self.net += s.net;
        self.fee += s.fee;
        self.interchange += s.interchange;
        self.scheme_acquirer += s.scheme_acquirer;
        self.scheme_issuer += s.scheme_issuer;
        self.revenue += s.revenue;
    }
}

impl FeeSpec {
    /// The split of a sale of `gross` by a merchant of `group`, for a card that is credit or
    /// debit, paid D+0 or not, at the discount rate `ppm` (the agreed one, or a mis-set one)
    /// capped at `cap`.
    pub fn split(&self, gross: Minor, discount: Discount, credit: bool, d0: bool) -> Split {
        let mut fee = apply_rate(gross, discount.ppm);
        if let Some(cap) = discount.cap {
            fee = fee.min(cap);
        }
        if d0 {
            fee += apply_rate(gross, self.d0_extra_ppm);
        }
        let interchange = if credit {
            apply_rate(gross, self.interchange_credit_ppm)
        } else {
            let i = apply_rate(gross, self.interchange_debit_ppm);
            self.interchange_debit_cap.map_or(i, |c| i.min(c))
        };
        let scheme = apply_rate(gross, self.scheme_ppm);
        let scheme = self.scheme_cap.map_or(scheme, |c| scheme.min(c));
        Split {
            net: gross - fee,
            fee,
            interchange,
            scheme_acquirer: scheme,
            scheme_issuer: scheme,
            revenue: fee - interchange - scheme,
        }
    }
}

/// Validates `[fees]` (absent: `None`) and each terminal group's `category` (`groups`: the
/// groups' ids, categories and the spans of those).
pub(super) fn fees(
    cx: &Ctx,
    raw: Option<&Spanned<RawFees>>,
    groups: &[(String, Option<Spanned<String>>)],
) -> Result<Option<FeeSpec>, ScenarioError> {
    let Some(raw) = raw else {
        if let Some((i, c)) = groups
            .iter()
            .enumerate()
            .find_map(|(i, (_, c))| c.as_ref().map(|c| (i, c)))
        {
            return Err(cx.err(
                c.span(),
                &format!("terminals[{i}].category"),
                format!(
                    "category \"{}\" but the scenario has no [fees]; add [fees.categories.{}] \
                     with its `mdr`, or remove the category",
                    c.get_ref(),
                    c.get_ref()
                ),
            ));
        }
        return Ok(None);
    };
    let r = raw.get_ref();
    let rate =
        |v: &Option<Spanned<FeeRate>>, default: u32| v.as_ref().map_or(default, |v| v.get_ref().0);
    let default = Discount {
        ppm: rate(&r.mdr, DEFAULT_MDR),
        cap: None,
    };
    let names: Vec<&str> = r.categories.keys().map(String::as_str).collect();
    let mut discount = Vec::with_capacity(groups.len());
    for (i, (_, category)) in groups.iter().enumerate() {
        let Some(c) = category else {
            discount.push(default);
            continue;
        };
        let Some(entry) = r.categories.get(c.get_ref()) else {
            let listed = if names.is_empty() {
                "none is declared".to_owned()
            } else {
                format!("declared: {}", names.join(", "))
            };
            return Err(cx.err(
                c.span(),
                &format!("terminals[{i}].category"),
                format!(
                    "unknown merchant category \"{}\"{}; each category needs a \
                     [fees.categories.<name>] entry ({listed})",
                    c.get_ref(),
                    did_you_mean(c.get_ref(), &names),
                ),
            ));
        };
        let e = entry.get_ref();
        let cap = match &e.cap {
            None => None,
            Some(m) => Some(positive(
                cx,
                m,
                &format!("fees.categories.{}.cap", c.get_ref()),
            )?),
        };
        discount.push(Discount {
            ppm: e.mdr.get_ref().0,
            cap,
        });
    }
    let interchange_debit_cap = match &r.interchange_debit_cap {
        None => Some(DEFAULT_IC_DEBIT_CAP),
        Some(m) => Some(positive(cx, m, "fees.interchange_debit_cap")?),
    };
    let scheme_cap = match &r.scheme_cap {
        None => Some(DEFAULT_SCHEME_CAP),
        Some(m) => Some(positive(cx, m, "fees.scheme_cap")?),
    };
    Ok(Some(FeeSpec {
        discount,
        d0_extra_ppm: rate(&r.d0_extra, 0),
        interchange_debit_ppm: rate(&r.interchange_debit, DEFAULT_IC_DEBIT),
        interchange_debit_cap,
        interchange_credit_ppm: rate(&r.interchange_credit, DEFAULT_IC_CREDIT),
        scheme_ppm: rate(&r.scheme, DEFAULT_SCHEME),
        scheme_cap,
        credit_share: r
            .credit_share
            .as_ref()
            .map_or(DEFAULT_CREDIT_SHARE, |p| p.get_ref().0),
    }))
}

fn positive(cx: &Ctx, m: &Spanned<Money>, field: &str) -> Result<Minor, ScenarioError> {
    let v = m.get_ref().0;
    if v <= 0 {
        return Err(cx.err(
            m.span(),
            field,
            format!(
                "{}.{:02} is not a cap; a cap per sale must be above zero (e.g. \"13.00\"), \
                 or left out for none",
                v / 100,
                (v % 100).abs()
            ),
        ));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> FeeSpec {
        FeeSpec {
            discount: vec![Discount {
                ppm: 6_000,
                cap: None,
            }],
            d0_extra_ppm: 1_000,
            interchange_debit_ppm: 3_500,
            interchange_debit_cap: Some(1_300),
            interchange_credit_ppm: 4_500,
            scheme_ppm: 325,
            scheme_cap: Some(325),
            credit_share: 0.4,
        }
    }

    #[test]
    fn a_split_adds_up_to_the_gross() {
        let f = spec();
        let d = f.discount[0];
        for gross in [1, 99, 12_345, 1_000_000, 987_654_321] {
            for (credit, d0) in [(false, false), (true, false), (false, true), (true, true)] {
                let s = f.split(gross, d, credit, d0);
                assert_eq!(s.net + s.fee, gross);
                assert_eq!(s.interchange + s.scheme_acquirer + s.revenue, s.fee);
            }
        }
    }

    #[test]
    fn rates_caps_and_the_d0_extra() {
        let f = spec();
        let d = f.discount[0];
        // 100.00 on a debit card, T+1: 0.60 discount, 0.35 interchange, 0.0325 → 0.03 scheme.
        let s = f.split(10_000, d, false, false);
        assert_eq!(
            (s.net, s.fee, s.interchange, s.scheme_acquirer),
            (9_940, 60, 35, 3)
        );
        assert_eq!(s.revenue, 22);
        // 10,000.00 on a debit card: interchange capped at 13.00; on a credit card, 45.00.
        assert_eq!(f.split(1_000_000, d, false, false).interchange, 1_300);
        assert_eq!(f.split(1_000_000, d, true, false).interchange, 4_500);
        // The scheme's fee is capped at 3.25 a side: 0.0325% of 20,000.00 would be 6.50.
        assert_eq!(f.split(2_000_000, d, true, false).scheme_acquirer, 325);
        // D+0 adds 0.1%.
        assert_eq!(f.split(10_000, d, false, true).fee, 70);
        // A category cap on the discount (not on the D+0 extra).
        let capped = Discount {
            ppm: 6_000,
            cap: Some(2_000),
        };
        assert_eq!(f.split(1_000_000, capped, false, false).fee, 2_000);
        assert_eq!(f.split(1_000_000, capped, false, true).fee, 3_000);
        // A rate too low to cover interchange: the acquirer's revenue is negative.
        let low = Discount {
            ppm: 1_000,
            cap: None,
        };
        assert!(f.split(10_000, low, true, false).revenue < 0);
    }
}
