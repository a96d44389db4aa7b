//! Merge trusts no number it reads: a partial result with an impossible value (NaN, an
//! infinity, a count of 2^64, a histogram count of u64::MAX, counts that contradict each
//! other), a changed digit (its checksum), a cut file, a spliced-in shard of another batch or
//! a file too large is refused with exit 2 and a message naming the file and the first bad
//! value, and nothing is written.

use payfault::runner::shard::{self, Partial};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{payfault_output as payfault, refused};

const FIXTURE: &str = "tests/fixtures/shard_small.toml";

fn read(p: &Path) -> Partial {
    serde_json::from_str(&std::fs::read_to_string(p.join("partial.json")).unwrap()).unwrap()
}

/// Writes `p` to `file` with the checksum of its (edited) content: the tampering a checksum
/// cannot catch, which the value checks must.
fn write_signed(file: &Path, p: Partial) {
    let p = Partial::new(p.header, p.designs);
    std::fs::write(file, serde_json::to_string(&p).unwrap()).unwrap();
}

/// Sets metric `name` of the first row of design 0 to `value` (text, as in the file).
fn set_value(p: &mut Partial, name: &str, value: &str) {
    let d = &mut p.designs[0];
    let at = d.metrics.iter().position(|m| m == name).unwrap();
    let mut vals: Vec<String> = d.rows[0].split(',').map(str::to_owned).collect();
    vals[at] = value.to_owned();
    d.rows[0] = vals.join(",");
}

#[test]
fn merge_refuses_tampered_numbers_and_damaged_files() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    let s = |n: &str| p(n).to_str().unwrap().to_owned();
    let shard = |k: &str, seed: &str, out: &str| -> PathBuf {
        let got = payfault(&[
            "run",
            FIXTURE,
            "--no-charts",
            "-q",
            "-t",
            "1",
            "-s",
            seed,
            "--shard",
            k,
            "-o",
            &s(out),
        ]);
        assert!(got.status.success(), "{got:?}");
        p(out)
    };
    let (s1, s2, s3) = (
        shard("1/3", "11", "s1"),
        shard("2/3", "11", "s2"),
        shard("3/3", "11", "s3"),
    );
    let merge = |middle: &Path| {
        Command::new(assert_cmd::cargo::cargo_bin("payfault"))
            .arg("merge")
            .args([&s1, middle, &s3])
            .args(["--no-charts", "-q", "-o", &s("m")])
            .output()
            .unwrap()
    };
    let first_run = read(&s2).header.start.to_string();
    let run = format!("run {first_run}");
    let cases: [(&str, &str, &str, &str); 4] = [
        ("nan", "payments", "NaN", "payments = NaN"),
        (
            "inf",
            "not_arrived_amount",
            "inf",
            "not_arrived_amount = inf",
        ),
        ("big", "payments", "18446744073709551616", "payments"),
        (
            "ratio",
            "settled_on_time_ratio",
            "1.5",
            "settled_on_time_ratio",
        ),
    ];
    for (name, metric, value, says) in cases {
        let mut t = read(&s2);
        set_value(&mut t, metric, value);
        let file = p(&format!("{name}.json"));
        write_signed(&file, t);
        refused(&merge(&file), &[&format!("{name}.json"), &run, says]);
    }
    // Counts that contradict each other: one payment more than the outcomes account for.
    let mut t = read(&s2);
    let payments = t.designs[0].rows[0].split(',').next().unwrap().to_owned();
    let more = (payments.parse::<u64>().unwrap() + 1).to_string();
    set_value(&mut t, "payments", &more);
    write_signed(&p("sum.json"), t);
    refused(
        &merge(&p("sum.json")),
        &["sum.json", &run, "attempts_without_outcome"],
    );
    // A histogram count of u64::MAX (hdrhistogram would saturate, silently).
    let mut t = read(&s2);
    t.designs[0].settle_delay_ms[0][1] = u64::MAX;
    write_signed(&p("hist.json"), t);
    refused(&merge(&p("hist.json")), &["hist.json", "histogram", "2^53"]);
    // A changed digit, not re-signed: the checksum.
    let text = std::fs::read_to_string(s2.join("partial.json")).unwrap();
    let at = text.find("\"rows\":[\"").unwrap() + 9;
    let digit = text.as_bytes()[at];
    let other = if digit == b'9' { "8" } else { "9" };
    let changed = format!("{}{other}{}", &text[..at], &text[at + 1..]);
    std::fs::write(p("digit.json"), changed).unwrap();
    refused(&merge(&p("digit.json")), &["digit.json", "checksum"]);
    // A cut file.
    std::fs::write(p("cut.json"), &text[..text.len() - 40]).unwrap();
    refused(&merge(&p("cut.json")), &["cut.json"]);
    // A foreign shard: the rows of another seed's batch under this shard's header.
    let mut t = read(&s2);
    t.designs = read(&shard("2/3", "99", "foreign")).designs;
    std::fs::write(p("foreign.json"), serde_json::to_string(&t).unwrap()).unwrap();
    refused(&merge(&p("foreign.json")), &["foreign.json", "checksum"]);
    // A file too large is refused before it is read (sparse: no disk used).
    let big = std::fs::File::create(p("big.json")).unwrap();
    big.set_len(shard::MAX_BYTES + 1).unwrap();
    refused(&merge(&p("big.json")), &["big.json", "larger than"]);
    // No file was written (the folder itself may have been created: see src/atomic.rs).
    let written: Vec<_> = std::fs::read_dir(p("m"))
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(written.is_empty(), "nothing was written: {written:?}");
    // The untouched shards, re-signed as they are, still merge.
    write_signed(&p("same.json"), read(&s2));
    let got = merge(&p("same.json"));
    assert!(got.status.success(), "{got:?}");
}
