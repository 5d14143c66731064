//! Every report format of `check` for a passing, a failing and an erroring account:
//! validated by the tools that consume them (the SARIF 2.1.0 JSON schema, the report's
//! own JSON schema, a JUnit parser), counted, and snapshotted with the account redacted.

mod snapshot;
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use support::Emulator;
use vpcwatch::chain::{AccountFindings, Audit, Findings, Links, NameFinding, Status, Verdict};
use vpcwatch::config::ReportFormat;
use vpcwatch::events::EventSet;
use vpcwatch::inventory::{ErrorKind, ReadError};
use vpcwatch::term::Style;

const FORMATS: [(&str, &str); 6] = [
    ("text", "txt"),
    ("json", "json"),
    ("jsonl", "jsonl"),
    ("sarif", "sarif"),
    ("junit", "xml"),
    ("markdown", "md"),
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

/// Runs `vpcwatch check --format FORMAT --output DIR/report.EXT`; the exit status and
/// the file's path. Nothing may reach stdout.
fn check_to_file(emulator: &Emulator, format: &str, dir: &Path) -> (i32, PathBuf) {
    let ext = FORMATS.iter().find(|(f, _)| *f == format).expect("known format").1;
    let path = dir.join(format!("report.{ext}"));
    let output = emulator
        .vpcwatch()
        .args(["check", "--format", format, "--output"])
        .arg(&path)
        .output()
        .expect("run vpcwatch");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.stdout.is_empty(), "{format}: stdout not empty; stderr:\n{stderr}");
    assert!(path.is_file(), "{format}: no report file; stderr:\n{stderr}");
    (output.status.code().expect("exit status"), path)
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

/// Every report of one seeded scenario, checked against its validator; the paths by format.
fn reports(scenario: &str, expected_code: i32) -> Vec<(&'static str, PathBuf)> {
    let emulator = Emulator::start();
    emulator.seed(scenario);
    let dir = scratch();
    let mut paths = Vec::new();
    for (format, _) in FORMATS {
        let (code, path) = check_to_file(&emulator, format, &dir);
        assert_eq!(code, expected_code, "{scenario} {format}:\n{}", read(&path));
        paths.push((format, path));
    }
    validate("json", path_of(&paths, "json"));
    validate("jsonl", path_of(&paths, "jsonl"));
    validate("sarif", path_of(&paths, "sarif"));
    let whole = json(path_of(&paths, "json"));
    let line: Value =
        serde_json::from_str(read(path_of(&paths, "jsonl")).trim_end()).expect("one JSON line");
    assert_eq!(line, whole["accounts"][0], "{scenario}: the line is the account's object");
    paths
}

fn path_of<'a>(paths: &'a [(&str, PathBuf)], format: &str) -> &'a Path {
    &paths.iter().find(|(f, _)| *f == format).expect("format").1
}

#[test]
fn a_sound_account_passes_in_every_format() {
    let paths = reports("sound", 0);

    let report = json(path_of(&paths, "json"));
    assert_eq!(report["verdict"], "pass");
    let sarif = json(path_of(&paths, "sarif"));
    let run = &sarif["runs"][0];
    assert_eq!(run["results"].as_array().unwrap().len(), 0);
    assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 8);
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);

    let junit = validate("junit", path_of(&paths, "junit"));
    let suite = &junit["suites"][0];
    assert_eq!(suite["name"], format!("{}/us-east-1", support::DEFAULT_ACCOUNT));
    assert_eq!((suite["tests"].as_u64(), suite["failures"].as_u64()), (Some(30), Some(0)));
    assert!(suite["cases"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["results"] == Value::Array(vec![])));

    let markdown = read(path_of(&paths, "markdown"));
    assert!(markdown.starts_with("## vpcwatch check: PASS\n"), "{markdown}");
    assert!(read(path_of(&paths, "text")).ends_with("PASS: all 30 names covered\n"));
}

#[test]
fn a_failing_account_fails_in_every_format() {
    let paths = reports("no_alarm", 1);
    let account = support::DEFAULT_ACCOUNT;

    let sarif = json(path_of(&paths, "sarif"));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 30);
    assert!(results.iter().all(|r| r["level"] == "error"));
    assert_eq!(results[0]["ruleId"], "vpcwatch/vpc");
    assert_eq!(
        results[0]["message"]["text"],
        "CreateVpc is not covered: filter VpcChanges covers it, but no alarm in us-east-1 \
         watches metric CISBenchmark/VpcEventCount"
    );
    let uri = &results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(uri, &format!("aws/{account}/us-east-1/vpc-change-alerts"));

    let junit = validate("junit", path_of(&paths, "junit"));
    let suite = &junit["suites"][0];
    assert_eq!((suite["tests"].as_u64(), suite["failures"].as_u64()), (Some(30), Some(30)));
    let first = &suite["cases"][0];
    assert_eq!((&first["name"], &first["classname"]), (&"CreateVpc".into(), &"VPC".into()));
    assert_eq!(first["results"], serde_json::json!(["failure"]));

    for (format, name) in [("markdown", "md"), ("junit", "xml"), ("text", "txt")] {
        let text = snapshot::redact(&read(path_of(&paths, format)), account);
        snapshot::assert_snapshot(&format!("check-no_alarm.{name}"), &text);
    }
    let sarif_text = read(path_of(&paths, "sarif")).replace(env!("CARGO_PKG_VERSION"), "<VERSION>");
    snapshot::assert_snapshot("check-no_alarm.sarif", &snapshot::redact(&sarif_text, account));
}

/// An account where the alarms could not be read: two names undecided, one read error.
/// Built directly, as the emulator cannot deny one call and allow the rest.
fn erroring() -> (Findings, EventSet) {
    let events = EventSet::default_set();
    let error = ReadError {
        operation: "cloudwatch:DescribeAlarms".into(),
        resource: "metric alarms".into(),
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
    let dir = scratch();
    let render = |format: ReportFormat, name: &str| {
        let mut out = Vec::new();
        let account = AccountFindings::judged(findings.account_id.clone(), vec![findings.clone()]);
        let audit = Audit::new(events.name.clone(), vec![account]);
        vpcwatch::report::write(&mut out, &audit, &events, format, Style::plain()).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, out).unwrap();
        path
    };

    let report = render(ReportFormat::Json, "report.json");
    validate("json", &report);
    assert_eq!(json(&report)["verdict"], "error");
    let region = &json(&report)["accounts"][0]["regions"][0];
    assert_eq!(region["errors"][0]["kind"], "access_denied");

    let sarif = render(ReportFormat::Sarif, "report.sarif");
    validate("sarif", &sarif);
    let run = &json(&sarif)["runs"][0];
    let levels: Vec<&Value> =
        run["results"].as_array().unwrap().iter().map(|r| &r["level"]).collect();
    assert_eq!(levels, ["warning", "warning"]);
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);

    let junit = validate("junit", &render(ReportFormat::Junit, "report.xml"));
    let suite = &junit["suites"][0];
    assert_eq!((suite["tests"].as_u64(), suite["errors"].as_u64()), (Some(30), Some(2)));
    assert_eq!(suite["failures"].as_u64(), Some(0));

    for (format, name) in [(ReportFormat::Markdown, "md"), (ReportFormat::Junit, "xml")] {
        let text = read(&render(format, &format!("snapshot.{name}")));
        snapshot::assert_snapshot(
            &format!("check-erroring.{name}"),
            &snapshot::redact(&text, "210987654321"),
        );
    }
}

#[test]
fn sarif_fingerprints_are_stable_across_runs() {
    let emulator = Emulator::start();
    emulator.seed("no_alarm");
    let (dir1, dir2) = (scratch(), scratch());
    let fingerprints = |dir: &Path| -> Vec<Value> {
        let (_, path) = check_to_file(&emulator, "sarif", dir);
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
    let (code, written) = check_to_file(&emulator, "sarif", &dir);
    assert_eq!((code, &written), (0, &path));
    assert_eq!(json(&path)["version"], "2.1.0");
    let entries: Vec<_> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(entries, ["report.sarif"], "no temporary file left behind");
}
