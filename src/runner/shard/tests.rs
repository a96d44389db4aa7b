//! Tests of sharding, the exact row and histogram encodings, and merge plans.

use super::*;
use crate::i18n::Lang;
use crate::metrics;
use std::path::PathBuf;

#[test]
fn shards_tile_the_runs() {
    for runs in [1u64, 2, 7, 10, 1000, 1_000_003] {
        for m in 1..=runs.min(9) {
            let mut at = 0;
            for k in 1..=m {
                let r = Shard { k, m }.range(runs);
                assert_eq!(r.start, at, "{k}/{m} of {runs}");
                assert!(!r.is_empty(), "{k}/{m} of {runs} is empty");
                assert!(r.end - r.start <= runs / m + 1);
                at = r.end;
            }
            assert_eq!(at, runs);
        }
    }
    let big = Shard { k: 3, m: 3 }.range(u64::MAX);
    assert_eq!(big.end, u64::MAX);
}

#[test]
fn shard_parsing_refuses_what_is_not_k_of_m() {
    assert_eq!(Shard::parse("2/8"), Ok(Shard { k: 2, m: 8 }));
    assert_eq!(Shard::parse("1/1"), Ok(Shard { k: 1, m: 1 }));
    for bad in ["0/3", "4/3", "3", "a/b", "1/0", "-1/3", "", "1/3/4"] {
        let e = Shard::parse(bad).unwrap_err();
        assert!(e.contains("K/M") && e.contains(bad), "{bad}: {e}");
    }
}

#[test]
fn fnv1a_matches_its_reference_values() {
    // The FNV reference test vectors (Fowler, Noll, Vo).
    assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
}

#[test]
fn rows_round_trip_bit_for_bit() {
    let vals = vec![
        Some(0.1 + 0.2),
        None,
        Some(1e-310),
        Some(-0.0),
        Some(123_456_789.123_456_78),
        Some(f64::MAX),
        Some(f64::INFINITY),
        Some(1.0 / 3.0),
    ];
    let back = decode_row(&encode_row(&vals), vals.len()).unwrap();
    for (a, b) in vals.iter().zip(&back) {
        assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits));
    }
    assert!(decode_row("1,x", 2).is_err());
    assert!(decode_row("1,2", 3).is_err());
    assert_eq!(decode_row("", 1).unwrap(), vec![None]);
}

#[test]
fn histograms_round_trip_and_add_exactly() {
    let mut a = metrics::settle_histogram();
    let mut b = metrics::settle_histogram();
    for (i, v) in [1u64, 7, 999, 1_000_003, 86_400_000, 3, 3]
        .iter()
        .enumerate()
    {
        if i % 2 == 0 {
            a.record(*v).unwrap();
        } else {
            b.record(*v).unwrap();
        }
    }
    let mut whole = a.clone();
    whole.add(&b).unwrap();
    let mut merged = metrics::settle_histogram();
    add_histogram(&mut merged, &encode_histogram(&a)).unwrap();
    add_histogram(&mut merged, &encode_histogram(&b)).unwrap();
    assert_eq!(encode_histogram(&merged), encode_histogram(&whole));
    for q in [0.0, 0.5, 0.9, 0.99, 1.0] {
        assert_eq!(merged.value_at_quantile(q), whole.value_at_quantile(q));
    }
    assert_eq!(
        (merged.len(), merged.min(), merged.max(), merged.mean()),
        (whole.len(), whole.min(), whole.max(), whole.mean())
    );
}

fn header(start: u64, end: u64, k: u64, m: u64) -> Header {
    let inputs = vec![Input {
        file: "x.toml".into(),
        text: "name = \"x\"".into(),
    }];
    Header {
        format: FORMAT,
        payfault_version: VERSION.into(),
        kind: Kind::Run,
        scenario_hash: input_hash(&inputs, None, &[], None),
        inputs,
        variant: None,
        sets: vec![],
        objective: None,
        allow_large: false,
        seed: 1,
        runs: 9,
        shard: Shard { k, m },
        start,
        end,
        designs: vec!["x".into()],
    }
}

#[test]
fn plans_refuse_mixed_overlapping_or_incomplete_sets() {
    let f = |n: &str| PathBuf::from(n);
    let all = vec![
        (f("c"), header(6, 9, 3, 3)),
        (f("a"), header(0, 3, 1, 3)),
        (f("b"), header(3, 6, 2, 3)),
    ];
    let p = plan(&all, false).unwrap();
    assert_eq!((p.order, p.missing, p.have), (vec![1, 2, 0], vec![], 9));
    // Missing the middle shard.
    let gap = vec![all[0].clone(), all[1].clone()];
    let e = plan(&gap, false).unwrap_err();
    assert_eq!(
        e,
        MergeError::Incomplete {
            have: 6,
            runs: 9,
            missing: vec![(3, 6)],
            shards: Some(MissingShards { m: 3, ks: vec![2] }),
        }
    );
    // The message names the shard to run again, and the Slurm array of just it.
    for lang in Lang::ALL {
        let m = e.message(lang);
        assert!(m.contains("--array=2 ") && m.contains("M=3"), "{m}");
    }
    assert!(
        e.message(Lang::En).contains("3–5"),
        "{}",
        e.message(Lang::En)
    );
    let p = plan(&gap, true).unwrap();
    assert_eq!((p.missing, p.have), (vec![(3, 6)], 6));
    // Of different splits: the missing runs cannot be named as shards.
    let mixed = vec![all[1].clone(), (f("h"), header(5, 9, 2, 2))];
    let p = plan(&mixed, true).unwrap();
    assert_eq!((p.missing, p.shards), (vec![(3, 5)], None));
    // Overlap: shard 1 of 2 (runs 0–3) with shard 1 of 3.
    let over = vec![all[1].clone(), (f("d"), header(0, 4, 1, 2))];
    assert!(matches!(
        plan(&over, false),
        Err(MergeError::Overlap { .. })
    ));
    // A different seed.
    let mut other = header(3, 6, 2, 3);
    other.seed = 2;
    let e = plan(&[all[1].clone(), (f("e"), other)], false).unwrap_err();
    assert!(matches!(e, MergeError::Differ { what: "seed", .. }));
    for lang in Lang::ALL {
        assert!(e.message(lang).contains('e'));
    }
}

#[test]
fn missing_shards_are_named_in_slurm_array_syntax() {
    // 10 runs in 7 shards: 0, 1, 2–3, 4, 5, 6–7, 8–9.
    let s = MissingShards::of(7, 10, &[(1, 2), (4, 8), (9, 10)]);
    assert_eq!(s.ks, vec![2, 4, 5, 6, 7]);
    assert_eq!(s.array(), "2,4-7");
    assert_eq!(MissingShards::of(3, 9, &[]).array(), "");
    assert_eq!(MissingShards::of(3, 9, &[(0, 9)]).array(), "1-3");
    assert_eq!(
        MissingShards::of(100, 1000, &[(360, 370), (990, 1000)]).array(),
        "37,100"
    );
}

#[test]
fn every_merge_message_exists_in_both_languages() {
    for lang in Lang::ALL {
        for w in FIELDS {
            let key = format!("merge.field.{w}");
            assert!(lang.has(&key), "{key} missing in {lang:?}");
        }
    }
}

#[test]
fn row_checks_refuse_impossible_values_and_broken_relations() {
    let s = crate::scenario::load(
        std::path::Path::new("tests/fixtures/shard_small.toml"),
        &crate::scenario::Limits::default(),
    )
    .unwrap();
    let cat = metrics::Catalogue::for_scenario(&s);
    let check = RowCheck::new(&cat);
    let out = crate::model::simulate(&s, 3, 0, &mut crate::model::NoTrace).unwrap();
    let row = cat.values(&out);
    check.check(&row).unwrap();
    let at = |n: &str| cat.position(n).unwrap();
    let with = |n: &str, v: Option<f64>| {
        let mut r = row.clone();
        r[at(n)] = v;
        check.check(&r).unwrap_err()
    };
    assert!(with("payments", Some(f64::NAN)).contains("payments = NaN"));
    assert!(with("payments", Some(-1.0)).contains("not a count"));
    assert!(with("payments", Some(0.5)).contains("not a count"));
    assert!(with("payments", Some(MAX_COUNT)).contains("not a count"));
    assert!(with("not_arrived_amount", Some(f64::INFINITY)).contains("not a finite"));
    assert!(with("settled_on_time_ratio", Some(-0.1)).contains("[0, 1]"));
    let p = row[at("payments")].unwrap();
    assert!(with("payments", Some(p + 1.0)).contains("retry_attempts"));
    let e = with("duplicate_charges", Some(p + 1.0));
    assert!(
        e.contains("duplicate_charges") && e.contains("payments"),
        "{e}"
    );
    let r = row[at("settled_on_time_ratio")];
    if let Some(r) = r.filter(|r| *r > 0.0) {
        assert!(with("settled_on_time_ratio", Some(r / 2.0)).contains("denominator"));
    }
    assert!(with("settled_on_time_ratio", None).contains("undefined") || r.is_none());
}

#[test]
fn bucket_checks_refuse_overflow_zero_and_disorder() {
    assert_eq!(check_buckets(&[[1, 2], [5, 3]], 10), Ok(15));
    assert!(
        check_buckets(&[[1, u64::MAX]], 0)
            .unwrap_err()
            .contains("2^53")
    );
    assert!(check_buckets(&[[1, 1]], MAX_HISTOGRAM_TOTAL - 1).is_err());
    assert!(
        check_buckets(&[[1, 0]], 0)
            .unwrap_err()
            .contains("count of 0")
    );
    assert!(check_buckets(&[[5, 1], [5, 1]], 0).is_err());
    assert!(check_buckets(&[[5, 1], [4, 1]], 0).is_err());
}
