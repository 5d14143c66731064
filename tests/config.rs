//! vpcwatch.toml against the emulator: the settings a team runs every day, read from the
//! working directory or `--config`, and the gaps it accepts. An exception in force turns
//! a failing account into a passing one; an expired one fails as before and an unused
//! one is reported; a bad file stops the run before any AWS call.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use support::{Emulator, DEFAULT_ACCOUNT};

/// A fresh directory holding `vpcwatch.toml` with `text`, to run vpcwatch in.
fn directory_with(text: &str) -> PathBuf {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("vpcwatch-config-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the working directory");
    std::fs::write(dir.join("vpcwatch.toml"), text).expect("write vpcwatch.toml");
    dir
}

/// The 30 default names as a TOML array.
fn every_default_name() -> String {
    let names = vpcwatch::events::EventSet::default_set();
    let quoted: Vec<String> = names.names().map(|n| format!("{n:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

/// A file asking for JSON, with one exception of every default name in the seeded
/// account and region, expiring on `expires`.
fn accepting_every_gap(expires: &str) -> String {
    format!(
        r#"format = "json"

[[exceptions]]
account = "{DEFAULT_ACCOUNT}"
region = "us-east-1"
names = {}
reason = "alarms are being rebuilt"
expires = "{expires}"
"#,
        every_default_name()
    )
}

/// Runs `vpcwatch check ARGS` in `dir` against `emulator`.
fn check_in(emulator: &Emulator, dir: &Path, args: &[&str]) -> Output {
    emulator.vpcwatch().current_dir(dir).arg("check").args(args).output().expect("run vpcwatch")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The JSON report on stdout.
fn report(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("stdout is not JSON ({e}):\n{}\nstderr:\n{}", lossy(output), stderr(output))
    })
}

fn lossy(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn names(report: &Value) -> &Vec<Value> {
    report["accounts"][0]["regions"][0]["names"].as_array().expect("names of the one region")
}

#[test]
fn a_failing_account_whose_gaps_are_all_excepted_passes() {
    let emulator = Emulator::start();
    emulator.seed("no_alarm");
    let dir = directory_with(&accepting_every_gap("2999-12-31"));

    let output = check_in(&emulator, &dir, &[]);
    let report = report(&output);
    assert_eq!(output.status.code(), Some(0), "{report:#}\n{}", stderr(&output));
    assert_eq!(report["verdict"], "pass", "the file's format = \"json\" applies");
    for name in names(&report) {
        assert_eq!(name["status"], "excepted", "{name}");
        assert_eq!(name["exception"]["reason"], "alarms are being rebuilt");
        assert_eq!(name["exception"]["expires"], "2999-12-31");
        let reason = name["reason"].as_str().unwrap();
        assert!(reason.contains("no alarm in us-east-1 watches metric"), "kept: {reason}");
    }
    let summary = &report["accounts"][0]["regions"][0]["summary"];
    assert_eq!(
        (summary["excepted"].as_u64(), summary["not_covered"].as_u64()),
        (Some(30), Some(0))
    );
    assert_eq!(report["exceptions"][0]["state"], "applied");
    assert_eq!(report["exceptions"][0]["matches"], 30);

    let text = check_in(&emulator, &dir, &["--format", "text"]);
    assert_eq!(text.status.code(), Some(0), "--format overrides the file");
    let text = lossy(&text);
    assert!(text.contains("  EXCEPT  CreateVpc "), "{text}");
    let flowing = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flowing.contains("excepted until 2999-12-31: alarms are being rebuilt"), "{text}");
    assert!(text.contains("\nExceptions\n  applied  CreateVpc, DeleteVpc,"), "{text}");
    assert!(text.ends_with("PASS: 0 of 30 names covered, 30 excepted\n"), "{text}");
}

#[test]
fn an_expired_exception_fails_as_before_and_is_reported() {
    let emulator = Emulator::start();
    emulator.seed("no_alarm");
    let dir = directory_with(&accepting_every_gap("2001-01-31"));

    let output = check_in(&emulator, &dir, &[]);
    let report = report(&output);
    assert_eq!(output.status.code(), Some(1), "{report:#}");
    assert_eq!(report["verdict"], "fail");
    assert!(names(&report)
        .iter()
        .all(|n| n["status"] == "not_covered" && n.get("exception").is_none()));
    assert_eq!(report["exceptions"][0]["state"], "expired");
    assert_eq!(report["exceptions"][0]["matches"], 30, "the gaps it would have accepted");
    let warning = stderr(&output);
    assert!(
        warning.contains("exception vpcwatch.toml:6 (CreateVpc, DeleteVpc,")
            && warning.contains("expired after 2001-01-31"),
        "{warning}"
    );
}

#[test]
fn an_unused_exception_is_reported_and_changes_nothing() {
    let emulator = Emulator::start();
    emulator.seed("sound");
    let dir = directory_with(
        r#"
[[exceptions]]
names = ["CreateVpc"]
reason = "left from the migration"
expires = 2999-12-31

[[exceptions]]
region = "eu-west-1"
names = ["DeleteVpc"]
reason = "a region this run does not audit"
expires = "2999-12-31"
"#,
    );
    let output = check_in(&emulator, &dir, &["--format", "json"]);
    let report = report(&output);
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    assert!(names(&report).iter().all(|n| n["status"] == "covered"));
    let states: Vec<&Value> =
        report["exceptions"].as_array().unwrap().iter().map(|e| &e["state"]).collect();
    assert_eq!(states, ["unused", "unused"]);
    assert_eq!(report["exceptions"][1]["region"], "eu-west-1");
    assert!(stderr(&output).contains("exception vpcwatch.toml:3 (CreateVpc) accepts no gap"));

    let markdown = lossy(&check_in(&emulator, &dir, &["--format", "markdown"]));
    assert!(markdown.contains("### Exceptions\n\n- **unused**: CreateVpc"), "{markdown}");
}

#[test]
fn only_an_exceptions_own_account_and_region_are_excepted() {
    let emulator = Emulator::start();
    emulator.seed("no_alarm");
    let dir = directory_with(&format!(
        r#"
[[exceptions]]
account = "{DEFAULT_ACCOUNT}"
region = "us-east-1"
names = ["CreateVpcPeeringConnection", "AcceptVpcPeeringConnection"]
reason = "sandbox account: peering is blocked by SCP"
expires = "2999-12-31"

[[exceptions]]
account = "210987654321"
names = ["CreateVpc"]
reason = "another account"
expires = "2999-12-31"
"#
    ));
    let output = check_in(&emulator, &dir, &["--format", "json"]);
    let report = report(&output);
    assert_eq!(output.status.code(), Some(1), "28 gaps remain: {report:#}");
    let excepted: Vec<&str> = names(&report)
        .iter()
        .filter(|n| n["status"] == "excepted")
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(excepted, ["CreateVpcPeeringConnection", "AcceptVpcPeeringConnection"]);
    assert_eq!(report["accounts"][0]["regions"][0]["summary"]["not_covered"], 28);
    let states: Vec<&Value> =
        report["exceptions"].as_array().unwrap().iter().map(|e| &e["state"]).collect();
    assert_eq!(states, ["applied", "unused"]);
}

#[test]
fn config_names_a_file_elsewhere_and_no_config_ignores_the_working_directorys() {
    let emulator = Emulator::start();
    emulator.seed("no_alarm");
    let elsewhere = directory_with(&accepting_every_gap("2999-12-31"));
    let team_file = elsewhere.join("team.toml");
    std::fs::rename(elsewhere.join("vpcwatch.toml"), &team_file).unwrap();
    let here = directory_with("format = \"markdown\"\n");

    let output = check_in(&emulator, &here, &["--config", team_file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(report(&output)["exceptions"][0]["state"], "applied", "not ./vpcwatch.toml");

    let output = check_in(&emulator, &elsewhere, &["--config", "team.toml", "--no-config"]);
    assert_eq!(output.status.code(), Some(2), "the two flags exclude each other");

    std::fs::copy(&team_file, elsewhere.join("vpcwatch.toml")).unwrap();
    let output = check_in(&emulator, &elsewhere, &["--no-config"]);
    assert_eq!(output.status.code(), Some(1), "no exception without the file");
    assert!(lossy(&output).ends_with("FAIL: 0 of 30 names covered, 30 not covered\n"));

    let missing = check_in(&emulator, &here, &["--config", "missing.toml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(stderr(&missing), "vpcwatch: --config \"missing.toml\": no such file\n");
    assert!(missing.stdout.is_empty());
}

/// A bad file: exit status 2, one line naming the file and line, nothing on stdout,
/// no report file, and no AWS call.
fn assert_refused(emulator: &Emulator, text: &str, expected: &str) {
    let dir = directory_with(text);
    let output = check_in(emulator, &dir, &["-v", "--output", "report.json"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{text}\n{err}");
    assert!(output.stdout.is_empty(), "{text}");
    assert!(!err.contains("aws call"), "no AWS call before the file is checked:\n{err}");
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("vpcwatch: ")).collect();
    assert_eq!(lines, [expected], "{text}\n{err}");
    assert!(!dir.join("report.json").exists(), "nothing written");
}

#[test]
fn a_bad_file_stops_the_run_with_one_line_before_any_aws_call() {
    let emulator = Emulator::start();
    emulator.seed("no_alarm");
    let exception = |fields: &str| format!("format = \"json\"\n\n[[exceptions]]\n{fields}");
    assert_refused(
        &emulator,
        "regions = [\"eu-west-1\"]\nfromat = \"json\"\n",
        "vpcwatch: vpcwatch.toml:2: unknown field `fromat`, expected one of `events`, \
         `regions`, `all_regions`, `accounts`, `org`, `role_name`, `external_id`, `format`, \
         `concurrency`, `exceptions`",
    );
    assert_refused(
        &emulator,
        &exception("names = [\"CreateVpc\"]\nreason = \"r\"\nexpires = \"2027-02-30\"\n"),
        "vpcwatch: vpcwatch.toml:6: invalid expires \"2027-02-30\": expected a date \
         YYYY-MM-DD such as 2027-03-31",
    );
    assert_refused(
        &emulator,
        &exception("names = [\"CreateVpc\", \"ModifyVpcAttribute\"]\nreason = \"r\"\nexpires = \"2999-01-01\"\n"),
        "vpcwatch: vpcwatch.toml:4: exception names ModifyVpcAttribute, which the event set \
         default does not watch",
    );
    assert_refused(
        &emulator,
        &exception("names = [\"CreateVpc\"]\nexpires = \"2999-01-01\"\n"),
        "vpcwatch: vpcwatch.toml:3: missing field `reason`",
    );
    assert_refused(
        &emulator,
        "org = true\naccounts = [\"111111111111\"]\n",
        "vpcwatch: vpcwatch.toml:1: org = true and accounts exclude each other; keep one",
    );
}

/// validate.py KIND PATH; its JSON answer.
fn validate(kind: &str, path: &Path) -> Value {
    support::report::validate(kind, &[path])
}

#[test]
fn every_format_of_a_run_with_exceptions_validates() {
    let emulator = Emulator::start();
    emulator.seed("no_alarm");
    let mut text = accepting_every_gap("2999-12-31").replace("format = \"json\"\n", "");
    text.push_str(
        "\n[[exceptions]]\nnames = [\"DeleteVpc\"]\nreason = \"old\"\nexpires = \"2001-01-01\"\n",
    );
    let dir = directory_with(&text);
    let run = |format: &str, file: &str| {
        let output = check_in(&emulator, &dir, &["--format", format, "--output", file]);
        assert_eq!(output.status.code(), Some(0), "{format}: {}", stderr(&output));
        dir.join(file)
    };

    let json = run("json", "report.json");
    validate("json", &json);
    validate("jsonl", &run("jsonl", "report.jsonl"));
    let sarif_path = run("sarif", "report.sarif");
    validate("sarif", &sarif_path);
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif_path).unwrap()).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 30);
    assert!(results.iter().all(|r| r["suppressions"][0]["kind"] == "external"));
    let notifications = &sarif["runs"][0]["invocations"][0]["toolConfigurationNotifications"];
    assert_eq!(notifications[1]["level"], "warning", "the expired exception");

    let junit = validate("junit", &run("junit", "report.xml"));
    let suite = &junit["suites"][0];
    assert_eq!((suite["failures"].as_u64(), suite["skipped"].as_u64()), (Some(0), Some(30)));
    assert_eq!(suite["cases"][0]["results"], serde_json::json!(["skipped"]));
    let exceptions = &junit["suites"][1];
    assert_eq!(exceptions["name"], "exceptions");
    assert_eq!(exceptions["skipped"].as_u64(), Some(1), "the expired one");
}
