//! The SARIF 2.1.0 report of `check`, for GitHub code scanning: one rule per group of the
//! event set (a part of the default set, or one CIS control), one result per name that
//! is not covered (level `error`) or undecided (level `warning`) under the rule of its
//! group; a name in two groups has a result under each. The verdict of each group is in
//! the run's properties (`groups`), as in the JSON report.
//!
//! GitHub rejects a whole upload when any result lacks a physical location with an
//! artifact URI ("locationFromSarifResult: expected at least one location", see
//! github/codeql-action#1738 and the GH1001 rule of microsoft/sarif-sdk#2694), and an
//! AWS account has no file. So each result points at a stable pseudo-path naming the
//! account and region, `aws/ACCOUNT/REGION/vpc-change-alerts`, line 1, and carries the
//! account and region as logical locations too. Its `partialFingerprints` hash the
//! account, region, rule and event name, so an alert stays one alert across runs and
//! closes when the name becomes covered.
//!
//! A gap that an exception of the configuration file accepts keeps its result, with an
//! accepted external suppression (`result.suppressions`) whose justification is the
//! exception's reason: a viewer that honours suppressions shows it as suppressed rather
//! than open, and the fingerprint stays the gap's, so it is the same alert. What became
//! of each exception is a configuration notification of the first run
//! (`invocation.toolConfigurationNotifications`): a note for each one applied, a warning
//! for each one expired or unused.

use std::io::Write;

use serde_json::{json, Value};

use super::{described, exception_summary, remediation, state_word, tally, GroupTally};
use crate::chain::{Audit, ExceptionOutcome, ExceptionState, Findings, NameFinding, Status};
use crate::events::{EventSet, Group};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The key of vpcwatch's own fingerprint; bump the version if its input ever changes.
const FINGERPRINT_KEY: &str = "vpcwatchFinding/v1";

/// How GitHub ranks a security alert (0.1 to 10): 7.0 and up is "high". An unwatched
/// network change is an open door nobody hears about.
const SECURITY_SEVERITY: &str = "7.5";

/// Writes the run as one SARIF log: one SARIF run per account and region, each its own
/// code-scanning category, and one per account that could not be audited.
pub(super) fn write(out: &mut dyn Write, audit: &Audit, events: &EventSet) -> std::io::Result<()> {
    let mut runs: Vec<Value> = Vec::new();
    for account in &audit.accounts {
        if let Some(error) = &account.error {
            runs.push(failed_run(&account.account_id, error, events));
        }
        runs.extend(account.regions.iter().map(|findings| run(findings, events)));
    }
    if let Some(first) = runs.first_mut() {
        add_exception_notifications(first, &audit.exceptions);
    }
    serde_json::to_writer_pretty(&mut *out, &log(runs))?;
    writeln!(out)
}

/// The state of each exception, as configuration notifications of `run`'s invocation.
fn add_exception_notifications(run: &mut Value, exceptions: &[ExceptionOutcome]) {
    if exceptions.is_empty() {
        return;
    }
    let notifications: Vec<Value> = exceptions
        .iter()
        .map(|outcome| {
            let level = if outcome.state == ExceptionState::Applied { "note" } else { "warning" };
            let text =
                format!("exception {}: {}", state_word(outcome.state), exception_summary(outcome));
            json!({"level": level, "message": {"text": text}, "properties": {"exception": outcome}})
        })
        .collect();
    run["invocations"][0]["toolConfigurationNotifications"] = Value::Array(notifications);
}

fn log(runs: Vec<Value>) -> Value {
    json!({"$schema": SCHEMA, "version": "2.1.0", "runs": runs})
}

/// vpcwatch with a rule per group, in set order: a result's `ruleIndex` is its group's.
fn driver(events: &EventSet) -> Value {
    let rules: Vec<Value> = events.groups.iter().map(|group| rule(group, events)).collect();
    json!({"driver": {
        "name": "vpcwatch",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    }})
}

fn run(findings: &Findings, events: &EventSet) -> Value {
    let results: Vec<Value> =
        findings.names.iter().filter_map(|name| result(findings, events, name)).collect();
    let groups: Vec<Value> = tally(findings, events).iter().map(group_properties).collect();
    json!({
        "tool": driver(events),
        // GitHub keeps one analysis per category: one per account and region, so
        // audits of several accounts uploaded from one repository do not replace
        // each other.
        "automationDetails": {
            "id": format!("vpcwatch/{}/{}/", findings.account_id, findings.region),
        },
        "invocations": [invocation(findings)],
        "results": results,
        "properties": {
            "verdict": findings.verdict,
            "accountId": findings.account_id,
            "region": findings.region,
            "events": findings.events,
            "groups": groups,
        },
    })
}

/// A group's verdict and counts, as in the JSON report, with the group's rule.
fn group_properties(tally: &GroupTally) -> Value {
    let mut group = json!(super::json::group(tally));
    group["ruleId"] = json!(rule_id(tally.group));
    group
}

/// An account that could not be audited: no result, an execution that did not succeed.
fn failed_run(account: &str, error: &str, events: &EventSet) -> Value {
    json!({
        "tool": driver(events),
        "automationDetails": {"id": format!("vpcwatch/{account}/")},
        "invocations": [{
            "executionSuccessful": false,
            "toolExecutionNotifications": [{"level": "error", "message": {"text": error}}],
        }],
        "results": [],
        "properties": {"verdict": "error", "accountId": account, "events": events.name},
    })
}

/// The stable id of a group's rule: `vpcwatch/route-table`, `vpcwatch/cis-4.13`.
pub(crate) fn rule_id(group: &Group) -> String {
    let is_control = group.id.starts_with(|c: char| c.is_ascii_digit());
    if is_control {
        format!("vpcwatch/cis-{}", group.id)
    } else {
        format!("vpcwatch/{}", group.id)
    }
}

fn rule(group: &Group, events: &EventSet) -> Value {
    let names = group.names.join(", ");
    let short = short_description(group);
    let full = format!(
        "Every CloudTrail event of this group must reach a person through a complete chain: \
         trail, CloudWatch Logs group, metric filter, metric, alarm, SNS topic and confirmed \
         subscription. Names: {names}."
    );
    let fix = remediation(events);
    let help = format!("{full}\n\nTo fix: {fix}");
    let markdown = format!(
        "Every CloudTrail event of this group must reach a person through a complete chain: \
         trail → CloudWatch Logs group → metric filter → metric → alarm → SNS topic → \
         confirmed subscription.\n\nNames: `{}`.\n\n**To fix:** {fix}",
        group.names.join("`, `")
    );
    json!({
        "id": rule_id(group),
        "name": rule_name(group),
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": help, "markdown": markdown},
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "tags": ["security", "aws", "cloudtrail", "cloudwatch", "vpc"],
            "precision": "very-high",
            "problem.severity": "error",
            "security-severity": SECURITY_SEVERITY,
        },
    })
}

/// What a rule asks, in one sentence: `VPC changes reach a person`, `CIS AWS Foundations
/// Benchmark 4.13: route table changes reach a person`.
fn short_description(group: &Group) -> String {
    match group.cis_control() {
        Some(control) => {
            format!("CIS AWS Foundations Benchmark {control}: {} reach a person", group.subject())
        }
        None if group.is_file() => format!("Changes named in {} reach a person", group.title),
        None => format!("{} changes reach a person", capitalised(&group.title)),
    }
}

/// `text` with its first letter in upper case (`subnet` gives `Subnet`, `VPC` stays).
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// A PascalCase name from the group's id: `RouteTableChangesAlert`, `Cis413ChangesAlert`.
fn rule_name(group: &Group) -> String {
    let id = rule_id(group);
    let words = id.trim_start_matches("vpcwatch/").split(['-', '.']);
    let mut name: String = words
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        })
        .collect::<Option<Vec<_>>>()
        .unwrap_or_default()
        .join("");
    name.push_str("ChangesAlert");
    name
}

fn result(findings: &Findings, events: &EventSet, name: &NameFinding) -> Option<Value> {
    let level = match name.status {
        Status::Covered => return None,
        Status::NotCovered | Status::Excepted => "error",
        Status::Uncertain => "warning",
    };
    let (index, group) = events.groups.iter().enumerate().find(|(_, g)| g.title == name.group)?;
    let rule = rule_id(group);
    let verb = if level == "error" { "is not covered" } else { "could not be decided" };
    let mut result = json!({
        "ruleId": rule,
        "ruleIndex": index,
        "level": level,
        "message": {"text": format!("{} {verb}: {}", name.name, described(name))},
        "locations": [location(findings)],
        "partialFingerprints": {
            FINGERPRINT_KEY: fingerprint(&[&findings.account_id, &findings.region, &rule, &name.name]),
        },
        "properties": {
            "eventName": name.name,
            "group": name.group,
            "status": name.status,
            "chain": name.chain,
        },
    });
    if let Some(accepted) = &name.exception {
        result["suppressions"] = json!([{
            "kind": "external",
            "status": "accepted",
            "justification": format!("{} (excepted until {})", accepted.reason, accepted.expires),
        }]);
        result["properties"]["exception"] = json!(accepted);
    }
    Some(result)
}

fn location(findings: &Findings) -> Value {
    let account = &findings.account_id;
    let region = &findings.region;
    json!({
        "physicalLocation": {
            "artifactLocation": {"uri": format!("aws/{account}/{region}/vpc-change-alerts")},
            "region": {"startLine": 1},
        },
        "logicalLocations": [
            {"name": account, "fullyQualifiedName": format!("aws/{account}"), "kind": "account"},
            {
                "name": region,
                "fullyQualifiedName": format!("aws/{account}/{region}"),
                "kind": "region",
            },
        ],
    })
}

/// Reads that failed become error notifications; the run succeeded only without them.
fn invocation(findings: &Findings) -> Value {
    let notifications: Vec<Value> = findings
        .errors
        .iter()
        .map(|e| json!({"level": "error", "message": {"text": e.to_string()}}))
        .collect();
    json!({
        "executionSuccessful": findings.errors.is_empty(),
        "toolExecutionNotifications": notifications,
    })
}

/// FNV-1a, 64 bits, over the parts separated by NUL: stable across Rust releases and
/// platforms, unlike `std`'s hasher.
fn fingerprint(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.iter().enumerate() {
        let separator: &[u8] = if i == 0 { b"" } else { b"\0" };
        for byte in separator.iter().chain(part.as_bytes()) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    fn sarif(fixture: fn() -> (Findings, EventSet)) -> Value {
        let (findings, events) = fixture();
        log(vec![run(&findings, &events)])
    }

    #[test]
    fn an_account_not_audited_is_a_run_that_did_not_succeed() {
        let (findings, events) = fixtures::passing();
        let audit = Audit::new(
            "default".into(),
            vec![
                crate::chain::AccountFindings::judged("123456789012".into(), vec![findings]),
                crate::chain::AccountFindings::failed("210987654321".into(), "denied".into()),
            ],
        );
        let mut out = Vec::new();
        write(&mut out, &audit, &events).unwrap();
        let log: Value = serde_json::from_slice(&out).unwrap();
        let runs = log["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[1]["automationDetails"]["id"], "vpcwatch/210987654321/");
        assert_eq!(runs[1]["invocations"][0]["executionSuccessful"], false);
        assert_eq!(runs[1]["tool"]["driver"]["rules"].as_array().unwrap().len(), 8);
    }

    #[test]
    fn a_passing_account_has_every_rule_and_no_result() {
        let log = sarif(fixtures::passing);
        let run = &log["runs"][0];
        assert_eq!(run["results"].as_array().unwrap().len(), 0);
        let ids: Vec<&str> = run["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), 8);
        assert_eq!(ids[0], "vpcwatch/vpc");
        assert_eq!(ids[4], "vpcwatch/route-table");
        assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    }

    #[test]
    fn a_missed_name_is_an_error_and_an_undecided_one_a_warning() {
        let log = sarif(fixtures::failing);
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 2);
        let delete = &results[0];
        assert_eq!(delete["ruleId"], "vpcwatch/vpc");
        assert_eq!(delete["ruleIndex"], 0);
        assert_eq!(delete["level"], "error");
        let message = delete["message"]["text"].as_str().unwrap();
        assert!(message.starts_with("DeleteVpc is not covered: filter Vpc|<Changes>"), "{message}");
        assert_eq!(results[1]["level"], "warning");
        assert_eq!(results[1]["ruleId"], "vpcwatch/subnet");
        let logical = &delete["locations"][0]["logicalLocations"];
        assert_eq!(logical[0]["name"], "123456789012");
        assert_eq!(logical[1]["name"], "us-east-1");
    }

    #[test]
    fn read_errors_are_notifications_and_the_run_did_not_succeed() {
        let log = sarif(fixtures::erroring);
        let invocation = &log["runs"][0]["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], false);
        let text = invocation["toolExecutionNotifications"][0]["message"]["text"].as_str().unwrap();
        assert!(text.starts_with("cloudwatch:DescribeAlarms for alarms in us-east-1"), "{text}");
        let levels: Vec<&Value> =
            log["runs"][0]["results"].as_array().unwrap().iter().map(|r| &r["level"]).collect();
        assert_eq!(levels, ["warning", "warning"]);
    }

    #[test]
    fn fingerprints_are_stable_and_distinct() {
        assert_eq!(fingerprint(&["a", "b"]), fingerprint(&["a", "b"]));
        assert_ne!(fingerprint(&["ab", ""]), fingerprint(&["a", "b"]));
        // Pinned: a change here would reopen every alert on GitHub.
        assert_eq!(
            fingerprint(&["123456789012", "us-east-1", "vpcwatch/vpc", "DeleteVpc"]),
            FNV_PIN
        );
    }

    const FNV_PIN: &str = "ee284299b03c8e71";

    #[test]
    fn cis_controls_get_cis_rule_ids_and_names() {
        let cis = EventSet::cis();
        let ids: Vec<String> = cis.groups.iter().map(rule_id).collect();
        assert_eq!(
            ids,
            [
                "vpcwatch/cis-4.10",
                "vpcwatch/cis-4.11",
                "vpcwatch/cis-4.12",
                "vpcwatch/cis-4.13",
                "vpcwatch/cis-4.14"
            ]
        );
        assert_eq!(rule_name(&cis.groups[3]), "Cis413ChangesAlert");
        assert_eq!(rule_name(&EventSet::default_set().groups[4]), "RouteTableChangesAlert");
    }

    #[test]
    fn an_excepted_gap_is_a_suppressed_result_and_exceptions_are_notifications() {
        let (audit, events) = fixtures::with_exceptions();
        let mut out = Vec::new();
        write(&mut out, &audit, &events).unwrap();
        let log: Value = serde_json::from_slice(&out).unwrap();
        let run = &log["runs"][0];
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 4, "excepted gaps keep their results");
        let suppressed: Vec<&Value> =
            results.iter().filter(|r| r.get("suppressions").is_some()).collect();
        assert_eq!(suppressed.len(), 2);
        assert_eq!(suppressed[0]["properties"]["eventName"], "CreateVpcPeeringConnection");
        assert_eq!(
            suppressed[0]["suppressions"],
            json!([{
                "kind": "external",
                "status": "accepted",
                "justification": "sandbox: peering <blocked> by SCP (excepted until 2027-03-31)",
            }])
        );
        let notifications =
            run["invocations"][0]["toolConfigurationNotifications"].as_array().unwrap();
        let levels: Vec<&Value> = notifications.iter().map(|n| &n["level"]).collect();
        assert_eq!(levels, ["note", "warning", "warning"]);
        let text = notifications[1]["message"]["text"].as_str().unwrap();
        assert!(
            text.starts_with("exception expired: CreateNatGateway, DeleteNatGateway"),
            "{text}"
        );
        assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    }

    #[test]
    fn a_shared_name_has_a_result_under_each_rule_and_each_group_a_verdict() {
        let log = sarif(fixtures::joined);
        let run = &log["runs"][0];
        let results = run["results"].as_array().unwrap();
        let rules: Vec<(&str, &str)> = results
            .iter()
            .map(|r| {
                (r["properties"]["eventName"].as_str().unwrap(), r["ruleId"].as_str().unwrap())
            })
            .collect();
        assert_eq!(
            rules,
            [
                ("CreateVpc", "vpcwatch/vpc"),
                ("ModifySecurityGroupRules", "vpcwatch/cis-4.10"),
                ("CreateVpc", "vpcwatch/cis-4.14"),
            ]
        );
        let fingerprint = |i: usize| &results[i]["partialFingerprints"][FINGERPRINT_KEY];
        assert_ne!(fingerprint(0), fingerprint(2), "one alert per rule");
        assert_eq!(results[2]["ruleIndex"], 12);
        let rule = &run["tool"]["driver"]["rules"][12];
        assert_eq!(rule["id"], "vpcwatch/cis-4.14");
        let groups = run["properties"]["groups"].as_array().unwrap();
        assert_eq!(groups.len(), 13);
        assert_eq!(
            (&groups[12]["ruleId"], &groups[12]["verdict"], &groups[12]["cis_control"]),
            (&json!("vpcwatch/cis-4.14"), &json!("fail"), &json!("4.14"))
        );
        assert_eq!(groups[8]["verdict"], "error");
        assert_eq!(groups[1]["verdict"], "pass");
    }

    #[test]
    fn rules_say_what_they_ask_and_how_to_fix_it_for_the_same_event_set() {
        let cis = EventSet::cis();
        let rule = rule(&cis.groups[3], &cis);
        assert_eq!(
            rule["shortDescription"]["text"],
            "CIS AWS Foundations Benchmark 4.13: route table changes reach a person"
        );
        let help = rule["help"]["text"].as_str().unwrap();
        assert!(help.contains("Names: CreateRoute, CreateRouteTable, ReplaceRoute,"), "{help}");
        assert!(help.contains("`vpcwatch fix --email ADDRESS --events cis` builds"), "{help}");
        let markdown = rule["help"]["markdown"].as_str().unwrap();
        assert!(markdown.contains("**To fix:** Add the names"), "{markdown}");

        let default = EventSet::default_set();
        let subnet = super::rule(&default.groups[1], &default);
        assert_eq!(subnet["shortDescription"]["text"], "Subnet changes reach a person");
        let help = subnet["help"]["text"].as_str().unwrap();
        assert!(help.contains("`vpcwatch fix --email ADDRESS` builds"), "{help}");
        assert_eq!(
            super::rule(&default.groups[0], &default)["shortDescription"]["text"],
            "VPC changes reach a person"
        );
    }
}
