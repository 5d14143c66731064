//! Snapshot files: what users see, stored exactly in tests/snapshots/, compared as text.
//! `UPDATE_SNAPSHOTS=1 cargo test` rewrites them; review the diff before committing.

#![allow(dead_code)] // each test binary uses its own part

use std::path::PathBuf;

/// `account`, which varies between runs, replaced before comparing; a test whose output
/// holds other varying values (a version, a time) replaces those itself.
pub fn redact(text: &str, account: &str) -> String {
    text.replace(account, "<ACCOUNT>")
}

/// Compares `actual` with tests/snapshots/`name`, or writes it with UPDATE_SNAPSHOTS=1.
pub fn assert_snapshot(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots").join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("read {}: {e}; run with UPDATE_SNAPSHOTS=1 to create it", path.display())
    });
    if expected != actual {
        panic!(
            "{name} differs from its snapshot (UPDATE_SNAPSHOTS=1 rewrites it)\n{}",
            diff(&expected, actual)
        );
    }
}

/// The first differing lines, enough to see what changed.
fn diff(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let mut out = String::new();
    for i in 0..e.len().max(a.len()) {
        let (le, la) = (e.get(i).copied(), a.get(i).copied());
        if le != la {
            out.push_str(&format!(
                "line {}:\n- {}\n+ {}\n",
                i + 1,
                le.unwrap_or("<end>"),
                la.unwrap_or("<end>")
            ));
            if out.lines().count() > 30 {
                break;
            }
        }
    }
    out
}
