//! Every report format of `check` for a passing, a failing and an erroring account, and
//! for the CIS controls: validated by the tools that consume them (the SARIF 2.1.0 JSON
//! schema, the report's own JSON schema, junitparser), counted, and each snapshotted whole
//! in tests/snapshots/check-CASE.EXT with the account, the version and any time redacted
//! (`UPDATE_SNAPSHOTS=1` rewrites them). The CI recipes of docs/ci/ run commands that the
//! README documents and vpcwatch's own argument parser accepts.

mod snapshot;
mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::Parser;
use serde_json::{json, Value};
use support::Emulator;
use vpcwatch::chain::{AccountFindings, Audit, Findings, Links, NameFinding, Status, Verdict};
use vpcwatch::cli::Cli;
use vpcwatch::config::{ReportFormat, Task};
use vpcwatch::events::EventSet;
use vpcwatch::inventory::{ErrorKind, ReadError};
use vpcwatch::term::Style;
/// Every format: its `--format` name, the extension of its snapshot, the writer's enum.
const FORMATS: [(&str, &str, ReportFormat); 6] = [
    ("text", "txt", ReportFormat::Text),
    ("json", "json", ReportFormat::Json),
    ("jsonl", "jsonl", ReportFormat::Jsonl),
    ("sarif", "sarif", ReportFormat::Sarif),
    ("junit", "xml", ReportFormat::Junit),
    ("markdown", "md", ReportFormat::Markdown),
];

/// A fresh directory for one test's report files.
fn scratch() -> PathBuf {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("vpcwatch-formats-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch directory");
    dir
}

/// Runs `vpcwatch check ARGS --format FORMAT --output DIR/report.EXT`; the exit status
/// and the file's path. Nothing may reach stdout.
fn check_to_file(emulator: &Emulator, args: &[&str], format: &str, dir: &Path) -> (i32, PathBuf) {
    let path = dir.join(format!("report.{}", extension(format)));
    let output = emulator
        .vpcwatch()
        .arg("check")
        .args(args)
        .args(["--format", format, "--output"])
        .arg(&path)
        .output()
        .expect("run vpcwatch");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.stdout.is_empty(), "{format}: stdout not empty; stderr:\n{stderr}");
    assert!(path.is_file(), "{format}: no report file; stderr:\n{stderr}");
    (output.status.code().expect("exit status"), path)
}

fn extension(format: &str) -> &'static str {
    FORMATS.iter().find(|(f, _, _)| *f == format).expect("known format").1
}

/// validate.py KIND PATH; its JSON answer.
fn validate(kind: &str, path: &Path) -> Value {
    support::report::validate(kind, &[path])
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&read(path)).expect("report is JSON")
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The report of each format, by format.
struct Reports {
    paths: Vec<(&'static str, PathBuf)>,
}

impl Reports {
    /// Every report of one seeded scenario with `args`, each exiting with `expected_code`.
    fn of(scenario: &str, args: &[&str], expected_code: i32) -> Reports {
        let emulator = Emulator::start();
        emulator.seed(scenario);
        let dir = scratch();
        let mut paths = Vec::new();
        for (format, _, _) in FORMATS {
            let (code, path) = check_to_file(&emulator, args, format, &dir);
            assert_eq!(code, expected_code, "{scenario} {format}:\n{}", read(&path));
            paths.push((format, path));
        }
        Reports { paths }.validated()
    }

    /// Every report of `audit`, written by the report writers themselves.
    fn written(audit: &Audit, events: &EventSet) -> Reports {
        let dir = scratch();
        let mut paths = Vec::new();
        for (format, ext, writer) in FORMATS {
            let mut out = Vec::new();
            vpcwatch::report::write(&mut out, audit, events, writer, Style::plain()).unwrap();
            let path = dir.join(format!("report.{ext}"));
            std::fs::write(&path, out).unwrap();
            paths.push((format, path));
        }
        Reports { paths }.validated()
    }

    /// Checks each report with the validator of its consumer, and that the JSON lines are
    /// the accounts of the whole report, one a line.
    fn validated(self) -> Reports {
        for kind in ["json", "jsonl", "sarif", "junit"] {
            validate(kind, self.path(kind));
        }
        let whole = self.json("json");
        let lines: Vec<Value> = self
            .text("jsonl")
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON line"))
            .collect();
        assert_eq!(Value::Array(lines), whole["accounts"], "the lines are the accounts");
        self
    }

    fn path(&self, format: &str) -> &Path {
        &self.paths.iter().find(|(f, _)| *f == format).expect("format").1
    }

    fn text(&self, format: &str) -> String {
        read(self.path(format))
    }

    fn json(&self, format: &str) -> Value {
        json(self.path(format))
    }

    /// What junitparser read from the JUnit report.
    fn junit(&self) -> Value {
        validate("junit", self.path("junit"))
    }

    /// Compares every report with tests/snapshots/check-`case`.EXT, redacted.
    fn assert_snapshots(&self, case: &str, account: &str) {
        for (format, path) in &self.paths {
            let name = format!("check-{case}.{}", extension(format));
            snapshot::assert_snapshot(&name, &redact(&read(path), account));
        }
    }
}

/// A report with what varies between runs and releases replaced: the account ID, the
/// version of vpcwatch and any RFC 3339 time.
fn redact(text: &str, account: &str) -> String {
    let time = regex::Regex::new(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
        .expect("a regex");
    let text = snapshot::redact(text, account).replace(env!("CARGO_PKG_VERSION"), "<VERSION>");
    time.replace_all(&text, "<TIME>").into_owned()
}

#[test]
fn redaction_hides_the_account_the_version_and_times_but_not_dates() {
    let text = format!(
        "arn:aws:sns:us-east-1:123456789012:t {} 2026-12-04T07:16:28.123Z expires 2027-03-31",
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(
        redact(&text, "123456789012"),
        "arn:aws:sns:us-east-1:<ACCOUNT>:t <VERSION> <TIME> expires 2027-03-31"
    );
}

/// The suite of one account and region as junitparser read it, its counts held to its
/// cases: `tests` cases, `failures` of them failed, `errors` errored.
fn suite(junit: &Value, tests: u64, failures: u64, errors: u64) -> &Value {
    let suite = &junit["suites"][0];
    let cases = suite["cases"].as_array().expect("cases");
    let with = |kind: &str| cases.iter().filter(|c| c["results"] == json!([kind])).count() as u64;
    let counts = (suite["tests"].as_u64(), suite["failures"].as_u64(), suite["errors"].as_u64());
    assert_eq!(counts, (Some(tests), Some(failures), Some(errors)), "{suite}");
    assert_eq!((cases.len() as u64, with("failure"), with("error")), (tests, failures, errors));
    let totals = (junit["tests"].as_u64(), junit["failures"].as_u64(), junit["errors"].as_u64());
    assert_eq!(totals, (Some(tests), Some(failures), Some(errors)), "one suite, the run's");
    suite
}

/// The class names of a suite's cases, each once, in order.
fn classes(suite: &Value) -> Vec<String> {
    let mut classes: Vec<String> = Vec::new();
    for case in suite["cases"].as_array().unwrap() {
        let class = case["classname"].as_str().unwrap().to_string();
        if !classes.contains(&class) {
            classes.push(class);
        }
    }
    classes
}

/// The verdict and counts of each group of a region of the JSON report, by id.
fn group_verdicts(region: &Value) -> Vec<(String, String, u64)> {
    let groups = region["groups"].as_array().expect("groups");
    groups
        .iter()
        .map(|g| {
            let id = g["id"].as_str().unwrap().to_string();
            let verdict = g["verdict"].as_str().unwrap().to_string();
            (id, verdict, g["summary"]["covered"].as_u64().unwrap())
        })
        .collect()
}

const DEFAULT_GROUPS: [&str; 8] = [
    "vpc",
    "subnet",
    "security-group",
    "network-acl",
    "route-table",
    "internet-gateway",
    "vpc-peering",
    "nat-gateway",
];

#[test]
fn a_sound_account_passes_in_every_format() {
    let reports = Reports::of("sound", &[], 0);
    let account = support::DEFAULT_ACCOUNT;

    let report = reports.json("json");
    assert_eq!(report["verdict"], "pass");
    let region = &report["accounts"][0]["regions"][0];
    assert!(group_verdicts(region).iter().all(|(_, verdict, _)| verdict == "pass"));
    let sarif = reports.json("sarif");
    let run = &sarif["runs"][0];
    assert_eq!(run["results"].as_array().unwrap().len(), 0);
    assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 8);
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);

    let junit = reports.junit();
    let suite = suite(&junit, 30, 0, 0);
    assert_eq!(suite["name"], format!("{account}/us-east-1"));
    assert_eq!(classes(suite), DEFAULT_GROUPS);
    assert!(suite["cases"].as_array().unwrap().iter().all(|c| c["results"] == json!([])));
    assert_eq!(suite["properties"]["verdict"], "pass");
    assert_eq!(suite["properties"]["group:security-group"], "pass: 6 of 6 covered");

    assert!(reports.text("markdown").starts_with("## vpcwatch check: PASS\n"));
    assert!(reports.text("text").ends_with("PASS: all 30 names covered\n"));
    reports.assert_snapshots("sound", account);
}

#[test]
fn a_failing_account_fails_in_every_format() {
    let reports = Reports::of("no_alarm", &[], 1);
    let account = support::DEFAULT_ACCOUNT;
    let reason = "filter VpcChanges covers it, but no alarm in us-east-1 watches metric \
                  CISBenchmark/VpcEventCount";

    let sarif = reports.json("sarif");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 30);
    assert!(results.iter().all(|r| r["level"] == "error"));
    assert_eq!(results[0]["ruleId"], "vpcwatch/vpc");
    assert_eq!(results[0]["message"]["text"], format!("CreateVpc is not covered: {reason}"));
    let uri = &results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(uri, &format!("aws/{account}/us-east-1/vpc-change-alerts"));

    let junit = reports.junit();
    let suite = suite(&junit, 30, 30, 0);
    assert_eq!(classes(suite), DEFAULT_GROUPS);
    let first = &suite["cases"][0];
    assert_eq!((&first["name"], &first["classname"]), (&json!("CreateVpc"), &json!("vpc")));
    assert_eq!((&first["results"], &first["messages"]), (&json!(["failure"]), &json!([reason])));
    assert_eq!(suite["properties"]["verdict"], "fail");
    assert_eq!(suite["properties"]["group:route-table"], "fail: 0 of 5 covered, 5 not covered");

    let region = &reports.json("json")["accounts"][0]["regions"][0];
    assert!(group_verdicts(region)
        .iter()
        .all(|(_, verdict, covered)| verdict == "fail" && *covered == 0));
    reports.assert_snapshots("no_alarm", account);
}

/// An account where the alarms could not be read: two names undecided, one read error.
/// Built directly, as the emulator cannot deny one call and allow the rest.
fn erroring() -> (Findings, EventSet) {
    let events = EventSet::default_set();
    let error = ReadError {
        operation: "cloudwatch:DescribeAlarms".into(),
        resource: "alarms".into(),
        region: "us-east-1".into(),
        kind: ErrorKind::AccessDenied,
        detail: "not authorized".into(),
    };
    let names = events
        .groups
        .iter()
        .flat_map(|g| g.names.iter().map(move |n| (g, n)))
        .map(|(group, name)| {
            let undecided = name == "CreateRoute" || name == "DeleteRoute";
            NameFinding {
                name: name.clone(),
                group: group.title.clone(),
                status: if undecided { Status::Uncertain } else { Status::Covered },
                reason: if undecided {
                    error.to_string()
                } else {
                    "filter VpcChanges > alarm VpcChangesAlarm > topic vpc-alerts".into()
                },
                chain: Links { filter: Some("VpcChanges".into()), ..Links::default() },
                exception: None,
            }
        })
        .collect();
    let findings = Findings {
        verdict: Verdict::Error,
        account_id: "210987654321".into(),
        region: "us-east-1".into(),
        events: events.name.clone(),
        trails: vec![],
        names,
        errors: vec![error],
    };
    (findings, events)
}

#[test]
fn an_erroring_account_is_an_error_in_every_format() {
    let (findings, events) = erroring();
    let account = AccountFindings::judged(findings.account_id.clone(), vec![findings]);
    let reports = Reports::written(&Audit::new(events.name.clone(), vec![account]), &events);
    let denied = "cloudwatch:DescribeAlarms for alarms in us-east-1: access denied \
                  (allow cloudwatch:DescribeAlarms)";

    let report = reports.json("json");
    assert_eq!(report["verdict"], "error");
    let region = &report["accounts"][0]["regions"][0];
    assert_eq!(region["errors"][0]["kind"], "access_denied");
    let route_table = ("route-table".to_string(), "error".to_string(), 3);
    let open: Vec<_> = group_verdicts(region).into_iter().filter(|g| g.1 != "pass").collect();
    assert_eq!(open, [route_table]);

    let run = &reports.json("sarif")["runs"][0];
    let levels: Vec<&Value> =
        run["results"].as_array().unwrap().iter().map(|r| &r["level"]).collect();
    assert_eq!(levels, ["warning", "warning"]);
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);

    let junit = reports.junit();
    let suite = suite(&junit, 30, 0, 2);
    let errored: Vec<(&Value, &Value, &Value)> = suite["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["results"] == json!(["error"]))
        .map(|c| (&c["name"], &c["classname"], &c["messages"][0]))
        .collect();
    let expected = |name: &str| (json!(name), json!("route-table"), json!(denied));
    let expected = [expected("CreateRoute"), expected("DeleteRoute")];
    let expected: Vec<(&Value, &Value, &Value)> =
        expected.iter().map(|(n, c, m)| (n, c, m)).collect();
    assert_eq!(errored, expected);
    assert_eq!(suite["properties"]["group:route-table"], "error: 3 of 5 covered, 2 undecided");
    reports.assert_snapshots("erroring", "210987654321");
}

#[test]
fn an_account_not_audited_is_an_error_beside_the_audited_ones_in_every_format() {
    let (findings, events) = erroring();
    let audited = AccountFindings::judged(findings.account_id.clone(), vec![findings]);
    let denied = "assume role OrganizationAccountAccessRole in account 111122223333: access \
                  denied";
    let failed = AccountFindings::failed("111122223333".into(), denied.into());
    let reports =
        Reports::written(&Audit::new(events.name.clone(), vec![audited, failed]), &events);

    let report = reports.json("json");
    assert_eq!((&report["verdict"], &report["summary"]["error"]), (&json!("error"), &json!(2)));
    assert_eq!(report["accounts"][0]["account_id"], "111122223333", "sorted by ID");
    assert_eq!(report["accounts"][0]["regions"], json!([]));

    let junit = reports.junit();
    let suites = junit["suites"].as_array().unwrap();
    assert_eq!(suites.len(), 2);
    assert_eq!(
        (&suites[0]["name"], suites[0]["errors"].as_u64()),
        (&json!("111122223333"), Some(1))
    );
    assert_eq!(suites[0]["cases"][0]["messages"], json!([denied]));
    assert_eq!((junit["tests"].as_u64(), junit["errors"].as_u64()), (Some(31), Some(3)));

    let sarif = reports.json("sarif");
    let runs = sarif["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["invocations"][0]["executionSuccessful"], false);
    assert_eq!(
        runs[0]["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"],
        denied
    );
    assert!(reports.text("text").contains("\n111122223333: not audited\n"));
}

#[test]
fn with_the_cis_controls_every_format_gives_each_control_its_verdict() {
    let reports = Reports::of("cis_414_only", &["--events", "cis"], 1);
    let controls = ["4.10", "4.11", "4.12", "4.13", "4.14"];

    let region = &reports.json("json")["accounts"][0]["regions"][0];
    let expected: Vec<(String, String, u64)> = [("fail", 0), ("fail", 0), ("fail", 0)]
        .into_iter()
        .chain([("fail", 0), ("pass", 11)])
        .zip(controls)
        .map(|((verdict, covered), id)| (id.to_string(), verdict.to_string(), covered))
        .collect();
    assert_eq!(group_verdicts(region), expected);
    let cis: Vec<&Value> =
        region["groups"].as_array().unwrap().iter().map(|g| &g["cis_control"]).collect();
    assert_eq!(cis, controls);

    let junit = reports.junit();
    let suite = suite(&junit, 37, 26, 0);
    assert_eq!(classes(suite), controls);
    assert_eq!(suite["properties"]["group:4.14"], "pass: 11 of 11 covered");
    assert_eq!(suite["properties"]["group:4.10"], "fail: 0 of 7 covered, 7 not covered");

    let sarif = reports.json("sarif");
    let run = &sarif["runs"][0];
    let rules: Vec<&Value> =
        run["tool"]["driver"]["rules"].as_array().unwrap().iter().map(|r| &r["id"]).collect();
    assert_eq!(rules, controls.map(|c| json!(format!("vpcwatch/cis-{c}"))).each_ref());
    let groups = run["properties"]["groups"].as_array().unwrap();
    let verdicts: Vec<&Value> = groups.iter().map(|g| &g["verdict"]).collect();
    assert_eq!(verdicts, ["fail", "fail", "fail", "fail", "pass"]);

    let markdown = reports.text("markdown");
    assert!(markdown.contains("| 4.14 VPC changes | pass | 11 of 11 covered |\n"), "{markdown}");
    let text = reports.text("text");
    assert!(
        text.contains("\n  pass    4.14 VPC changes              11 of 11 covered\n"),
        "{text}"
    );
    reports.assert_snapshots("cis_414_only-cis", support::DEFAULT_ACCOUNT);
}

#[test]
fn a_name_in_two_groups_is_judged_once_and_weighs_on_each() {
    let emulator = Emulator::start();
    emulator.seed("cis_414_only");
    let dir = scratch();
    let args = ["--events", "default,cis"];
    let (code, path) = check_to_file(&emulator, &args, "json", &dir);
    assert_eq!(code, 1);
    validate("json", &path);
    let region = &json(&path)["accounts"][0]["regions"][0];
    assert_eq!(region["summary"]["total"], 41, "each name once in the region");

    // Every name keeps one status whichever group it stands in.
    let mut statuses: HashMap<&str, Vec<&Value>> = HashMap::new();
    for name in region["names"].as_array().unwrap() {
        statuses.entry(name["name"].as_str().unwrap()).or_default().push(&name["status"]);
    }
    let shared: Vec<_> = statuses.iter().filter(|(_, s)| s.len() == 2).collect();
    assert_eq!(shared.len(), 26, "the names of both sets");
    assert!(shared.iter().all(|(_, s)| s[0] == s[1]), "{shared:?}");

    // CreateVpc, covered, passes both of its groups; CreateSecurityGroup, not, fails both.
    let verdicts: HashMap<String, String> =
        group_verdicts(region).into_iter().map(|(id, verdict, _)| (id, verdict)).collect();
    for (group, verdict) in
        [("vpc", "pass"), ("4.14", "pass"), ("security-group", "fail"), ("4.10", "fail")]
    {
        assert_eq!(verdicts[group], verdict, "{group}");
    }
    let totals: u64 = region["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["summary"]["total"].as_u64().unwrap())
        .sum();
    assert_eq!(totals, 67, "a shared name counts in each of its groups");

    let (_, path) = check_to_file(&emulator, &args, "sarif", &dir);
    validate("sarif", &path);
    let sarif = json(&path);
    let rules: Vec<&Value> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["properties"]["eventName"] == "CreateSecurityGroup")
        .map(|r| &r["ruleId"])
        .collect();
    assert_eq!(rules, ["vpcwatch/security-group", "vpcwatch/cis-4.10"]);
}

#[test]
fn sarif_fingerprints_are_stable_across_runs() {
    let emulator = Emulator::start();
    emulator.seed("no_alarm");
    let (dir1, dir2) = (scratch(), scratch());
    let fingerprints = |dir: &Path| -> Vec<Value> {
        let (_, path) = check_to_file(&emulator, &[], "sarif", dir);
        let sarif = json(&path);
        let results = sarif["runs"][0]["results"].as_array().unwrap().clone();
        results.into_iter().map(|r| r["partialFingerprints"].clone()).collect()
    };
    let (first, second) = (fingerprints(&dir1), fingerprints(&dir2));
    assert_eq!(first, second);
    let mut unique = first.iter().map(Value::to_string).collect::<Vec<_>>();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 30, "one fingerprint per name");
}

#[test]
fn output_replaces_the_file_whole_and_usage_errors_write_nothing() {
    let dir = scratch();
    let path = dir.join("report.sarif");
    std::fs::write(&path, "old report").unwrap();

    // A usage error: no AWS call, the old file untouched, nothing else created.
    let output = Command::new(env!("CARGO_BIN_EXE_vpcwatch"))
        .args(["check", "--region", "mars-1", "--format", "sarif", "--output"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(read(&path), "old report");
    for bad in [dir.join("missing/report.sarif"), dir.clone()] {
        let output = Command::new(env!("CARGO_BIN_EXE_vpcwatch"))
            .args(["check", "--output"])
            .arg(&bad)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{}", bad.display());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with("vpcwatch: --output"), "{stderr}");
    }

    let emulator = Emulator::start();
    emulator.seed("sound");
    let (code, written) = check_to_file(&emulator, &[], "sarif", &dir);
    assert_eq!((code, &written), (0, &path));
    assert_eq!(json(&path)["version"], "2.1.0");
    let entries: Vec<_> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(entries, ["report.sarif"], "no temporary file left behind");
}

/// The CI recipes of docs/ci/ whose commands the README's section "In CI" describes: the
/// format and file each writes.
const CI_RECIPES: [(&str, ReportFormat, &str); 2] = [
    ("docs/ci/github-actions.yml", ReportFormat::Sarif, "vpcwatch.sarif"),
    ("docs/ci/gitlab-ci.yml", ReportFormat::Junit, "vpcwatch-junit.xml"),
];

/// The `env:` and `variables:` of a workflow or pipeline, wherever they are set.
fn recipe_variables(node: &Value, found: &mut HashMap<String, String>) {
    match node {
        Value::Object(map) => {
            for (key, value) in map {
                if let ("env" | "variables", Value::Object(variables)) = (key.as_str(), value) {
                    for (name, value) in variables {
                        let value = value.as_str().map_or_else(|| value.to_string(), String::from);
                        found.insert(name.clone(), value);
                    }
                }
                recipe_variables(value, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| recipe_variables(item, found)),
        _ => {}
    }
}

/// A shell word with `$NAME` and `${NAME}` replaced by the recipe's variables; a name the
/// recipe does not set fails the test.
fn expand(word: &str, variables: &HashMap<String, String>) -> String {
    let reference = regex::Regex::new(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?").expect("a regex");
    reference
        .replace_all(word, |caps: &regex::Captures| {
            let name = &caps[1];
            variables.get(name).cloned().unwrap_or_else(|| panic!("{word}: ${name} is not set"))
        })
        .into_owned()
}

/// The flags and values of `vpcwatch check` in the README's usage block.
fn readme_check_usage() -> String {
    let readme = read(&root().join("README.md"));
    let start = readme.find("\nvpcwatch check [").expect("the usage of check in the README");
    let end = start + readme[start..].find("```").expect("the end of the usage block");
    readme[start..end].to_string()
}

/// The values the usage gives a flag: `[--format text|json|...]` gives `text`, `json`, ...
fn usage_values<'a>(usage: &'a str, flag: &str) -> Vec<&'a str> {
    let start = usage.find(&format!("[{flag} ")).expect("the flag in the usage") + flag.len() + 2;
    let end = start + usage[start..].find(']').expect("the end of the flag's brackets");
    usage[start..end].split('|').collect()
}

#[test]
fn the_ci_recipes_run_checks_that_the_readme_documents_and_the_parser_accepts() {
    let usage = readme_check_usage();
    let parse = |words: &[String]| Cli::try_parse_from(words).map_err(|e| e.to_string());
    let bad = ["vpcwatch", "check", "--formt", "sarif"].map(String::from);
    assert!(parse(&bad).is_err(), "the parser rejects an unknown flag");

    for (recipe, format, output) in CI_RECIPES {
        let path = root().join(recipe);
        let found = validate("commands", &path);
        let commands = found["commands"].as_array().expect("commands");
        assert_eq!(commands.len(), 1, "{recipe}: one vpcwatch command: {commands:?}");
        let mut variables = HashMap::new();
        recipe_variables(&validate("yaml", &path), &mut variables);
        let words: Vec<String> = commands[0]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| expand(w.as_str().unwrap(), &variables))
            .collect();
        assert_eq!(words[1], "check", "{recipe}: {words:?}");

        for (i, word) in words.iter().enumerate().filter(|(_, w)| w.starts_with("--")) {
            let flag = word.split('=').next().unwrap();
            let documented = usage.split(['[', ']', ' ', '|', '\n']).any(|token| token == flag);
            assert!(documented, "{recipe}: {flag} not in the README");
            if flag == "--format" {
                let value = words[i + 1].as_str();
                let values = usage_values(&usage, flag);
                assert!(values.contains(&value), "{recipe}: --format {value} not in {values:?}");
            }
        }

        let cli = parse(&words).unwrap_or_else(|e| panic!("{recipe}: {words:?}: {e}"));
        let task = cli.into_task().unwrap_or_else(|e| panic!("{recipe}: {words:?}: {e}"));
        let Task::Check(config) = task else { panic!("{recipe}: not a check: {words:?}") };
        assert_eq!(config.format, format, "{recipe}");
        assert_eq!(config.output.as_deref(), Some(Path::new(output)), "{recipe}");
        assert_eq!(config.aws.region.as_deref(), Some("us-east-1"), "{recipe}: its AWS_REGION");
    }
}
