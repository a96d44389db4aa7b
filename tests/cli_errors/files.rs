//! Files (missing, a folder, unreadable, too large, not UTF-8) and scenario names, which name
//! the output folder.

use super::*;

/// Runs `validate` and `run` on a path outside the fixtures and checks the common contract.
/// Returns the stderr of `validate`.
fn expect_bad_path(path: &Path, needles: &[String]) -> String {
    let (out, stdout, stderr) = exec(payfault_quick().arg("validate").arg(path));
    let what = format!("validate {}", path.display());
    let norm = assert_bad_input(&what, &out, &stdout, &stderr);
    assert_contains_all(&what, &norm, needles);
    assert!(stdout.is_empty(), "{what}: unexpected stdout\n{stdout}");

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let (out, rstdout, rstderr) =
        exec(payfault_quick().arg("run").arg(path).arg("--out").arg(&dir));
    let what = format!("run {}", path.display());
    let rnorm = assert_bad_input(&what, &out, &rstdout, &rstderr);
    assert_contains_all(&what, &rnorm, needles);
    assert!(rstdout.is_empty(), "{what}: unexpected stdout\n{rstdout}");
    assert_no_output(&what, &dir);
    stderr
}

#[test]
fn missing_file() {
    let p = PathBuf::from(bad_fixture("does-not-exist.toml"));
    assert!(!root().join(&p).exists());
    expect_bad_path(
        &p,
        needles![
            "cannot read scenario file tests/fixtures/bad/does-not-exist.toml",
            "No such file or directory",
        ],
    );
}

#[test]
fn a_mistyped_built_in_name_suggests_the_right_one() {
    let p = PathBuf::from("outgae");
    expect_bad_path(
        &p,
        needles![
            "cannot read scenario file outgae",
            "no built-in scenario has that name (did you mean \"outage\"?)",
            "`payfault list` shows them",
        ],
    );
}

#[test]
fn demonstrates_a_cause_the_scenario_does_not_have() {
    let f = "demonstrates_unknown_cause.toml";
    expect_bad(
        f,
        needles![
            loc(f, "demonstrates = |["),
            field("demonstrates"),
            "\"schem-outage\" is not a cause of this scenario (did you mean \"scheme-outage\"?)",
        ],
    );
}

#[test]
fn directory_instead_of_file() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("scenario.toml");
    fs::create_dir(&p).unwrap();
    expect_bad_path(
        &p,
        needles![
            format!("cannot read scenario file {}", p.display()),
            "is a directory, not a scenario file",
        ],
    );
}

#[test]
fn unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("secret.toml");
    fs::write(&p, "name = \"secret\"\n").unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&p).is_ok() {
        // Running as root (or with CAP_DAC_OVERRIDE): permissions do not block reads.
        eprintln!("unreadable_file: skipped, the file is still readable after chmod 000");
        return;
    }
    expect_bad_path(
        &p,
        needles![
            format!("cannot read scenario file {}", p.display()),
            "Permission denied",
        ],
    );
}

#[test]
fn file_above_the_size_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("huge.toml");
    let f = fs::File::create(&p).unwrap();
    f.set_len(16 * 1024 * 1024 + 1).unwrap(); // sparse: costs no disk
    drop(f);
    expect_bad_path(
        &p,
        needles![
            format!("cannot read scenario file {}", p.display()),
            "file is 16777217 bytes; scenario files are limited to 16777216",
        ],
    );
}

#[test]
fn invalid_utf8_reports_first_bad_byte() {
    let tmp = tempfile::tempdir().unwrap();
    // Latin-1 "é" (0xE9) in a comment on line 2, column 6, byte 16.
    let p = tmp.path().join("latin1.toml");
    fs::write(&p, b"name = \"x\"\n# caf\xe9\n").unwrap();
    expect_bad_path(
        &p,
        needles![
            format!("{}:2:6:", p.display()),
            "not valid UTF-8 (byte 16)",
            "scenario files must be UTF-8 text",
        ],
    );
    // A valid two-byte "é" earlier on the line counts as one column: 0xFF is column 22.
    let p = tmp.path().join("mixed.toml");
    fs::write(&p, b"name = \"x\"\ndescription = \"h\xc3\xa9llo \xff\"\n").unwrap();
    expect_bad_path(
        &p,
        needles![
            format!("{}:2:22:", p.display()),
            "not valid UTF-8 (byte 33)",
        ],
    );
}

#[test]
fn empty_file_misses_name() {
    let f = "empty.toml";
    assert_eq!(fs::metadata(root().join(bad_fixture(f))).unwrap().len(), 0);
    expect_bad(
        f,
        needles![format!("{}:1:1:", bad_fixture(f)), "missing field `name`"],
    );
}

// ---------------------------------------------------------------------------------------------
// Scenario names (they name the output folder)
// ---------------------------------------------------------------------------------------------

const NAME_HELP: &str = "use letters, digits, '_', '-' and '.', not starting with '.'";

/// `run` without `--out`, from a working folder two levels deep: an accepted "../../x" name
/// would write outside `output/`. Checks that nothing at all was created.
fn assert_name_cannot_escape(name: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path().join("a").join("b");
    fs::create_dir_all(&cwd).unwrap();
    let scenario = root().join(bad_fixture(name));
    let (out, stdout, stderr) = exec(
        payfault_quick()
            .current_dir(&cwd)
            .arg("run")
            .arg(&scenario)
            .arg("--quiet"),
    );
    assert_bad_input(&format!("run {name} (no --out)"), &out, &stdout, &stderr);
    let top: Vec<_> = fs::read_dir(tmp.path().join("a"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        top,
        ["b"],
        "run {name}: created something outside its folder"
    );
    assert_eq!(
        fs::read_dir(&cwd).unwrap().count(),
        0,
        "run {name}: created output"
    );
}

#[test]
fn name_with_parent_dirs_is_rejected() {
    let f = "name_parent_dirs.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"../../etc\""),
            field("name"),
            "invalid scenario name \"../../etc\"",
            NAME_HELP,
            "it names the output folder",
        ],
    );
    assert_name_cannot_escape(f);
}

#[test]
fn name_with_slash_is_rejected() {
    let f = "name_slash.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"a/b\""),
            field("name"),
            "invalid scenario name \"a/b\"",
            NAME_HELP,
        ],
    );
    assert_name_cannot_escape(f);
}
