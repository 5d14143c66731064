//! Reading the JSON report of `vpcwatch check` in tests: run it, find a name, its reason.

use serde_json::Value;

use super::Emulator;

/// Runs `vpcwatch check --format json` on one account and region with `args`: the exit
/// status and the findings of that region, with the account's ID and event set beside
/// them (see [`single_region`]).
pub fn check_json(emulator: &Emulator, args: &[&str]) -> (i32, Value) {
    let (code, report) = check_json_whole(emulator, args);
    (code, single_region(&report))
}

/// The one region of a report of one account and region, with `account_id` and `events`
/// copied in from its account. Panics unless the report holds exactly one of each, and
/// unless the run's, the account's and the region's verdicts agree.
pub fn single_region(report: &Value) -> Value {
    let accounts = report["accounts"].as_array().expect("accounts array");
    assert_eq!(accounts.len(), 1, "one account expected: {report}");
    let regions = accounts[0]["regions"].as_array().expect("regions array");
    assert_eq!(regions.len(), 1, "one region expected: {report}");
    let mut region = regions[0].clone();
    assert_eq!(region["verdict"], report["verdict"]);
    assert_eq!(accounts[0]["verdict"], report["verdict"]);
    region["account_id"] = accounts[0]["account_id"].clone();
    region["events"] = accounts[0]["events"].clone();
    region
}

/// Runs `vpcwatch check --format json` with `args`: the exit status and the whole report.
pub fn check_json_whole(emulator: &Emulator, args: &[&str]) -> (i32, Value) {
    let output = emulator
        .vpcwatch()
        .args(["check", "--format", "json"])
        .args(args)
        .output()
        .expect("run vpcwatch");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().expect("exit status"), report)
}

/// The finding for one event name.
pub fn finding<'a>(report: &'a Value, event: &str) -> &'a Value {
    let names = report["names"].as_array().expect("names array");
    names.iter().find(|n| n["name"] == event).unwrap_or_else(|| panic!("{event} not in report"))
}

/// The reason given for one event name.
pub fn reason<'a>(report: &'a Value, event: &str) -> &'a str {
    finding(report, event)["reason"].as_str().expect("reason string")
}

/// Every one of the 30 default names has `status`.
pub fn assert_every_name(report: &Value, status: &str) {
    let names = report["names"].as_array().expect("names array");
    assert_eq!(names.len(), 30);
    for name in names {
        assert_eq!(name["status"], status, "{name}");
    }
}

/// Runs tests/support/validate.py KIND FILES... in the emulator's venv; its JSON answer.
/// Panics, with the validator's words, when a file does not validate.
pub fn validate(kind: &str, files: &[&std::path::Path]) -> Value {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = std::process::Command::new(super::venv_python())
        .arg(root.join("tests/support/validate.py"))
        .arg(kind)
        .args(files)
        .output()
        .expect("run validate.py");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "validate.py {kind} {files:?}: invalid:\n{stderr}");
    serde_json::from_slice(&output.stdout).expect("validate.py prints JSON")
}
