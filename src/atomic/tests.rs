use super::*;

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn nothing_appears_until_commit_and_drop_cleans_up() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("out");
    {
        let mut a = AtomicDir::create(&dir).unwrap();
        a.write("x.json", b"{}").unwrap();
        let _ = a.scratch("runs.csv").unwrap();
        assert!(!dir.join("x.json").exists());
    }
    assert!(names(&dir).is_empty(), "temporaries removed on drop");
    let mut a = AtomicDir::create(&dir).unwrap();
    a.write("x.json", b"{}").unwrap();
    let _ = a.scratch("runs.csv").unwrap();
    a.commit().unwrap();
    assert_eq!(fs::read_to_string(dir.join("x.json")).unwrap(), "{}");
    assert_eq!(names(&dir), ["x.json"], "no temporaries after the commit");
}

#[test]
fn files_it_does_not_write_are_kept() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    fs::write(dir.join("notes.txt"), "mine").unwrap();
    fs::write(dir.join("x.json"), "old").unwrap();
    let mut a = AtomicDir::create(dir).unwrap();
    a.write("x.json", b"new").unwrap();
    a.commit().unwrap();
    assert_eq!(names(dir), ["notes.txt", "x.json"]);
    assert_eq!(fs::read_to_string(dir.join("notes.txt")).unwrap(), "mine");
    assert_eq!(fs::read_to_string(dir.join("x.json")).unwrap(), "new");
}

#[test]
fn a_failed_commit_leaves_the_old_folder_whole() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    for n in ["a", "b", "c"] {
        fs::write(dir.join(n), format!("old {n}")).unwrap();
    }
    let mut a = AtomicDir::create(dir).unwrap();
    for n in ["a", "b", "c", "d"] {
        a.write(n, format!("new {n}").as_bytes()).unwrap();
    }
    a.fail_after = Some(3);
    let e = a.commit().unwrap_err().to_string();
    assert!(e.contains(&dir.join("d").display().to_string()), "{e}");
    assert_eq!(
        names(dir),
        ["a", "b", "c"],
        "no temporaries, no half commit"
    );
    for n in ["a", "b", "c"] {
        assert_eq!(fs::read_to_string(dir.join(n)).unwrap(), format!("old {n}"));
    }
}

#[test]
fn a_folder_in_the_way_is_refused_by_name_before_anything_moves() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    fs::write(dir.join("a"), "old").unwrap();
    fs::create_dir(dir.join("b")).unwrap();
    let mut a = AtomicDir::create(dir).unwrap();
    a.write("a", b"new").unwrap();
    a.write("b", b"new").unwrap();
    let e = a.commit().unwrap_err().to_string();
    assert!(e.contains(&dir.join("b").display().to_string()), "{e}");
    assert_eq!(fs::read_to_string(dir.join("a")).unwrap(), "old");
    assert_eq!(names(dir), ["a", "b"]);
}

#[cfg(unix)]
#[test]
fn links_in_the_folder_are_replaced_not_followed() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("out");
    fs::create_dir(&dir).unwrap();
    let victim = root.path().join("victim");
    fs::write(&victim, "precious").unwrap();
    std::os::unix::fs::symlink(&victim, dir.join("x.json")).unwrap();
    let mut a = AtomicDir::create(&dir).unwrap();
    a.write("x.json", b"{}").unwrap();
    a.commit().unwrap();
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    assert!(
        !fs::symlink_metadata(dir.join("x.json"))
            .unwrap()
            .is_symlink()
    );

    let file = root.path().join("report.xml");
    std::os::unix::fs::symlink(&victim, &file).unwrap();
    AtomicFile::prepare(&file).unwrap().write(b"<x/>").unwrap();
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(fs::read_to_string(&file).unwrap(), "<x/>");
    assert_eq!(names(root.path()), ["out", "report.xml", "victim"]);
}

#[test]
fn names_that_leave_the_folder_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let mut a = AtomicDir::create(root.path()).unwrap();
    for bad in ["", ".", "..", "../x", "a/b", ".payfault-stage-x"] {
        assert!(a.file(bad).is_err(), "{bad:?}");
    }
    a.write("x", b"1").unwrap();
    assert!(a.file("x").is_err(), "twice");
}
