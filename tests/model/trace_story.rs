//! `payfault trace` tells one payment's story, step by step, from a deterministic replay.

use assert_cmd::Command;

fn trace(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("payfault")
        .unwrap()
        .arg("trace")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_first_phantom_charge_of_an_outage_is_told_step_by_step() {
    let (code, story, err) = trace(&["scenarios/outage.toml", "--run", "2"]);
    assert_eq!(code, 0, "{err}");
    let order = [
        "(legitimate, and the account can pay)",
        "decides 00 (approved)",
        "funds held on the cardholder's account",
        "0110 response DROPPED at scheme (outage)",
        "terminal times out",
        "0400 reversal DROPPED at scheme (outage)",
        "the till showed: no answer; the cardholder's money: held (not yet taken); the merchant's money: not credited",
        "cause: `scheme-outage`: an outage fault on scheme",
        "OUTCOME: CHARGED_WITHOUT_SALE",
    ];
    let mut at = 0;
    for step in order {
        let i = story[at..]
            .find(step)
            .unwrap_or_else(|| panic!("missing or out of order: {step}\n{story}"));
        at += i + step.len();
    }
    // The same payment by number gives the same story: the search and the replay agree.
    let serial = story
        .split('#')
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    let (_, again, _) = trace(&["scenarios/outage.toml", "--run", "2", "--payment", serial]);
    assert_eq!(story, again);
}

#[test]
fn a_payment_by_number_on_the_pipeline_settles() {
    let (code, story, _) = trace(&["scenarios/pipeline.toml", "--payment", "3"]);
    assert_eq!(code, 0);
    assert!(
        story.contains("terminal shows 00 (approved)")
            && story.contains("the till showed: approved (00 approved)")
            && story.trim_end().ends_with("OUTCOME: SETTLED_ON_TIME"),
        "{story}"
    );
}

#[test]
fn bad_requests_are_explained() {
    let (code, _, err) = trace(&["--outcome", "bogus"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("expected one of settled_on_time, settled_late, declined"),
        "{err}"
    );
    let (code, _, err) = trace(&["scenarios/pipeline.toml", "--payment", "99999999"]);
    assert_eq!(code, 2);
    assert!(err.contains("has only"), "{err}");
}

#[test]
fn finding_no_such_payment_is_an_answer_not_a_failure() {
    // The baseline's acquirer reverses every failed sale through store-and-forward, so its
    // first run has no phantom charge: that is reported with exit 0 (1 means the simulator
    // failed).
    let (code, story, err) = trace(&[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        story.contains("no payment ended charged_without_sale in run 0"),
        "{story}"
    );
}
