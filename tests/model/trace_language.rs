//! The trace speaks the network's language (issue 21, item 4): message types follow the
//! terminal's profile and each channel's flow (0100/0110 or 0200/0210, advices 0120 or 0220),
//! reversals are named by who sends them (the terminal's 0400/0401, the acquirer's and the
//! switch's 0420/0421, acknowledged 0410 and 0430), 68 is the reason of the reversal that
//! follows a late answer and never an answer itself, an acknowledgement is told by who sent the
//! reversal, the closing sentence matches the three views, times count days from day 0 as the
//! scenario reference does, and a UnionPay-style channel answers with its own codes (98).

use payfault::engine::{HOUR, MINUTE};
use payfault::i18n::Lang;
use payfault::model::{self, NoTrace, Outcome};
use payfault::report::story::{self, Story};
use payfault::runner::replay::{self, Filter};
use payfault::scenario::{self, Limits, Scenario};

use crate::common::{load, tell};

/// A small scenario: 20 terminals paying 600 an hour for `window`, amounts up to 100.00, a
/// gateway, one channel (`channel` is the rest of its table) and one issuer (`issuer` is the
/// rest of its table) with ample servers and 10 ms links; no fraud, no risk engine; `extra`
/// adds tables (strategies, faults).
fn scen(terminal: &str, channel: &str, issuer: &str, extra: &str) -> Scenario {
    let text = format!(
        r#"name = "language"
[simulation]
runs = 2
seed = 7
traffic_window = "10m"

[[terminals]]
id = "shops"
count = 20
rate = "30/h"
amount = {{ kind = "uniform", min = "1.00", max = "100.00" }}
miskey_share = 0.0
profile = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
{terminal}

[gateway]
servers = 64
service = {{ kind = "constant", value = "1ms" }}

[network]
latency = {{ kind = "constant", value = "10ms" }}

[risk]
enabled = false
fraud_share = 0.0

[[channels]]
id = "switch"
servers = 64
service = {{ kind = "constant", value = "1ms" }}
{channel}

[[issuers]]
id = "bank"
servers = 100000
do_not_honour_share = 0.0
{issuer}
[issuers.accounts]
count = 1000
balance = {{ kind = "constant", value = "100000000.00" }}
frozen_share = 0.0
{extra}
"#
    );
    scenario::parse(&text, "language", &Limits::default()).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// The stories of every payment of run `run` (in serial order).
fn all_stories(s: &Scenario, run: u64) -> Vec<Story> {
    let n = model::simulate(s, s.seed, run, &mut NoTrace)
        .unwrap()
        .payments;
    let serials: Vec<u64> = (0..n).collect();
    tell(s, s.seed, run, &serials, Lang::En).unwrap()
}

fn text(st: &Story) -> String {
    story::text(st, Lang::En)
}

/// Every story's text, one after the other.
fn all_text(stories: &[Story]) -> String {
    stories.iter().map(text).collect::<Vec<_>>().join("\n")
}

/// The issuer's service: drawn uniformly in [4.9, 5.1] s, around a switch's 5 s timer. With
/// 10 ms links and 1 ms services, the switch's timer runs out when the service exceeds
/// 4.98 s; its reversal reaches the issuer after a decision made within 5.0 s, so an
/// approval in between reaches the switch late (10% of the payments).
const SLOW_ISSUER: &str = r#"service = { kind = "uniform", min = "4.9s", max = "5.1s" }"#;
const FAST_ISSUER: &str = r#"service = { kind = "constant", value = "5ms" }"#;

#[test]
fn a_single_message_channel_speaks_0200_0210_and_advises_with_0220() {
    // The issuer is down for the whole traffic window: the switch stands in for every sale
    // after 2 s and advises the issuer with 0220 advices, repeated (0221) until it is back.
    let s = scen(
        "",
        r#"flow = "single"
issuer_timeout = "2s"
stand_in = { enabled = true, limit = "200.00", advice_interval = "60s" }"#,
        FAST_ISSUER,
        r#"[[faults]]
kind = "outage"
target = "bank"
start = "0s"
duration = "20m"
mode = "drop""#,
    );
    let stories = all_stories(&s, 0);
    assert!(stories.len() > 20);
    let all = all_text(&stories);
    for want in [
        "the 0200 request sent to the acquirer's gateway",
        "the 0200 request sent to the channel `switch`",
        "the 0210 response sent to the acquirer's gateway",
        "the 0210 response sent to the terminal",
        "the 0220 stand-in advice sent to the issuer",
        "the 0221 repeat stand-in advice sent to the issuer",
        "the 0230 advice acknowledgement",
    ] {
        assert!(all.contains(want), "no `{want}` in:\n{}", text(&stories[0]));
    }
    for not in ["0100", "0110", "0120", "0130"] {
        assert!(
            !all.contains(not),
            "`{not}` on a single-message path:\n{all}"
        );
    }
}

#[test]
fn the_terminal_hop_speaks_the_terminal_profile_and_the_channel_hops_the_channel_flow() {
    for (messages, flow, terminal_hop, channel_hop) in [
        ("dual", "single", "0100", "0200"),
        ("single", "dual", "0200", "0100"),
    ] {
        let s = scen(
            &format!("messages = \"{messages}\""),
            &format!("flow = \"{flow}\""),
            FAST_ISSUER,
            "",
        );
        let st = &all_stories(&s, 0)[0];
        let t = text(st);
        let to_gateway = format!("the {terminal_hop} request sent to the acquirer's gateway");
        let to_channel = format!("the {channel_hop} request sent to the channel `switch`");
        let to_issuer = format!("the {channel_hop} request sent to the issuer `bank`");
        for want in [&to_gateway, &to_channel, &to_issuer] {
            assert!(t.contains(want.as_str()), "no `{want}` in:\n{t}");
        }
        let resp = |mti: &str| mti.replace("00", "10");
        let back = format!("the {} response sent to the terminal", resp(terminal_hop));
        let up = format!("the {} response sent to the channel", resp(channel_hop));
        assert!(t.contains(&back) && t.contains(&up), "{t}");
    }
    // Without `messages`, a terminal group speaks as its channels do when they all agree.
    let s = scen("", "flow = \"single\"", FAST_ISSUER, "");
    assert!(text(&all_stories(&s, 0)[0]).contains("the 0200 request sent to the acquirer"));
    let s = scen("", "", FAST_ISSUER, "");
    assert!(text(&all_stories(&s, 0)[0]).contains("the 0100 request sent to the acquirer"));
}

#[test]
fn the_terminals_reversals_are_0400_repeated_0401_and_acknowledged_0410() {
    // No store-and-forward: the terminal's own reversals go end to end while the issuer is
    // down (dropped there), then one gets through and is acknowledged.
    let s = scen(
        "",
        "",
        FAST_ISSUER,
        r#"[strategy]
terminal_timeout = "5s"
[strategy.reversal]
enabled = true
attempts = 5
interval = "60s"
[strategy.saf]
enabled = false
[[faults]]
kind = "outage"
target = "bank"
start = "0s"
duration = "3m"
mode = "drop""#,
    );
    let all = all_text(&all_stories(&s, 0));
    for want in [
        "the 0400 reversal sent to the acquirer's gateway",
        "the 0400 reversal sent to the issuer",
        "the 0401 repeat reversal sent to the acquirer's gateway",
        "the 0401 repeat reversal sent to the channel",
        "the 0410 reversal acknowledgement sent to the terminal",
    ] {
        assert!(all.contains(want), "no `{want}`");
    }
    assert!(!all.contains("0420") && !all.contains("0430"), "{all}");
}

#[test]
fn the_acquirers_stored_reversals_are_0420_repeated_0421_and_acknowledged_0430() {
    let s = scen(
        "",
        "",
        FAST_ISSUER,
        r#"[strategy]
terminal_timeout = "5s"
[strategy.reversal]
enabled = true
attempts = 1
interval = "60s"
[strategy.saf]
enabled = true
interval = "60s"
expiry = "1h"
[[faults]]
kind = "outage"
target = "bank"
start = "0s"
duration = "3m"
mode = "drop""#,
    );
    let all = all_text(&all_stories(&s, 0));
    for want in [
        // The terminal's reversal to its host, acknowledged by the host at once.
        "the 0400 reversal sent to the acquirer's gateway",
        "the 0410 reversal acknowledgement sent to the terminal",
        // The host's own, stored and repeated towards the issuer.
        "the 0420 reversal sent to the channel",
        "the 0421 repeat reversal sent to the channel",
        "the 0430 reversal acknowledgement sent to the acquirer's gateway",
        "the issuer side acknowledges the acquirer's stored reversal",
    ] {
        assert!(all.contains(want), "no `{want}`");
    }
    assert!(!all.contains("0400 reversal sent to the channel"), "{all}");
}

/// A switch that gives up on a slow issuer after 5 s (no stand-in); the acquirer has
/// store-and-forward (the default) but no timer of its own. `codes` is the channel's
/// response-code set.
fn switch_timeout(codes: &str) -> Scenario {
    let mut s = scen(
        "",
        &format!("issuer_timeout = \"5s\"\ncodes = \"{codes}\""),
        SLOW_ISSUER,
        "[strategy]\nterminal_timeout = \"30s\"\n",
    );
    s.traffic_window = 10 * MINUTE;
    s
}

#[test]
fn the_switchs_timeout_reversal_is_0420_and_68_is_the_reason_of_the_one_after_a_late_answer() {
    let s = switch_timeout("iso");
    let stories = all_stories(&s, 0);
    let all = all_text(&stories);
    for want in [
        "the 0420 reversal sent to the issuer `bank`",
        "the 0430 reversal acknowledgement sent to the channel",
        "the issuer acknowledges the channel's reversal",
        "reason 68 (response received too late)",
    ] {
        assert!(all.contains(want), "no `{want}`");
    }
    // 68 is a reason, never a refusal or an answer to a response.
    for not in [
        "refused with 68",
        "refuses the late response",
        "ignored (68",
    ] {
        assert!(!all.contains(not), "`{not}` in the stories");
    }
    // The switch's own reversal is acknowledged to the switch, not passed to the acquirer as if
    // it were the acquirer's.
    for st in &stories {
        let t = text(st);
        let acquirer_reversed = t.contains("reversal sent to the channel");
        let credited = t.contains("the acquirer's reversal") || t.contains("acquirer's stored");
        assert!(
            acquirer_reversed || !credited,
            "an acknowledgement attributed to the acquirer, which sent no reversal:\n{t}"
        );
        assert!(
            !t.contains("0430 reversal acknowledgement sent to the acquirer"),
            "{t}"
        );
    }
}

#[test]
fn the_slow_issuer_story_does_not_credit_the_acquirer_with_the_switchs_reversal() {
    // The reproduction of the issue: `payfault trace scenarios/slow_issuer.toml --run 0
    // --outcome reversed`.
    let s = load("scenarios/slow_issuer.toml");
    let rows = replay::census(&s, s.seed, 0).unwrap();
    let f = Filter {
        outcome: Some("reversed".into()),
        ..Default::default()
    };
    let first = replay::matching(&rows, &f)[0];
    let st = tell(&s, s.seed, 0, &[first], Lang::En).unwrap().remove(0);
    let t = text(&st);
    assert!(!t.contains("the acquirer's reversal"), "{t}");
    assert!(
        t.contains("the issuer acknowledges the channel's reversal"),
        "{t}"
    );
    assert!(!t.contains("refused with 68"), "{t}");
}

#[test]
fn a_phantom_charge_whose_merchant_was_paid_does_not_say_the_money_did_not_arrive() {
    let s = load("scenarios/terminal_upgrade.toml");
    let rows = replay::census(&s, s.seed, 0).unwrap();
    let f = Filter {
        outcome: Some("charged_without_sale".into()),
        cause: Some("taxis-old-version".into()),
        ..Default::default()
    };
    let found = replay::matching(&rows, &f);
    let credited = |n: u64| rows.iter().find(|r| r.serial == n).unwrap().credited;
    let paid: Vec<u64> = found
        .iter()
        .copied()
        .filter(|&n| credited(n) > 0)
        .take(3)
        .collect();
    assert!(!paid.is_empty(), "no phantom charge with a paid merchant");
    for st in tell(&s, s.seed, 0, &paid, Lang::En).unwrap() {
        assert!(st.views.merchant.starts_with("credited"), "{}", text(&st));
        assert!(!st.why.contains("did not arrive"), "{}", st.why);
        assert!(st.why.contains("merchant was paid"), "{}", st.why);
    }
    // And one whose merchant was not paid still says so.
    if let Some(n) = found.iter().find(|&&n| credited(n) == 0) {
        let st = tell(&s, s.seed, 0, &[*n], Lang::En).unwrap().remove(0);
        assert!(st.why.contains("did not arrive"), "{}", st.why);
    }
}

#[test]
fn a_fault_at_10h_is_told_on_day_0_at_10_00_as_the_scenario_reference_counts_days() {
    assert_eq!(story::clock(Lang::En, 10 * HOUR), "day 0 10:00:00.000");
    assert_eq!(story::clock(Lang::Zh, 10 * HOUR), "第0天 10:00:00.000");
    // scenarios/outage.toml: the switch is down from "12h" for 30 minutes.
    let s = load("scenarios/outage.toml");
    let fault = &s.faults[0];
    let f = Filter {
        cause: Some(fault.id.clone()),
        ..Default::default()
    };
    let rows = replay::census(&s, s.seed, 0).unwrap();
    let n = replay::matching(&rows, &f)[0];
    let st = tell(&s, s.seed, 0, &[n], Lang::En).unwrap().remove(0);
    let dropped = st.lines.iter().find(|l| l.kind == "dropped").unwrap();
    assert!(dropped.clock.starts_with("day 0 12:"), "{}", text(&st));
    // The reference says the same of fault starts and of day 0.
    let doc = std::fs::read_to_string("docs/scenarios.md").unwrap();
    assert!(doc.contains("**t = 0 is midnight at the start of\n  day 0**"));
    assert!(
        doc.contains("`payfault trace` prints"),
        "the reference says how the trace counts days"
    );
}

#[test]
fn a_unionpay_switch_answers_98_where_an_iso_one_answers_91_and_nothing_else_moves() {
    let iso = switch_timeout("iso");
    let cup = switch_timeout("unionpay");
    for run in 0..2 {
        let a = model::simulate(&iso, iso.seed, run, &mut NoTrace).unwrap();
        let b = model::simulate(&cup, cup.seed, run, &mut NoTrace).unwrap();
        assert!(a.channel_timeouts > 0);
        assert_eq!(a.events, b.events);
        assert_eq!(a.postings, b.postings);
        for o in Outcome::ALL {
            assert_eq!(a.count(o), b.count(o), "{o:?}");
        }
    }
    let f = Filter {
        code: Some(98),
        ..Default::default()
    };
    let rows = replay::census(&cup, cup.seed, 0).unwrap();
    let n = replay::matching(&rows, &f)[0];
    let st = tell(&cup, cup.seed, 0, &[n], Lang::En).unwrap().remove(0);
    let t = text(&st);
    assert!(
        t.contains("the till shows 98 (no answer from the issuer at the switch)"),
        "{t}"
    );
    assert!(!t.contains(" 91 ("), "{t}");
    let zh = story::text(
        &tell(&cup, cup.seed, 0, &[n], Lang::Zh).unwrap()[0],
        Lang::Zh,
    );
    assert!(zh.contains("98 (交换中心收不到发卡方应答)"), "{zh}");
    // The ISO switch's story of the same payment says 91.
    let st = tell(&iso, iso.seed, 0, &[n], Lang::En).unwrap().remove(0);
    assert!(text(&st).contains("the till shows 91"), "{}", text(&st));
}
