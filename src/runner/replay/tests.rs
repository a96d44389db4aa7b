use super::*;

fn row(outcome: &'static str, cause: &str, codes: &[u8], fd: bool) -> Row {
    Row {
        outcome: Some(outcome),
        cause: cause.into(),
        codes: codes.to_vec(),
        false_decline: fd,
        group: "g".into(),
        ..Default::default()
    }
}

#[test]
fn filters_combine() {
    let late = row("settled_late", "missed_cutoff", &[0, 0], false);
    let fd = row("declined", "risk_false_positive", &[59, 59], true);
    let ok = row("settled_on_time", "none", &[0], false);
    let none = Filter::default();
    assert!(none.matches(&late) && none.matches(&fd) && !none.matches(&ok));
    let f = Filter {
        outcome: Some("false_decline".into()),
        ..Default::default()
    };
    assert!(f.matches(&fd) && !f.matches(&late));
    let f = Filter {
        outcome: Some("declined".into()),
        code: Some(59),
        cause: Some("risk_false_positive".into()),
    };
    assert!(f.matches(&fd));
    let f = Filter {
        code: Some(62),
        ..Default::default()
    };
    assert!(!f.matches(&fd));
    // A superseded attempt has no outcome: it matches nothing.
    let mut superseded = late.clone();
    superseded.outcome = None;
    assert!(!none.matches(&superseded));
}

#[test]
fn a_sampled_census_keeps_one_payment_in_n_exactly_as_the_full_one() {
    // The report stage's memory is bounded by sampling the census (issue 23.1): its rows are
    // the full census's rows of the sampled serials, unchanged.
    let mut s = crate::scenario::baseline();
    s.traffic_window = crate::engine::HOUR;
    let full = census(&s, 3, 0).unwrap();
    let sampled = census_sampled(&s, 3, 0, 7).unwrap();
    let expected: Vec<&Row> = full.iter().filter(|r| r.serial % 7 == 0).collect();
    assert!(!sampled.is_empty() && sampled.len() < full.len() / 5);
    assert_eq!(sampled.len(), expected.len());
    // The rank counts judged payments among those followed (and in-batch settlement judges
    // a batch's traced payments in its own order), so it is left out of the comparison.
    let unranked = |r: &Row| {
        format!(
            "{:?}",
            Row {
                rank: 0,
                ..r.clone()
            }
        )
    };
    for (a, b) in sampled.iter().zip(expected) {
        assert_eq!(unranked(a), unranked(b));
    }
    // The rate follows the budget: about 1.5 × expected payments / budget.
    let expected_payments = s.mean_arrival_rate() * 3600.0;
    assert_eq!(sample_rate(&s, f64::INFINITY), 1);
    let k = sample_rate(&s, expected_payments / 10.0);
    assert_eq!(k, 15);
    // Stories still come, from the sample.
    let found = census_exemplars(&s, 3, 0, expected_payments / 10.0).unwrap();
    assert!(found.iter().all(|e| e.serial % 15 == 0));
    let w = crate::runner::stories::Wanted::all(&s);
    let picks = crate::runner::stories::pick(&s, &w, &[found]);
    let stories = crate::runner::stories::record(&s, 3, &picks).unwrap();
    assert!(!stories.is_empty());
}

#[test]
fn the_batch_samples_run_0_exactly_as_a_replay_does() {
    // The report's charts take run 0's series from the batch (no replay to the end): it must
    // be the replay's, point for point, and the batch's numbers those of an unsampled batch.
    let mut s = crate::scenario::load(
        std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/outage.toml"
        )),
        &Default::default(),
    )
    .unwrap();
    for g in &mut s.terminals {
        g.rate /= 20.0;
    }
    let opts = crate::runner::BatchOptions {
        runs: 3,
        seed: 5,
        threads: 2,
    };
    let stop = std::sync::atomic::AtomicBool::new(false);
    let sampled =
        crate::runner::run_batch_for_report(&s, &opts, &stop, (|_, _| Ok(()), |_| {}), true)
            .unwrap();
    let plain = crate::runner::run_batch(&s, &opts, &stop, |_, _| Ok(()), |_| {}).unwrap();
    assert!(plain.series.is_none());
    let replayed = series(&s, 5).unwrap();
    assert_eq!(
        format!("{:?}", sampled.series.as_ref().unwrap()),
        format!("{replayed:?}")
    );
    assert_eq!(
        format!("{:?}", sampled.summaries),
        format!("{:?}", plain.summaries)
    );
    assert_eq!(sampled.exemplars, plain.exemplars);
    // A merged batch keeps neither: one replay of run 0 gives exactly what the batch kept.
    let (ex, ts) = run0_extras(&s, 5, true).unwrap();
    let kept = sampled.exemplars.unwrap();
    assert_eq!(kept.len(), 3, "the candidates of each of the first runs");
    assert_eq!(ex, kept[0]);
    assert_eq!(ts, sampled.series);
    assert!(!kept[0].is_empty());
}
