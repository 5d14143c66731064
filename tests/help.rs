//! What `--help` says, exactly: one snapshot per subcommand in tests/snapshots/help-*.txt
//! (`UPDATE_SNAPSHOTS=1 cargo test --test help` rewrites them), and the completion
//! scripts and man pages generated from the same definitions.

mod snapshot;

use std::process::{Command, Output};

/// Every subcommand and the top level, as `vpcwatch [SUB] --help` takes them.
const COMMANDS: &[&[&str]] = &[&[], &["check"], &["pattern"], &["completions"], &["man"]];

fn vpcwatch(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vpcwatch"))
        .args(args)
        // Help wraps to the terminal; a fixed width keeps the snapshots stable.
        .env("COLUMNS", "100")
        .env_remove("NO_COLOR")
        .output()
        .expect("run vpcwatch")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

#[test]
fn help_of_every_subcommand_matches_its_snapshot() {
    for command in COMMANDS {
        let args: Vec<&str> = command.iter().copied().chain(["--help"]).collect();
        let output = vpcwatch(&args);
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        let name = if command.is_empty() { "vpcwatch".into() } else { command.join("-") };
        snapshot::assert_snapshot(&format!("help-{name}.txt"), &stdout(&output));
    }
}

#[test]
fn completions_are_generated_for_every_shell() {
    for (shell, marker, completes_values) in [
        ("bash", "complete -F _vpcwatch", true),
        ("zsh", "#compdef vpcwatch", true),
        ("fish", "complete -c vpcwatch", true),
        ("powershell", "Register-ArgumentCompleter", false),
        ("elvish", "edit:completion:arg-completer[vpcwatch]", false),
    ] {
        let output = vpcwatch(&["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = stdout(&output);
        assert!(script.contains(marker), "{shell} script lacks {marker:?}");
        if completes_values {
            assert!(script.contains("sarif"), "{shell} script does not complete --format values");
        }
    }
    assert_eq!(vpcwatch(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn man_pages_come_from_the_same_flags() {
    let page = stdout(&vpcwatch(&["man"]));
    assert!(page.contains(".TH vpcwatch 1"), "{page}");
    assert!(page.contains("vpcwatch\\-check(1)"), "{page}");
    assert!(page.contains("could not audit"), "the exit statuses are in the page");

    let check = stdout(&vpcwatch(&["man", "check"]));
    assert!(check.contains(".TH vpcwatch-check 1"), "{check}");
    assert!(check.contains(env!("CARGO_PKG_VERSION")), "{check}");
    for flag in ["\\-\\-format", "\\-\\-output", "sarif", "junit", "markdown"] {
        assert!(check.contains(flag), "vpcwatch-check(1) lacks {flag}");
    }

    let unknown = vpcwatch(&["man", "frob"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(unknown.stdout.is_empty());
}
