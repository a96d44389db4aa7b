//! The `[[faults]]` of a scenario: what each strikes, when, and its id (the name of its cause
//! in the results).

use super::check::Ctx;
use super::error::{ScenarioError, did_you_mean};
use super::raw::RawFault;
use super::{ChannelSpec, Component, FaultSpec, IssuerSpec, TerminalGroup};
use crate::engine::{DAY, MINUTE, Nanos};

/// Validates the faults against the scenario's components.
pub(super) fn faults(
    cx: &Ctx,
    raw: &[RawFault],
    terminals: &[TerminalGroup],
    channels: &[ChannelSpec],
    issuers: &[IssuerSpec],
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
        let t = fl.target.get_ref();
        let target = if t == "gateway" {
            Component::Gateway
        } else if let Some(k) = channels.iter().position(|c| &c.station.id == t) {
            Component::Channel(k)
        } else if let Some(k) = issuers.iter().position(|x| &x.station.id == t) {
            Component::Issuer(k)
        } else if terminals.iter().any(|g| &g.id == t) {
            return Err(cx.err(
                fl.target.span(),
                &format!("{f}.target"),
                format!(
                    "\"{t}\" is a terminal group; outages target the gateway, a channel or an \
                     issuer (terminal faults are not modelled yet)"
                ),
            ));
        } else {
            let mut targets = vec!["gateway"];
            targets.extend(channels.iter().map(|c| c.station.id.as_str()));
            targets.extend(issuers.iter().map(|c| c.station.id.as_str()));
            return Err(cx.err(
                fl.target.span(),
                &format!("{f}.target"),
                format!(
                    "unknown component id \"{t}\"{}; an outage can target: {}",
                    did_you_mean(t, &targets),
                    targets.join(", ")
                ),
            ));
        };
        let dur = fl.duration.get_ref().0;
        if dur == 0 {
            return Err(cx.err(
                fl.duration.span(),
                &format!("{f}.duration"),
                "must be longer than zero",
            ));
        }
        let fault_id = fault_id(cx, fl, t, &faults, &f)?;
        faults.push(FaultSpec {
            id: fault_id,
            target,
            start: fl.start.0,
            end: fl.start.0.saturating_add(dur),
            mode: fl.mode,
            repeat: repeat(cx, fl, dur, &f)?,
        });
    }
    Ok(faults)
}

/// A fault's id: the one given (unique, and not the name of a fixed cause), or
/// `<target>-outage` numbered if the scenario has several.
fn fault_id(
    cx: &Ctx,
    fl: &RawFault,
    target: &str,
    earlier: &[FaultSpec],
    f: &str,
) -> Result<String, ScenarioError> {
    let taken = |id: &str| earlier.iter().any(|e| e.id == id);
    let Some(given) = &fl.id else {
        let base = format!("{target}-outage");
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
/// the fault itself and at least a minute.
fn repeat(cx: &Ctx, fl: &RawFault, dur: Nanos, f: &str) -> Result<Option<Nanos>, ScenarioError> {
    let Some(r) = &fl.repeat else {
        return Ok(None);
    };
    let text = r.get_ref().trim();
    let period = match text {
        "daily" => Ok(DAY),
        "weekly" => Ok(7 * DAY),
        _ => super::units::parse_duration(text),
    };
    let field = format!("{f}.repeat");
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
                "\"{text}\" is shorter than the outage itself or than a minute; a recurring \
                 outage needs a period at least as long as its duration"
            ),
        )),
        Ok(p) => Ok(Some(p)),
    }
}
