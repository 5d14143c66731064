//! Reading the JSON report of `vpcwatch check` in tests: run it, find a name, its reason.

use serde_json::Value;

use super::Emulator;

/// Runs `vpcwatch check --format json` with `args`: the exit status and the report.
pub fn check_json(emulator: &Emulator, args: &[&str]) -> (i32, Value) {
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
