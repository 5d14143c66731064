//! The command line itself: usage errors, help and version, without AWS.

use assert_cmd::Command;

fn vpcwatch() -> Command {
    Command::cargo_bin("vpcwatch").expect("the vpcwatch binary is built")
}

#[test]
fn usage_errors_are_one_line_with_exit_status_2() {
    for args in [
        vec!["check", "--format", "xml"],
        vec!["pattern"],
        vec!["frob"],
        vec!["check", "--region", "mars-1"],
        vec!["check", "--endpoint-url", "localhost:4566"],
        vec!["pattern", "-", "--messages", "-"],
        vec!["check", "--max-attempts", "0"],
        vec!["check", "--max-attempts", "11"],
        vec!["fix", "--email", "a@example.com", "--timeout", "0"],
        vec!["check", "--timeout", "601"],
    ] {
        let output = vpcwatch().args(&args).output().expect("run vpcwatch");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("vpcwatch: "), "{args:?}: {stderr}");
    }
}

#[test]
fn a_missing_argument_names_it() {
    let output = vpcwatch().arg("pattern").output().expect("run vpcwatch");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("<PATTERN>"), "{stderr}");
}

#[test]
fn help_documents_every_exit_status() {
    for args in [vec!["--help"], vec!["check", "--help"], vec!["pattern", "--help"]] {
        let output = vpcwatch().args(&args).output().expect("run vpcwatch");
        assert_eq!(output.status.code(), Some(0));
        let help = String::from_utf8_lossy(&output.stdout);
        for code in ["  0  pass", "  1  fail", "  2  could not audit"] {
            assert!(help.contains(code), "{args:?} lacks {code:?}");
        }
    }
}

#[test]
fn version_prints_the_crate_version() {
    let output = vpcwatch().arg("--version").output().expect("run vpcwatch");
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.trim(), format!("vpcwatch {}", env!("CARGO_PKG_VERSION")));
}
