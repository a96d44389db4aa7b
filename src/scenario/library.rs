//! The scenario library: every file of `scenarios/` built into the binary, so that
//! `payfault run outage` (a name instead of a path) works from an installed binary anywhere,
//! and `payfault list` shows what each demonstrates.

/// One built-in scenario: its name (the file's stem in `scenarios/`) and its text.
pub struct Builtin {
    pub name: &'static str,
    pub source: &'static str,
}

macro_rules! builtin {
    ($name:literal) => {
        Builtin {
            name: $name,
            source: include_str!(concat!("../../scenarios/", $name, ".toml")),
        }
    };
}

/// Every shipped scenario, by name (a test checks the list against the folder).
pub const LIBRARY: &[Builtin] = &[
    builtin!("attack"),
    builtin!("autoscale"),
    builtin!("bad_input"),
    builtin!("bank_down"),
    builtin!("bank_migration"),
    builtin!("baseline"),
    builtin!("breaker"),
    builtin!("card_rule"),
    builtin!("clearing_reject"),
    builtin!("d0_payout"),
    builtin!("dbs_2023"),
    builtin!("disputes"),
    builtin!("duplicates"),
    builtin!("failover"),
    builtin!("fees"),
    builtin!("fraud_wave"),
    builtin!("frozen_accounts"),
    builtin!("hang"),
    builtin!("holiday"),
    builtin!("issuer_reject"),
    builtin!("latency_spike"),
    builtin!("limits"),
    builtin!("maintenance"),
    builtin!("merchant_hold"),
    builtin!("merchant_limits"),
    builtin!("merchant_rule"),
    builtin!("outage"),
    builtin!("partial_failure"),
    builtin!("partition"),
    builtin!("payout_channel"),
    builtin!("payout_products"),
    builtin!("personal_accounts"),
    builtin!("pipeline"),
    builtin!("pos_batch"),
    builtin!("preauth"),
    builtin!("qr_aggregator"),
    builtin!("recon_schedule"),
    builtin!("reconciliation"),
    builtin!("refunds"),
    builtin!("response_loss"),
    builtin!("retry_idempotency"),
    builtin!("risk_review"),
    builtin!("single_message"),
    builtin!("slow_issuer"),
    builtin!("spending"),
    builtin!("surge"),
    builtin!("terminal_hardware"),
    builtin!("terminal_upgrade"),
    builtin!("third_party"),
    builtin!("timeouts"),
    builtin!("until_repaired"),
    builtin!("visa_2018"),
    builtin!("wrong_account"),
];

/// The built-in scenario a command-line argument names: `outage`, or `outage.toml` given
/// without a folder (only when no such file exists; the caller checks).
pub fn find(arg: &str) -> Option<&'static Builtin> {
    if arg.contains('/') || arg.contains('\\') {
        return None;
    }
    let stem = arg.strip_suffix(".toml").unwrap_or(arg);
    LIBRARY.iter().find(|b| b.name == stem)
}

/// The names of the built-in scenarios.
pub fn names() -> Vec<&'static str> {
    LIBRARY.iter().map(|b| b.name).collect()
}

/// What `payfault list` shows of a built-in scenario, read from its text without running it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    /// The name to give `payfault run`.
    pub name: &'static str,
    pub description: String,
    /// The description in Simplified Chinese (`description_zh` in the file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description_zh: Option<String>,
    /// The causes it demonstrates (`demonstrates` in the file).
    pub demonstrates: Vec<String>,
    /// Its `[[variant]]` designs, if it compares designs.
    pub designs: Vec<String>,
}

impl Entry {
    /// The description in `lang` (`description_zh` in Chinese, falling back to `description`).
    pub fn description_in(&self, lang: crate::i18n::Lang) -> &str {
        super::described(&self.description, self.description_zh.as_deref(), lang)
    }
}

/// The library's entries, in name order.
pub fn entries() -> Vec<Entry> {
    LIBRARY
        .iter()
        .map(|b| {
            let t: toml::Table = toml::from_str(b.source).unwrap_or_default();
            let text = |v: &toml::Value| v.as_str().map(str::to_owned);
            let demonstrates = match t.get("demonstrates") {
                Some(toml::Value::String(s)) => vec![s.clone()],
                Some(toml::Value::Array(a)) => a.iter().filter_map(text).collect(),
                _ => vec![],
            };
            let designs = t
                .get("variant")
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|d| d.get("name").and_then(text))
                        .collect()
                })
                .unwrap_or_default();
            Entry {
                name: b.name,
                description: t.get("description").and_then(text).unwrap_or_default(),
                description_zh: t.get("description_zh").and_then(text),
                demonstrates,
                designs,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_library_is_the_scenarios_folder() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| {
                let n = e.unwrap().file_name().into_string().unwrap();
                n.strip_suffix(".toml").map(str::to_owned)
            })
            .collect();
        files.sort();
        assert_eq!(files, names(), "add new files of scenarios/ to LIBRARY");
    }

    #[test]
    fn names_resolve_with_or_without_the_extension_but_not_with_a_folder() {
        assert_eq!(find("outage").unwrap().name, "outage");
        assert_eq!(find("outage.toml").unwrap().name, "outage");
        assert!(find("scenarios/outage.toml").is_none());
        assert!(find("no-such-scenario").is_none());
    }

    #[test]
    fn every_entry_has_a_description() {
        for e in entries() {
            assert!(!e.description.is_empty(), "{} has no description", e.name);
        }
    }
}
