//! Validation helpers: located errors for ids, counts, component lists, weights and stations,
//! shared by the validator.

use super::error::{Diagnostic, ScenarioError};
use super::*;
use std::ops::Range;
use toml::Spanned;

pub(super) const ID_HELP: &str = "ids use lowercase letters, digits, '_' and '-', start \
                                  with a letter, and are at most 40 characters";

pub(super) struct Ctx<'a> {
    pub file: &'a str,
    pub src: &'a str,
    pub hint: &'static str,
}

impl Ctx<'_> {
    pub(super) fn err(
        &self,
        span: Range<usize>,
        field: &str,
        msg: impl Into<String>,
    ) -> ScenarioError {
        let span = if span == (0..0) { None } else { Some(span) };
        Diagnostic::new(self.file, self.src, span, field, &msg.into()).into_error()
    }

    /// A period of something that recurs for the whole run (an echo, a check, a repeat):
    /// at least `min`, so that a run stays a bounded number of events per simulated second
    /// (`"1ns"` would schedule a billion events a second and never finish).
    pub(super) fn period(
        &self,
        span: Range<usize>,
        field: &str,
        got: Nanos,
        min: Nanos,
        what: &str,
    ) -> Result<Nanos, ScenarioError> {
        if got >= min {
            return Ok(got);
        }
        let show = |ns: Nanos| match ns {
            0 => "0".to_owned(),
            n if n % crate::engine::SECOND == 0 => format!("{} s", n / crate::engine::SECOND),
            n if n % 1_000_000 == 0 => format!("{} ms", n / 1_000_000),
            n => format!("{n} ns"),
        };
        Err(self.err(
            span,
            field,
            format!(
                "must be at least {} ({what}), got {}: a shorter period would flood the run \
                 with events and never finish",
                show(min),
                show(got)
            ),
        ))
    }

    pub(super) fn id(&self, id: &Spanned<String>, field: &str) -> Result<String, ScenarioError> {
        let s = id.get_ref();
        let ok = !s.is_empty()
            && s.len() <= 40
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if ok {
            Ok(s.clone())
        } else {
            Err(self.err(id.span(), field, format!("invalid id \"{s}\"; {ID_HELP}")))
        }
    }

    pub(super) fn count(
        &self,
        v: &Spanned<u64>,
        field: &str,
        min: u64,
        max: u64,
        limit_hint: bool,
    ) -> Result<u64, ScenarioError> {
        let x = *v.get_ref();
        if x < min {
            return Err(self.err(v.span(), field, format!("must be at least {min}, got {x}")));
        }
        if x > max {
            let hint = if limit_hint { self.hint } else { "" };
            return Err(self.err(
                v.span(),
                field,
                format!("{x} is above the limit of {max}{hint}"),
            ));
        }
        Ok(x)
    }

    /// An array of components: one default component when the file omits it, an error when
    /// the file gives an empty array.
    pub(super) fn list<T: Default>(
        &self,
        v: Option<Spanned<Vec<T>>>,
        field: &str,
        what: &str,
    ) -> Result<Spanned<Vec<T>>, ScenarioError> {
        match v {
            None => Ok(Spanned::new(0..0, vec![T::default()])),
            Some(l) if l.get_ref().is_empty() => {
                Err(self.err(l.span(), field, format!("at least one {what} is needed")))
            }
            Some(l) => Ok(l),
        }
    }

    pub(super) fn weight(&self, v: &Spanned<f64>, field: &str) -> Result<f64, ScenarioError> {
        let x = *v.get_ref();
        if !x.is_finite() || x < 0.0 {
            return Err(self.err(
                v.span(),
                field,
                format!("must be a finite number >= 0, got {x}"),
            ));
        }
        Ok(x)
    }

    pub(super) fn station(
        &self,
        id: String,
        servers: &Spanned<u64>,
        service: &super::dist::DurationDist,
        field: &str,
        limits: &Limits,
    ) -> Result<StationSpec, ScenarioError> {
        let servers = self.count(
            servers,
            &format!("{field}.servers"),
            1,
            limits.max_servers,
            true,
        )? as u32;
        Ok(StationSpec {
            id,
            servers,
            service: service.dist.clone(),
        })
    }
}
