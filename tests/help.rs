//! What `--help` says, exactly: one snapshot per subcommand in tests/snapshots/help-*.txt
//! (`UPDATE_SNAPSHOTS=1 cargo test --test help` rewrites them), and the completion
//! scripts and man pages generated from the same definitions, and the CI recipes of
//! docs/ci/, whose every `vpcwatch` command must use only flags that `--help` documents.

mod snapshot;
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// Every subcommand and the top level, as `vpcwatch [SUB] --help` takes them.
const COMMANDS: &[&[&str]] = &[&[], &["check"], &["pattern"], &["fix"], &["completions"], &["man"]];

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

const CI_RECIPES: [&str; 3] = [
    "docs/ci/github-actions.yml",
    "docs/ci/github-actions-organization.yml",
    "docs/ci/gitlab-ci.yml",
];

/// validate.py KIND FILES...; its JSON answer.
fn validate(kind: &str, files: &[PathBuf]) -> Value {
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    support::report::validate(kind, &paths)
}

fn recipe(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn ci_recipes_run_vpcwatch_only_with_documented_flags() {
    let files: Vec<PathBuf> = CI_RECIPES.iter().map(|p| recipe(p)).collect();
    let found = validate("commands", &files);
    let commands = found["commands"].as_array().expect("commands");
    assert_eq!(commands.len(), 3, "one vpcwatch check per recipe: {commands:?}");
    for command in commands {
        let words: Vec<&str> =
            command.as_array().unwrap().iter().filter_map(Value::as_str).collect();
        let subcommand = words[1];
        let help = stdout(&vpcwatch(&[subcommand, "--help"]));
        for (i, word) in words.iter().enumerate().filter(|(_, w)| w.starts_with('-')) {
            let flag = word.split('=').next().unwrap();
            let documented =
                help.contains(&format!("{flag} ")) || help.contains(&format!("{flag}\n"));
            assert!(documented, "{flag} of {words:?} is not in the help");
            if flag == "--format" {
                let value = words.get(i + 1).copied().unwrap_or_default();
                assert!(help.contains(&format!("- {value}:")), "--format {value} is undocumented");
            }
        }
    }
}

#[test]
fn the_organization_workflow_splits_the_accounts_into_shards_and_joins_them() {
    let workflow = validate("yaml", &[recipe(CI_RECIPES[1])]);
    let audit = &workflow["jobs"]["audit"];
    let shards = audit["strategy"]["matrix"]["shard"].as_array().expect("shard matrix");
    let count = shards.len();
    assert_eq!(shards, &(1..=count).map(Value::from).collect::<Vec<_>>());
    let steps = audit["steps"].as_array().expect("steps");
    let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    let check = runs.iter().find(|r| r.contains("vpcwatch check")).expect("a check step");
    for part in ["--org", &format!("--shard ${{{{ matrix.shard }}}}/{count}"), "--format jsonl"] {
        assert!(check.contains(part), "{part} in {check}");
    }
    let verdict = &workflow["jobs"]["verdict"];
    assert_eq!(verdict["needs"], "audit");
    assert_eq!(verdict["if"], "always()");
}

#[test]
fn the_github_workflow_uploads_sarif_even_when_the_check_fails() {
    let workflow = validate("yaml", &[recipe(CI_RECIPES[0])]);
    assert_eq!(workflow["permissions"]["id-token"], "write");
    assert_eq!(workflow["permissions"]["security-events"], "write");
    let steps = workflow["jobs"]["audit"]["steps"].as_array().expect("steps");
    let uses = |prefix: &str| {
        steps.iter().find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with(prefix)))
    };
    let credentials = uses("aws-actions/configure-aws-credentials@").expect("OIDC step");
    assert!(credentials["with"]["role-to-assume"].is_string());
    let upload = uses("github/codeql-action/upload-sarif@").expect("upload step");
    assert!(upload["if"].as_str().unwrap().contains("always()"));
    assert_eq!(upload["with"]["sarif_file"], "vpcwatch.sarif");
    let check = steps.iter().find(|s| s["id"] == "check").expect("check step");
    assert_eq!(check["continue-on-error"], true);
    let last = steps.last().unwrap();
    assert_eq!(last["if"], "steps.check.outcome != 'success'");
}

#[test]
fn the_gitlab_job_keeps_its_junit_report() {
    let pipeline = validate("yaml", &[recipe(CI_RECIPES[2])]);
    let artifacts = &pipeline["vpcwatch"]["artifacts"];
    assert_eq!(artifacts["when"], "always");
    assert_eq!(artifacts["reports"]["junit"], "vpcwatch-junit.xml");
    let script = pipeline["vpcwatch"]["script"].to_string();
    assert!(script.contains("--output vpcwatch-junit.xml"), "{script}");
}
