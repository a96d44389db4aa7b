//! The `[[faults]]` of a scenario: what each does (its kind, declared once in the table of
//! `kinds`, with its parameters, `params`, and its effect, `effect`), what it strikes (a
//! component, a link and direction, terminal groups, an issuer), when (scheduled, recurring,
//! stochastic or until repaired), and its id: the name of its cause in the results. How to
//! add a kind of fault is told in `kinds`.

mod effect;
mod kinds;
mod params;

use super::check::Ctx;
use super::error::{ScenarioError, did_you_mean};
use super::raw::{LinkDirection, RawFault};
use super::{ChannelSpec, Component, IssuerSpec, TerminalGroup};
use crate::engine::{DAY, Dist, MINUTE, Nanos, Stream};
pub use effect::{FaultEffect, MAX_SYNC_LOAD, SyncLoad};
pub use kinds::{FaultKind, KindSpec, Strikes, a_kind};

/// A link of the topology, by the indices of its ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkRef {
    /// A terminal group and the gateway.
    Terminal(usize),
    GatewayChannel(usize),
    ChannelIssuer(usize, usize),
}

/// What a fault strikes.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultTarget {
    Station(Component),
    Link(LinkRef, LinkDirection),
    /// Terminal groups (and their merchants), by index.
    Groups(Vec<usize>),
    Issuer(usize),
}

/// How long each window of a fault lasts.
#[derive(Clone, Debug, PartialEq)]
pub enum Length {
    Fixed(Nanos),
    /// Until the end of observation.
    Forever,
    /// Until repaired: noticed after `detection`, then repaired after a drawn time.
    Repaired {
        detection: Nanos,
        repair: Dist,
    },
}

/// When a fault is active.
#[derive(Clone, Debug, PartialEq)]
pub struct Timing {
    pub start: Nanos,
    pub length: Length,
    /// A fixed period: the window recurs (maintenance windows).
    pub repeat: Option<Nanos>,
    /// Time between failures: windows recur after drawn gaps (stochastic timing).
    pub mtbf: Option<Dist>,
}

#[derive(Clone, Debug)]
pub struct FaultSpec {
    /// Unique id: the name of the fault's cause in the results.
    pub id: String,
    pub kind: FaultKind,
    pub target: FaultTarget,
    pub timing: Timing,
    pub effect: FaultEffect,
}

/// At most this many windows are drawn for one fault in one run.
pub const MAX_WINDOWS: usize = 100_000;

impl FaultSpec {
    /// An outage of a component over `[start, end)`, recurring every `repeat` if given (the
    /// form tests and benchmarks build faults in).
    pub fn outage(
        id: &str,
        target: Component,
        start: Nanos,
        end: Nanos,
        mode: super::OutageMode,
        repeat: Option<Nanos>,
    ) -> Self {
        FaultSpec {
            id: id.to_string(),
            kind: FaultKind::Outage,
            target: FaultTarget::Station(target),
            timing: Timing {
                start,
                length: Length::Fixed(end - start),
                repeat,
                mtbf: None,
            },
            effect: FaultEffect::Outage { mode, code: 91 },
        }
    }

    /// The fault's windows `[start, end)` that begin at or before `horizon`, in time order.
    /// Drawn windows (stochastic or until repaired) come from `rng`, the fault's own stream.
    pub fn windows(&self, horizon: Nanos, rng: &mut Stream) -> Vec<(Nanos, Nanos)> {
        let t = &self.timing;
        let len = |rng: &mut Stream| match &t.length {
            Length::Fixed(d) => *d,
            Length::Forever => Nanos::MAX,
            Length::Repaired { detection, repair } => {
                detection.saturating_add(repair.sample_ns(rng))
            }
        };
        let mut out = vec![];
        if let Some(mtbf) = &t.mtbf {
            let mut at = t.start;
            while out.len() < MAX_WINDOWS {
                at = at.saturating_add(mtbf.sample_ns(rng).max(1));
                if at > horizon {
                    break;
                }
                let end = at.saturating_add(len(rng).max(1));
                out.push((at, end));
                at = end;
            }
        } else if let Some(p) = t.repeat {
            let l = len(rng);
            let mut k = 0u64;
            while out.len() < MAX_WINDOWS {
                let s = t.start.saturating_add(k.saturating_mul(p));
                if s > horizon || s == Nanos::MAX {
                    break;
                }
                out.push((s, s.saturating_add(l)));
                k += 1;
            }
        } else if t.start <= horizon {
            out.push((t.start, t.start.saturating_add(len(rng))));
        }
        out
    }

    /// The fault's station, if it strikes one.
    pub fn station(&self) -> Option<Component> {
        match self.target {
            FaultTarget::Station(c) => Some(c),
            _ => None,
        }
    }
}

/// What a fault strikes, in the scenario's own names: `scheme`, `gateway-scheme (down)`,
/// `shops, kiosks`.
pub fn describe_target(s: &super::Scenario, t: &FaultTarget) -> String {
    let station = |c: &Component| match *c {
        Component::Gateway => "gateway".to_string(),
        Component::Channel(k) => s.channels[k].station.id.clone(),
        Component::Issuer(k) => s.issuers[k].station.id.clone(),
    };
    match t {
        FaultTarget::Station(c) => station(c),
        FaultTarget::Link(l, d) => {
            let name = match *l {
                LinkRef::Terminal(g) => format!("{}-gateway", s.terminals[g].id),
                LinkRef::GatewayChannel(c) => format!("gateway-{}", s.channels[c].station.id),
                LinkRef::ChannelIssuer(c, i) => {
                    format!("{}-{}", s.channels[c].station.id, s.issuers[i].station.id)
                }
            };
            let dir = match d {
                LinkDirection::Up => " (up)",
                LinkDirection::Down => " (down)",
                LinkDirection::Both => "",
            };
            format!("{name}{dir}")
        }
        FaultTarget::Groups(gs) => gs
            .iter()
            .map(|&g| s.terminals[g].id.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        FaultTarget::Issuer(i) => s.issuers[*i].station.id.clone(),
    }
}

/// The components a scenario's faults can name.
pub(super) struct Names<'a> {
    pub terminals: &'a [TerminalGroup],
    pub channels: &'a [ChannelSpec],
    pub issuers: &'a [IssuerSpec],
}

/// Validates the faults against the scenario's components.
pub(super) fn faults(
    cx: &Ctx,
    raw: &[RawFault],
    names: &Names,
) -> Result<Vec<FaultSpec>, ScenarioError> {
    let mut faults: Vec<FaultSpec> = vec![];
    // Each fault is a cause of its own, numbered after the built-in ones in one byte.
    const MAX_FAULTS: usize = 200;
    if raw.len() > MAX_FAULTS {
        return Err(cx.err(
            0..0,
            "faults",
            format!(
                "{} faults given; a scenario can have at most {MAX_FAULTS}",
                raw.len()
            ),
        ));
    }
    for (i, fl) in raw.iter().enumerate() {
        let f = format!("faults[{i}]");
        let kind = fl.kind.as_ref().map_or(FaultKind::Outage, |k| *k.get_ref());
        params::refuse_foreign(cx, fl, kind, &f)?;
        let target = target(cx, fl, kind, names, &f)?;
        let timing = timing(cx, fl, kind, &f)?;
        let effect = kinds::effect(&params::Args {
            cx,
            fl,
            kind,
            target: &target,
            names,
            f: &f,
        })?;
        let id = fault_id(cx, fl, kind, &faults, &f)?;
        faults.push(FaultSpec {
            id,
            kind,
            target,
            timing,
            effect,
        });
    }
    Ok(faults)
}

/// Resolves the target: a component, a link (named `from-to`, e.g. `gateway-visa`), terminal
/// groups (an id or `"all"`), or an issuer.
fn target(
    cx: &Ctx,
    fl: &RawFault,
    kind: FaultKind,
    n: &Names,
    f: &str,
) -> Result<FaultTarget, ScenarioError> {
    let t = fl.target.get_ref().as_str();
    let field = format!("{f}.target");
    let unknown = |what: &str, options: Vec<String>| {
        let opts: Vec<&str> = options.iter().map(|s| s.as_str()).collect();
        let (what, note) = what.split_once(" (").unwrap_or((what, ""));
        let note = note.trim_end_matches(')');
        let note = if note.is_empty() {
            String::new()
        } else {
            format!(" ({note})")
        };
        cx.err(
            fl.target.span(),
            &field,
            format!(
                "unknown {what} \"{t}\"{}; {} can target{note}: {}",
                did_you_mean(t, &opts),
                a_kind(kind),
                opts.join(", ")
            ),
        )
    };
    let chans = || n.channels.iter().map(|c| c.station.id.as_str());
    let issuers = || n.issuers.iter().map(|c| c.station.id.as_str());
    match kind.spec().strikes {
        Strikes::Station => {
            if t == "gateway" {
                return Ok(FaultTarget::Station(Component::Gateway));
            }
            if let Some(k) = chans().position(|c| c == t) {
                return Ok(FaultTarget::Station(Component::Channel(k)));
            }
            if let Some(k) = issuers().position(|c| c == t) {
                return Ok(FaultTarget::Station(Component::Issuer(k)));
            }
            if n.terminals.iter().any(|g| g.id == t) {
                return Err(cx.err(
                    fl.target.span(),
                    &field,
                    format!(
                        "\"{t}\" is a terminal group; {} targets the gateway, a channel or an \
                         issuer (faults of terminals: surge, bad_input, terminal_upgrade, \
                         terminal_hardware, wrong_account, merchant_rule, fraud_wave)",
                        a_kind(kind)
                    ),
                ));
            }
            let mut v = vec!["gateway".to_string()];
            v.extend(chans().map(String::from));
            v.extend(issuers().map(String::from));
            Err(unknown("component id", v))
        }
        Strikes::Link => {
            let mut links = vec![];
            for (g, grp) in n.terminals.iter().enumerate() {
                links.push((format!("{}-gateway", grp.id), LinkRef::Terminal(g)));
            }
            for (c, ch) in chans().enumerate() {
                links.push((format!("gateway-{ch}"), LinkRef::GatewayChannel(c)));
                for (i, is) in issuers().enumerate() {
                    links.push((format!("{ch}-{is}"), LinkRef::ChannelIssuer(c, i)));
                }
            }
            let dir = fl
                .direction
                .as_ref()
                .map_or(LinkDirection::Both, |d| *d.get_ref());
            match links.iter().find(|(name, _)| name == t) {
                Some((_, l)) => Ok(FaultTarget::Link(*l, dir)),
                None => Err(unknown(
                    "link (a link is named `from-to`, from the terminal's side)",
                    links.into_iter().map(|(n, _)| n).collect(),
                )),
            }
        }
        Strikes::Groups => {
            if t == "all" {
                return Ok(FaultTarget::Groups((0..n.terminals.len()).collect()));
            }
            match n.terminals.iter().position(|g| g.id == t) {
                Some(g) => Ok(FaultTarget::Groups(vec![g])),
                None => {
                    let mut v = vec!["all".to_string()];
                    v.extend(n.terminals.iter().map(|g| g.id.clone()));
                    Err(unknown("terminal group id", v))
                }
            }
        }
        Strikes::Issuer => match issuers().position(|c| c == t) {
            Some(k) => Ok(FaultTarget::Issuer(k)),
            None => Err(unknown(
                "an issuer id",
                issuers().map(String::from).collect(),
            )),
        },
        Strikes::Risk => {
            if t == "gateway" {
                Ok(FaultTarget::Station(Component::Gateway))
            } else {
                Err(unknown(
                    "risk engine (the acquirer's is on the gateway)",
                    vec!["gateway".to_string()],
                ))
            }
        }
    }
}

/// The kind's name as written in a scenario.
pub fn kind_name(kind: FaultKind) -> &'static str {
    kind.name()
}

/// The timing: `start` (default 0) with a `duration`, or until repaired (`detection`,
/// `repair`), or from `start` to the end of observation; `repeat` for a fixed period; `mtbf`
/// with `mttr` (or a duration, or until repaired) for failures at random times.
fn timing(cx: &Ctx, fl: &RawFault, kind: FaultKind, f: &str) -> Result<Timing, ScenarioError> {
    let start = fl.start.as_ref().map_or(0, |s| s.get_ref().0);
    let field = |x: &str| format!("{f}.{x}");
    let given: Vec<&str> = [
        ("duration", fl.duration.is_some()),
        ("mttr", fl.mttr.is_some()),
        (
            "detection/repair",
            fl.detection.is_some() || fl.repair.is_some(),
        ),
    ]
    .iter()
    .filter(|(_, g)| *g)
    .map(|(n, _)| *n)
    .collect();
    if given.len() > 1 {
        return Err(cx.err(
            0..0,
            &field("duration"),
            format!(
                "{} all give the length of the fault; give one: a `duration`, an `mttr` (with \
                 `mtbf`) or `detection` and `repair` (until repaired)",
                given.join(", ")
            ),
        ));
    }
    let length = if let Some(d) = &fl.duration {
        if d.get_ref().0 == 0 {
            return Err(cx.err(d.span(), &field("duration"), "must be longer than zero"));
        }
        Length::Fixed(d.get_ref().0)
    } else if let Some(m) = &fl.mttr {
        Length::Repaired {
            detection: 0,
            repair: m.get_ref().dist.clone(),
        }
    } else if fl.detection.is_some() || fl.repair.is_some() {
        Length::Repaired {
            detection: fl.detection.as_ref().map_or(0, |d| d.get_ref().0),
            repair: fl
                .repair
                .as_ref()
                .map_or(Dist::Constant(0.0), |r| r.get_ref().dist.clone()),
        }
    } else {
        Length::Forever
    };
    if fl.mttr.is_some() && fl.mtbf.is_none() {
        let span = fl.mttr.as_ref().map_or(0..0, |m| m.span());
        return Err(cx.err(
            span,
            &field("mttr"),
            "an `mttr` needs an `mtbf` (time between failures); for one failure until repaired \
             use `detection` and `repair`",
        ));
    }
    let mtbf = match &fl.mtbf {
        None => None,
        Some(m) => {
            let d = &m.get_ref().dist;
            if d.mean() < MINUTE as f64 {
                return Err(cx.err(
                    m.span(),
                    &field("mtbf"),
                    "the mean time between failures must be at least a minute",
                ));
            }
            if matches!(length, Length::Forever) {
                return Err(cx.err(
                    m.span(),
                    &field("mtbf"),
                    "failures at random times need a length: an `mttr`, a `duration`, or \
                     `detection` and `repair`",
                ));
            }
            Some(d.clone())
        }
    };
    let repeat = repeat(cx, fl, &length, f)?;
    if repeat.is_some() && mtbf.is_some() {
        return Err(cx.err(
            0..0,
            &field("repeat"),
            "`repeat` (a fixed period) and `mtbf` (random times) exclude each other",
        ));
    }
    if kind == FaultKind::TerminalHardware && mtbf.is_some() {
        return Err(cx.err(
            0..0,
            &field("mtbf"),
            "a terminal_hardware fault draws each terminal's failures from `terminal_mtbf` and \
             `terminal_mttr`; `mtbf` would time the whole fleet at once",
        ));
    }
    Ok(Timing {
        start,
        length,
        repeat,
        mtbf,
    })
}

/// A fault's id: the one given (unique, and not the name of a fixed cause), or
/// `<target>-<kind>` numbered if the scenario has several.
fn fault_id(
    cx: &Ctx,
    fl: &RawFault,
    kind: FaultKind,
    earlier: &[FaultSpec],
    f: &str,
) -> Result<String, ScenarioError> {
    let taken = |id: &str| earlier.iter().any(|e| e.id == id);
    let Some(given) = &fl.id else {
        let base = format!("{}-{}", fl.target.get_ref(), kind.name());
        let mut id = base.clone();
        let mut n = 2;
        while taken(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        return Ok(id);
    };
    let id = given.get_ref();
    let fixed = super::cause::FIXED_NAMES;
    let ok_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let bad = if id.is_empty() || !id.chars().all(ok_char) {
        Some(format!(
            "\"{id}\" is not a valid fault id; use letters, digits, '-' and '_' (it names the \
             fault's cause in the results)"
        ))
    } else if taken(id) {
        Some(format!(
            "\"{id}\" is the id of an earlier fault; fault ids must be unique"
        ))
    } else if fixed.contains(&id.as_str()) {
        Some(format!(
            "\"{id}\" is the name of a built-in cause; choose another id (built-in causes: {})",
            fixed.join(", ")
        ))
    } else {
        None
    };
    match bad {
        Some(msg) => Err(cx.err(given.span(), &format!("{f}.id"), msg)),
        None => Ok(id.clone()),
    }
}

/// The period of a recurring fault: `"daily"`, `"weekly"` or a duration, at least as long as
/// the fault itself and at least a minute. Only a fixed `duration` can recur.
fn repeat(
    cx: &Ctx,
    fl: &RawFault,
    length: &Length,
    f: &str,
) -> Result<Option<Nanos>, ScenarioError> {
    let Some(r) = &fl.repeat else {
        return Ok(None);
    };
    let field = format!("{f}.repeat");
    let Length::Fixed(dur) = *length else {
        return Err(cx.err(
            r.span(),
            &field,
            "a recurring fault needs a fixed `duration` (each window as long as the first)",
        ));
    };
    let text = r.get_ref().trim();
    let period = match text {
        "daily" => Ok(DAY),
        "weekly" => Ok(7 * DAY),
        _ => super::units::parse_duration(text),
    };
    match period {
        Err(e) => Err(cx.err(
            r.span(),
            &field,
            format!(
                "\"{text}\": {e}; expected \"daily\", \"weekly\" or a duration such as \"12h\""
            ),
        )),
        Ok(p) if p < MINUTE || p < dur => Err(cx.err(
            r.span(),
            &field,
            format!(
                "\"{text}\" is shorter than the fault itself or than a minute; a recurring \
                 fault needs a period at least as long as its duration"
            ),
        )),
        Ok(p) => Ok(Some(p)),
    }
}

/// The extra requests fault `f` adds in one run of `s` (a surge's payments, an attack's junk
/// requests, a partial failure's synchronous calls): 0 for the other kinds.
pub fn extra_requests(s: &super::Scenario, f: &FaultSpec, horizon: Nanos) -> f64 {
    let active = |end_cap: Nanos| -> f64 {
        let t = &f.timing;
        let end = end_cap.min(horizon);
        if t.start >= end {
            return 0.0;
        }
        match (&t.length, t.repeat, &t.mtbf) {
            (Length::Fixed(d), Some(p), None) => {
                let n = ((end - t.start) / p + 1) as f64;
                n * (*d).min(p) as f64
            }
            (Length::Fixed(d), None, None) => (*d).min(end - t.start) as f64,
            _ => (end - t.start) as f64,
        }
    };
    match f.effect {
        FaultEffect::Surge { multiplier } if multiplier > 1.0 => {
            let rate: f64 = match &f.target {
                FaultTarget::Groups(gs) => gs.iter().map(|&g| s.terminals[g].rate).sum(),
                _ => 0.0,
            };
            rate * (multiplier - 1.0) * active(s.traffic_window) / 1e9
        }
        FaultEffect::Attack { rate } => rate * active(horizon) / 1e9,
        // At most every payment of the window reaches the failing station.
        FaultEffect::Partial { sync: Some(y), .. } => {
            s.mean_arrival_rate() * y.load * active(s.traffic_window) / 1e9
        }
        _ => 0.0,
    }
}

/// The extra events a fault adds in one run (a surge's payments, an attack's junk requests) must
/// stay within the payments limit: checked once the horizon is known.
pub(super) fn check_load(
    cx: &Ctx,
    raw: &[RawFault],
    s: &super::Scenario,
    horizon: Nanos,
    limits: &super::Limits,
) -> Result<(), ScenarioError> {
    for (i, (fl, f)) in raw.iter().zip(&s.faults).enumerate() {
        let extra = extra_requests(s, f, horizon);
        let (field, span) = match f.effect {
            FaultEffect::Surge { multiplier } if multiplier > 1.0 => (
                "multiplier",
                fl.multiplier.as_ref().map_or(0..0, |m| m.span()),
            ),
            FaultEffect::Attack { .. } => ("rate", fl.rate.as_ref().map_or(0..0, |m| m.span())),
            FaultEffect::Partial { sync: Some(_), .. } => (
                "sync_load",
                fl.sync_load.as_ref().map_or(0..0, |m| m.span()),
            ),
            _ => continue,
        };
        if extra > limits.max_payments_per_run {
            return Err(cx.err(
                span,
                &format!("faults[{i}].{field}"),
                format!(
                    "this fault would add about {extra:.0} requests per run; the limit is {:.0}. \
                     Lower the {field} or shorten the fault{}",
                    limits.max_payments_per_run,
                    limits.hint()
                ),
            ));
        }
    }
    Ok(())
}
