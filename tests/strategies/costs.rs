//! `[costs]`: each cost item is its count priced, from the scenario's own parameters.

use payfault::engine::HOUR;
use payfault::metrics::Catalogue;
use payfault::model::{NoTrace, simulate};
use payfault::scenario::{self, Limits};

const SRC: &str = r#"
name = "costs"
[simulation]
runs = 2
traffic_window = "30m"
[[terminals]]
id = "shops"
count = 500
rate = "20/h"
[[channels]]
id = "scheme"
servers = 6
[[channels]]
id = "cup"
servers = 4
[[issuers]]
id = "bank"
servers = 8
[reconciliation]
enabled = true
[costs]
server_hour = 0.75
message_fee = 0.002
channel_fees = { cup = 0.005 }
reconciliation_run = 40
lost_sale = 1.5
chargeback = 20
till_wait_hour = 36
"#;

#[test]
fn each_cost_is_its_count_priced() {
    let s = scenario::parse(SRC, "costs.toml", &Limits::default()).unwrap();
    let out = simulate(&s, 3, 0, &mut NoTrace).unwrap();
    let c = Catalogue::for_scenario(&s);
    let v = c.values(&out);
    let get = |k: &str| v[c.position(k).unwrap_or_else(|| panic!("{k}"))].unwrap();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-6 * b.abs().max(1.0);
    // No autoscaling: every station keeps its servers; they are charged for the traffic
    // window only.
    let servers = (16 + 6 + 4 + 8) as f64;
    let hours = s.traffic_window as f64 / HOUR as f64;
    assert!(
        close(get("cost_servers"), servers * hours * 0.75),
        "{} vs {}",
        get("cost_servers"),
        servers * hours * 0.75
    );
    let arrivals = |id: &str| get(&format!("arrival_rate.{id}")) * 1800.0;
    let messages = arrivals("scheme") * 0.002 + arrivals("cup") * 0.005;
    assert!(
        close(get("cost_messages"), messages),
        "{} vs {messages}",
        get("cost_messages")
    );
    // Reconciliation at 06:00 every 24 h, up to the horizon.
    let runs = (0..100)
        .filter(|d| (6 + 24 * d) as f64 * (HOUR as f64) < out.horizon as f64)
        .count();
    assert!(runs >= 1);
    assert!(close(get("cost_reconciliation"), runs as f64 * 40.0));
    assert!(close(get("cost_lost_sales"), get("false_declines") * 1.5));
    assert!(close(get("cost_chargebacks"), get("chargebacks") * 20.0));
    assert_eq!(get("cost_backup_routes"), 0.0);
    // The tills' wait: every answer's latency as the till recorded it, and the whole timeout
    // (the default 60 s) of every attempt that got no answer; 36 an hour.
    let h = &out.auth_latency_us;
    let waited = h.mean() * h.len() as f64 / 3.6e9 + get("timeouts") * 60.0 / 3600.0;
    assert!(waited > 0.0);
    assert!(
        close(get("cost_till_wait"), waited * 36.0),
        "{} vs {}",
        get("cost_till_wait"),
        waited * 36.0
    );
    assert_eq!(get("cost_support"), 0.0);
    let items = [
        "cost_servers",
        "cost_messages",
        "cost_backup_routes",
        "cost_reconciliation",
        "cost_support",
        "cost_chargebacks",
        "cost_lost_sales",
        "cost_till_wait",
    ];
    let sum: f64 = items.iter().map(|k| get(k)).sum();
    assert!(close(get("cost_total"), sum));
    assert!(get("false_declines") > 0.0, "the test prices something");
    // The objective compare ranks by: the money lost plus the design's cost.
    let lost = get("not_arrived_amount")
        + get("charged_without_sale_amount")
        + get("duplicate_charge_amount");
    assert!(close(get("loss_total"), lost + sum));
}

#[test]
fn without_costs_there_are_no_cost_metrics_and_bad_prices_are_errors() {
    let s = scenario::parse(
        SRC.split("[costs]").next().unwrap(),
        "x",
        &Limits::default(),
    )
    .unwrap();
    assert!(Catalogue::for_scenario(&s).position("cost_total").is_none());
    let e = scenario::parse(
        &SRC.replace("server_hour = 0.75", "server_hour = -1.0"),
        "c.toml",
        &Limits::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("costs.server_hour") && e.contains("invalid price -1"),
        "{e}"
    );
    let e = scenario::parse(
        &SRC.replace("{ cup = 0.005 }", "{ cupp = 0.005 }"),
        "c.toml",
        &Limits::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("did you mean \"cup\"") && e.contains("c.toml:24:"),
        "{e}"
    );
}
