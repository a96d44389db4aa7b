//! The parameters of a `[[faults]]` entry, as the kinds' builders read them: which were
//! given, refusing those a kind does not take, and the checks several kinds share (a
//! required parameter, a probability, a response code, a number in a range, a partial
//! failure's synchronisation load).

use super::kinds::a_kind;
use super::{FaultTarget, MAX_SYNC_LOAD, Names, SyncLoad};
use crate::engine::Dist;
use crate::scenario::check::Ctx;
use crate::scenario::dist::DistOf;
use crate::scenario::error::ScenarioError;
use crate::scenario::raw::{FaultKind, OutageMode, RawFault};
use crate::scenario::units::Probability;
use crate::scenario::{Component, FaultEffect};
use toml::Spanned;

/// What a kind's builder reads: the entry as written, its kind and resolved target, the
/// scenario's components, and the entry's field prefix (`faults[3]`).
pub(super) struct Args<'a> {
    pub cx: &'a Ctx<'a>,
    pub fl: &'a RawFault,
    pub kind: FaultKind,
    pub target: &'a FaultTarget,
    pub names: &'a Names<'a>,
    pub f: &'a str,
}

/// A kind's builder: the validated effect, or the error of its first wrong parameter.
pub(super) type Build = fn(&Args) -> Result<FaultEffect, ScenarioError>;

impl Args<'_> {
    /// The error of a missing required parameter, at the entry's `kind`.
    pub fn req(&self, name: &str) -> ScenarioError {
        let at = self
            .fl
            .kind
            .as_ref()
            .map_or(self.fl.target.span(), |k| k.span());
        self.cx.err(
            at,
            &format!("{}.{name}", self.f),
            format!("{} needs `{name}`", a_kind(self.kind)),
        )
    }

    /// A required probability parameter.
    pub fn prob(&self, v: &Option<Spanned<Probability>>, name: &str) -> Result<f64, ScenarioError> {
        v.as_ref()
            .map(|p| p.get_ref().0)
            .ok_or_else(|| self.req(name))
    }

    /// A required distribution parameter.
    pub fn dist<U>(
        &self,
        v: &Option<Spanned<DistOf<U>>>,
        name: &str,
    ) -> Result<Dist, ScenarioError> {
        Ok(v.as_ref()
            .ok_or_else(|| self.req(name))?
            .get_ref()
            .dist
            .clone())
    }

    /// `mode`, `"drop"` when not given.
    pub fn mode(&self) -> OutageMode {
        self.fl
            .mode
            .as_ref()
            .map_or(OutageMode::Drop, |m| *m.get_ref())
    }

    /// A response code among the accepted ones; `default` when not given, required when
    /// there is none.
    pub fn code(&self, accepted: &[u8], default: Option<u8>) -> Result<u8, ScenarioError> {
        let (cx, fl, f) = (self.cx, self.fl, self.f);
        let list = accepted
            .iter()
            .map(|c| format!("{c:02}"))
            .collect::<Vec<_>>()
            .join(", ");
        match &fl.code {
            None => default.ok_or_else(|| {
                cx.err(
                    fl.target.span(),
                    &format!("{f}.code"),
                    format!("is required: one of {list}"),
                )
            }),
            Some(c) => {
                let v = *c.get_ref();
                match accepted.iter().find(|&&a| a as u64 == v) {
                    Some(&a) => Ok(a),
                    None => Err(cx.err(
                        c.span(),
                        &format!("{f}.code"),
                        format!("{v} is not accepted here; one of {list}"),
                    )),
                }
            }
        }
    }

    /// A finite number in `(lo, hi]`.
    pub fn positive(
        &self,
        v: &Spanned<f64>,
        name: &str,
        lo: f64,
        hi: f64,
    ) -> Result<f64, ScenarioError> {
        let x = *v.get_ref();
        if x.is_finite() && x >= lo && x > 0.0 && x <= hi {
            Ok(x)
        } else {
            Err(self.cx.err(
                v.span(),
                &format!("{}.{name}", self.f),
                format!("{x}; must be a number from {lo} to {hi} (and above 0)"),
            ))
        }
    }

    /// The servers of the station a fault strikes, if it is a channel or an issuer.
    pub fn station_servers(&self) -> Option<u32> {
        match self.target {
            FaultTarget::Station(Component::Channel(k)) => {
                Some(self.names.channels[*k].station.servers)
            }
            FaultTarget::Station(Component::Issuer(k)) => {
                Some(self.names.issuers[*k].station.servers)
            }
            _ => None,
        }
    }

    /// A partial failure's synchronisation load: `sync_to`, another station (the gateway, a
    /// channel or an issuer), and `sync_load` messages per request, in (0, 10] (default 1).
    pub fn sync_load(&self) -> Result<Option<SyncLoad>, ScenarioError> {
        let (cx, fl, f, names) = (self.cx, self.fl, self.f, self.names);
        let Some(to) = &fl.sync_to else {
            return match &fl.sync_load {
                None => Ok(None),
                Some(l) => Err(cx.err(
                    l.span(),
                    &format!("{f}.sync_load"),
                    "a synchronisation load needs `sync_to`: the station it lands on",
                )),
            };
        };
        let id = to.get_ref().as_str();
        let mut ids = vec!["gateway"];
        ids.extend(names.channels.iter().map(|c| c.station.id.as_str()));
        ids.extend(names.issuers.iter().map(|c| c.station.id.as_str()));
        let (nc, k) = (names.channels.len(), ids.iter().position(|&x| x == id));
        let component = match k {
            None => {
                return Err(cx.err(
                    to.span(),
                    &format!("{f}.sync_to"),
                    format!(
                        "unknown station \"{id}\"{}; `sync_to` names the gateway, a channel or \
                         an issuer: {}",
                        crate::scenario::error::did_you_mean(id, &ids),
                        ids.join(", ")
                    ),
                ));
            }
            Some(0) => Component::Gateway,
            Some(k) if k <= nc => Component::Channel(k - 1),
            Some(k) => Component::Issuer(k - 1 - nc),
        };
        if *self.target == FaultTarget::Station(component) {
            return Err(cx.err(
                to.span(),
                &format!("{f}.sync_to"),
                format!("\"{id}\" is the failing station itself; name its twin (another station)"),
            ));
        }
        let load = match &fl.sync_load {
            None => 1.0,
            Some(l) => self.positive(l, "sync_load", 0.0, MAX_SYNC_LOAD)?,
        };
        Ok(Some(SyncLoad {
            to: component,
            load,
        }))
    }
}

/// Declares the kinds' parameter fields of [`RawFault`] once: their names
/// (`PARAM_FIELDS`) and which of them an entry gives (`given`).
macro_rules! param_fields {
    ($($f:ident),* $(,)?) => {
        /// Every field of [`RawFault`] that is a parameter of some kind.
        #[cfg(test)]
        pub(super) const PARAM_FIELDS: &[&str] = &[$(stringify!($f)),*];

        /// The kind-specific parameters given, with their spans.
        fn given(fl: &RawFault) -> Vec<(&'static str, std::ops::Range<usize>)> {
            // Every field is named here, so a new field of `RawFault` cannot be forgotten.
            let RawFault {
                id: _, kind: _, target: _, start: _, duration: _, repeat: _, mtbf: _, mttr: _,
                detection: _, repair: _, announced: _, $($f: _),*
            } = fl;
            let mut v = vec![];
            $(
                if let Some(x) = &fl.$f {
                    v.push((stringify!($f), x.span()));
                }
            )*
            v
        }
    };
}

param_fields!(
    direction,
    mode,
    code,
    servers_lost,
    fail_share,
    sync_to,
    sync_load,
    multiplier,
    added,
    probability,
    rate,
    share,
    amount_limit,
    daily_count,
    per_day,
    payday,
    false_positive_rate,
    action,
    old_share,
    failure,
    rollout,
    terminal_mtbf,
    terminal_mttr,
    crash_share,
    review_time,
    mdr,
);

/// Refuses a parameter the kind does not take, naming those it does.
pub(super) fn refuse_foreign(
    cx: &Ctx,
    fl: &RawFault,
    kind: FaultKind,
    f: &str,
) -> Result<(), ScenarioError> {
    let takes = kind.spec().params;
    for (name, span) in given(fl) {
        if !takes.contains(&name) {
            let list = takes;
            return Err(cx.err(
                span,
                &format!("{f}.{name}"),
                format!(
                    "{} does not take `{name}`; it takes {}",
                    a_kind(kind),
                    if list.is_empty() {
                        "no parameters besides its target and timing".to_string()
                    } else {
                        list.iter()
                            .map(|p| format!("`{p}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every parameter a kind declares is a parameter field of `RawFault`, and every field
    /// is taken by some kind.
    #[test]
    fn declared_parameters_are_fields() {
        for k in FaultKind::ALL {
            for p in k.spec().params {
                assert!(PARAM_FIELDS.contains(p), "{}: `{p}`", k.spec().name);
            }
        }
        for p in PARAM_FIELDS {
            assert!(
                FaultKind::ALL.iter().any(|k| k.spec().params.contains(p)),
                "`{p}` is taken by no kind"
            );
        }
    }
}
