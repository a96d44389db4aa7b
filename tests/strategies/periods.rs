//! Every period of something that recurs for the whole run has a floor (issue 23.3): a period
//! of 1 ns validated, then scheduled a billion events a simulated second and never finished.
//! Each is now refused at its line and column with the floor it must reach.

use payfault::scenario::{self, Limits};

use crate::common::load;

/// Parses `file` with `from` replaced by `to` (which must occur) and returns the error text.
fn refused(file: &str, from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{file} has {from}");
    let bad = text.replacen(from, to, 1);
    match scenario::parse(&bad, file, &Limits::default()) {
        Ok(_) => panic!("{file}: {to} was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_one_nanosecond_period_is_refused_where_it_is_written() {
    let cases = [
        (
            "scenarios/autoscale.toml",
            "check = \"1m\"",
            "check = \"1ns\"",
            "check",
            "1 s",
        ),
        (
            "scenarios/failover.toml",
            "echo_interval = \"30s\"",
            "echo_interval = \"1ns\"",
            "strategy.failover.echo_interval",
            "1 s",
        ),
        (
            "scenarios/baseline.toml",
            "interval = \"24h\"",
            "interval = \"1ns\"",
            "reconciliation.interval",
            "60 s",
        ),
        (
            "scenarios/baseline.toml",
            "interval = \"60s\"                  # given up",
            "interval = \"1ns\"                  # given up",
            "strategy.saf.interval",
            "1 s",
        ),
    ];
    for (file, from, to, field, floor) in cases {
        let e = refused(file, from, to);
        assert!(
            e.contains(field) && e.contains(&format!("must be at least {floor}")),
            "{file}: {e}"
        );
        assert!(e.contains(file) && e.contains("got 1 ns"), "{e}");
    }
}

#[test]
fn the_shipped_periods_are_above_their_floors() {
    for entry in std::fs::read_dir("scenarios").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            load(&path);
        }
    }
}
