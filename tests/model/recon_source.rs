//! Reconciliation against the scheme's file (`[reconciliation] source = "scheme_file"`): the
//! file shows what the network cleared or posted, so a hold nobody presents (a dual-message
//! approval whose answer never reached the acquirer) is not in it and its break is never found,
//! while a single-message posting is. Every run checks the books.

use payfault::model::{self, NoTrace, Outcome};
use payfault::scenario::{ReconSource, Scenario};

use crate::common::{self, FLAT, count};

/// 100 terminals, 60 sales an hour each for 4 hours; 2% of the messages between the gateway
/// and the channel lost (answers too), no reversals of any kind: each approval whose answer
/// is lost leaves the cardholder charged for a failed sale. Daily reconciliation; `flow` of
/// the channel.
fn scen(flow: &str, source: ReconSource) -> Scenario {
    let text = format!(
        "name = \"recon_source\"\n\
         [simulation]\nruns = 1\nseed = 5\ntraffic_window = \"4h\"\nstart_weekday = \"monday\"\n\
         observation = \"5d\"\n\
         [[terminals]]\nid = \"shops\"\ncount = 100\nrate = \"60/h\"\nmiskey_share = 0.0\n\
         profile = {FLAT}\n\
         [gateway]\nservers = 64\nservice = \"1ms\"\n[network]\nlatency = \"10ms\"\n\
         [[network.links]]\nfrom = \"gateway\"\nto = \"scheme\"\nlatency = \"10ms\"\nloss = 0.02\n\
         [risk]\nenabled = false\nfraud_share = 0.0\n\
         [[channels]]\nid = \"scheme\"\nservers = 64\nservice = \"1ms\"\nflow = \"{flow}\"\n\
         [[issuers]]\nid = \"bank\"\nservers = 1000\nservice = \"5ms\"\ndo_not_honour_share = 0.0\n\
         [issuers.accounts]\ncount = 1000\nbalance = \"100000000.00\"\nfrozen_share = 0.0\n\
         [strategy.reversal]\nenabled = false\n[strategy.saf]\nenabled = false\n\
         [reconciliation]\nenabled = true\n"
    );
    let mut s = common::parse(&text, "recon_source");
    s.reconciliation.as_mut().unwrap().source = source;
    s
}

#[test]
fn the_scheme_file_does_not_show_a_hold_nobody_presented() {
    let run = |s: &Scenario| model::simulate(s, 3, 0, &mut NoTrace).unwrap();
    let phantom = 0; // `breaks_found` index of a phantom charge
    // Dual-message: the phantom holds are found against every record, not against the file.
    let all = run(&scen("dual", ReconSource::Records));
    let file = run(&scen("dual", ReconSource::SchemeFile));
    assert!(all.breaks_found[phantom] > 50, "{:?}", all.breaks_found);
    assert_eq!(file.breaks_found[phantom], 0);
    // Same payments: what the records' run refunds stays charged (the hold outlives the 5
    // days) under the file's.
    assert_eq!(
        count(&file, Outcome::ChargedWithoutSale),
        count(&all, Outcome::ChargedWithoutSale) + all.breaks_found[phantom]
    );
    // Single-message: the posting is in the file, found either way.
    let all = run(&scen("single", ReconSource::Records));
    let file = run(&scen("single", ReconSource::SchemeFile));
    assert!(all.breaks_found[phantom] > 50);
    assert_eq!(file.breaks_found, all.breaks_found);
}
