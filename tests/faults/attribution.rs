//! Attribution: every struck payment counted under its fault, and faults that never fire change
//! nothing.

use super::*;

#[test]
fn every_struck_payment_is_counted_under_its_faults_id() {
    let s = scen(&format!(
        "{}\
         [[faults]]\nid = \"down\"\nkind = \"outage\"\nmode = \"reject\"\ntarget = \"bank\"\n\
         start = \"1h\"\nduration = \"20m\"\n\
         [[faults]]\nid = \"lossy\"\nkind = \"loss\"\ntarget = \"shops-gateway\"\nprobability = 0.01\n\
         [[faults]]\nid = \"bad\"\nkind = \"bad_input\"\ntarget = \"all\"\ncode = 30\nprobability = 0.02\n\
         [[faults]]\nid = \"frozen\"\nkind = \"frozen_accounts\"\ntarget = \"bank\"\nshare = 0.02\n\
         [[faults]]\nid = \"rule\"\nkind = \"card_rule\"\ntarget = \"gateway\"\nfalse_positive_rate = 0.02\n\
         [[faults]]\nid = \"spike\"\nkind = \"latency\"\ntarget = \"gateway-scheme\"\nstart = \"2h\"\n\
         duration = \"10m\"\nadded = \"40s\"\n\
         [[faults]]\nid = \"hold\"\nkind = \"merchant_rule\"\ntarget = \"all\"\nshare = 0.1\n\
         [[faults]]\nid = \"hw\"\nkind = \"terminal_hardware\"\ntarget = \"all\"\n\
         terminal_mtbf = \"20h\"\nterminal_mttr = \"1h\"\ncrash_share = 0.01\n\
         [[faults]]\nid = \"wave\"\nkind = \"fraud_wave\"\ntarget = \"all\"\nstart = \"3h\"\n\
         duration = \"30m\"\nshare = 0.05\n",
        issuer("bank", "", "count = 100000\n")
    ));
    let catalogue = Catalogue::for_scenario(&s);
    for r in 0..2 {
        let (out, v) = stories(&s, r);
        assert_causes_add_up(&s, &out);
        // The stories and the counters agree, cause by cause.
        let values = catalogue.values(&out);
        for f in &s.faults {
            let told = v
                .iter()
                .filter(|p| p.cause.as_deref() == Some(f.id.as_str()))
                .count() as u64;
            assert!(told > 0, "{} struck nobody", f.id);
            assert_eq!(struck(&s, &out, &f.id), told, "{}", f.id);
            let name = format!("causes.{}.declined", f.id);
            let i = catalogue.position(&name).unwrap();
            assert_eq!(
                values[i],
                Some(n_of(&s, &out, &f.id, Outcome::Declined) as f64)
            );
        }
        let unsettled = v.iter().filter(|p| p.outcome != "settled_on_time").count();
        assert_eq!(v.iter().filter(|p| p.cause.is_some()).count(), unsettled);
        // Tracing changes nothing.
        let untraced = run(&s, r);
        assert_eq!(untraced.outcomes, out.outcomes);
        assert_eq!(untraced.by_cause, out.by_cause);
    }
}

fn fingerprint(s: &Scenario, r: u64) -> common::Fingerprint {
    common::fingerprint(s, &run(s, r))
}

#[test]
fn a_fault_that_cannot_fire_leaves_every_output_unchanged_for_every_kind() {
    let sim = "[simulation]\nruns = 2\nseed = 3\ntraffic_window = \"1h\"\n";
    // Each kind past the horizon (day 300), and each kind with a probability or share at 0.
    let past = "start = \"300d\"\nduration = \"1h\"\n";
    let faults: Vec<String> = [
        "kind = \"outage\"\ntarget = \"bank\"\n",
        "kind = \"outage\"\ntarget = \"scheme\"\nmode = \"reject\"\n",
        "kind = \"outage\"\ntarget = \"gateway\"\nmode = \"hang\"\n",
        "kind = \"partial\"\ntarget = \"bank\"\nservers_lost = 1\nfail_share = 0.5\n",
        "kind = \"slow\"\ntarget = \"scheme\"\nmultiplier = 5\n",
        "kind = \"latency\"\ntarget = \"gateway-scheme\"\nadded = \"1s\"\n",
        "kind = \"loss\"\ntarget = \"scheme-bank\"\nprobability = 0.5\n",
        "kind = \"duplicate\"\ntarget = \"shops-gateway\"\nprobability = 0.5\n",
        "kind = \"partition\"\ntarget = \"scheme-bank\"\n",
        "kind = \"surge\"\ntarget = \"shops\"\nmultiplier = 2\n",
        "kind = \"attack\"\ntarget = \"gateway\"\nrate = \"100/s\"\n",
        "kind = \"bad_input\"\ntarget = \"all\"\ncode = 30\nprobability = 0.5\n",
        "kind = \"wrong_account\"\ntarget = \"all\"\nshare = 0.5\n",
        "kind = \"frozen_accounts\"\ntarget = \"bank\"\nshare = 0.5\n",
        "kind = \"limits\"\ntarget = \"bank\"\namount_limit = \"1.00\"\ndaily_count = 1\n",
        "kind = \"spending\"\ntarget = \"bank\"\nper_day = \"100000000.00\"\n",
        "kind = \"card_rule\"\ntarget = \"gateway\"\nfalse_positive_rate = 0.5\n",
        "kind = \"merchant_rule\"\ntarget = \"all\"\nshare = 0.5\n",
        "kind = \"fraud_wave\"\ntarget = \"all\"\nshare = 0.5\n",
        "kind = \"terminal_upgrade\"\ntarget = \"all\"\nold_share = 0.5\nfailure = \"sign_on\"\n",
        "kind = \"terminal_upgrade\"\ntarget = \"all\"\nold_share = 0.5\nfailure = \"mid_payment\"\n",
        "kind = \"terminal_hardware\"\ntarget = \"all\"\nterminal_mtbf = \"1h\"\n\
         terminal_mttr = \"1h\"\ncrash_share = 0.5\n",
    ]
    .iter()
    .map(|k| format!("{k}{past}"))
    .chain(
        [
            // Past the horizon with the other timings.
            "kind = \"outage\"\ntarget = \"bank\"\nstart = \"300d\"\nduration = \"1h\"\nrepeat = \"daily\"\n",
            "kind = \"outage\"\ntarget = \"bank\"\nstart = \"300d\"\nmtbf = \"1h\"\nmttr = \"10m\"\n",
            "kind = \"outage\"\ntarget = \"bank\"\nstart = \"300d\"\ndetection = \"10m\"\nrepair = \"1h\"\n",
            "kind = \"loss\"\ntarget = \"scheme-bank\"\nprobability = 0.5\nstart = \"300d\"\n",
            // Always on, at probability or share 0.
            "kind = \"partial\"\ntarget = \"bank\"\nfail_share = 0.0\nmode = \"reject\"\n",
            "kind = \"loss\"\ntarget = \"scheme-bank\"\nprobability = 0.0\n",
            "kind = \"duplicate\"\ntarget = \"gateway-scheme\"\nprobability = 0.0\n",
            "kind = \"bad_input\"\ntarget = \"all\"\ncode = 14\nprobability = 0.0\n",
            "kind = \"wrong_account\"\ntarget = \"all\"\nshare = 0.0\n",
            "kind = \"frozen_accounts\"\ntarget = \"bank\"\nshare = 0.0\ncode = 57\n",
            "kind = \"card_rule\"\ntarget = \"gateway\"\nfalse_positive_rate = 0.0\naction = \"review\"\n",
            "kind = \"merchant_rule\"\ntarget = \"all\"\nshare = 0.0\n",
            "kind = \"fraud_wave\"\ntarget = \"all\"\nshare = 0.0\n",
            "kind = \"terminal_upgrade\"\ntarget = \"all\"\nold_share = 0.0\nfailure = \"sign_on\"\n",
            "kind = \"terminal_upgrade\"\ntarget = \"all\"\nold_share = 0.0\nfailure = \"mid_payment\"\n\
             rollout = \"1h\"\n",
            "kind = \"terminal_hardware\"\ntarget = \"all\"\nterminal_mtbf = \"300d\"\n\
             terminal_mttr = \"1h\"\ncrash_share = 0.0\n",
            // Limits the base never reaches, spending of nothing.
            "kind = \"limits\"\ntarget = \"bank\"\namount_limit = \"200.00\"\ndaily_count = 10000\n",
            "kind = \"spending\"\ntarget = \"bank\"\nper_day = \"0.00\"\n",
        ]
        .iter()
        .map(|k| k.to_string()),
    )
    .collect();
    let base = scen(sim);
    let prints: Vec<common::Fingerprint> = (0..base.runs).map(|r| fingerprint(&base, r)).collect();
    assert!(prints[0].0.iter().any(|v| v.is_some_and(|x| x > 0.0)));
    for f in &faults {
        let s = scen(&format!("{sim}[[faults]]\nid = \"idle\"\n{f}"));
        for (r, p) in prints.iter().enumerate() {
            assert!(
                fingerprint(&s, r as u64) == *p,
                "run {r} changed by the fault:\n{f}"
            );
        }
    }
}
