//! The JSON reports of `check`: one object for the whole run (`--format json`), or one
//! object per account, a line each (`--format jsonl`). An account's object is the same
//! in both; stable field names, strings kept exact. What became of each exception of the
//! configuration file is in the whole run's object only: an exception may reach several
//! accounts, and the lines of shards must join into the whole (excepted names carry
//! their exception in both). Each region lists its names and, beside them, the verdict of
//! each group of the event set (one per CIS control with `--events cis`).

use std::io::Write;

use serde::Serialize;

use super::{tally, GroupTally};
use crate::chain::{
    AccountFindings, Audit, ExceptionOutcome, Findings, NameFinding, Status, TrailFinding, Verdict,
};
use crate::events::EventSet;
use crate::inventory::ReadError;

#[derive(Serialize)]
struct Report<'a> {
    verdict: Verdict,
    events: &'a str,
    summary: AccountsSummary,
    accounts: Vec<Account<'a>>,
    exceptions: &'a [ExceptionOutcome],
}

#[derive(Serialize)]
struct AccountsSummary {
    accounts: usize,
    pass: usize,
    fail: usize,
    error: usize,
}

#[derive(Serialize)]
struct Account<'a> {
    account_id: &'a str,
    verdict: Verdict,
    events: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    regions: Vec<Region<'a>>,
}

#[derive(Serialize)]
struct Region<'a> {
    region: &'a str,
    verdict: Verdict,
    summary: Summary,
    groups: Vec<GroupEntry<'a>>,
    trails: &'a [TrailFinding],
    names: &'a [NameFinding],
    errors: Vec<ErrorEntry<'a>>,
}

#[derive(Serialize)]
struct Summary {
    total: usize,
    covered: usize,
    not_covered: usize,
    uncertain: usize,
    excepted: usize,
}

/// One group of the event set in one region: its verdict and how its names fared.
#[derive(Serialize)]
pub(super) struct GroupEntry<'a> {
    id: &'a str,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    cis_control: Option<&'a str>,
    verdict: Verdict,
    summary: Summary,
}

#[derive(Serialize)]
struct ErrorEntry<'a> {
    #[serde(flatten)]
    error: &'a ReadError,
    message: String,
}

/// Writes the whole run as one JSON object and a newline.
pub(super) fn write(out: &mut dyn Write, audit: &Audit, events: &EventSet) -> std::io::Result<()> {
    let report = Report {
        verdict: audit.verdict,
        events: &audit.events,
        summary: AccountsSummary {
            accounts: audit.accounts.len(),
            pass: audit.accounts_with(Verdict::Pass),
            fail: audit.accounts_with(Verdict::Fail),
            error: audit.accounts_with(Verdict::Error),
        },
        accounts: audit.accounts.iter().map(|a| account(a, &audit.events, events)).collect(),
        exceptions: &audit.exceptions,
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

/// Writes one compact JSON object per account, each on its own line.
pub(super) fn write_lines(
    out: &mut dyn Write,
    audit: &Audit,
    events: &EventSet,
) -> std::io::Result<()> {
    for found in &audit.accounts {
        serde_json::to_writer(&mut *out, &account(found, &audit.events, events))?;
        writeln!(out)?;
    }
    Ok(())
}

fn account<'a>(found: &'a AccountFindings, name: &'a str, events: &'a EventSet) -> Account<'a> {
    Account {
        account_id: &found.account_id,
        verdict: found.verdict,
        events: name,
        error: found.error.as_deref(),
        regions: found.regions.iter().map(|f| region(f, events)).collect(),
    }
}

fn region<'a>(findings: &'a Findings, events: &'a EventSet) -> Region<'a> {
    Region {
        region: &findings.region,
        verdict: findings.verdict,
        summary: Summary {
            total: findings.total(),
            covered: findings.count(Status::Covered),
            not_covered: findings.count(Status::NotCovered),
            uncertain: findings.count(Status::Uncertain),
            excepted: findings.count(Status::Excepted),
        },
        groups: tally(findings, events).iter().map(group).collect(),
        trails: &findings.trails,
        names: &findings.names,
        errors: findings
            .errors
            .iter()
            .map(|e| ErrorEntry { error: e, message: e.to_string() })
            .collect(),
    }
}

/// A group's verdict and counts as the JSON report writes them; SARIF carries the same.
pub(super) fn group<'a>(tally: &GroupTally<'a>) -> GroupEntry<'a> {
    GroupEntry {
        id: &tally.group.id,
        title: &tally.group.title,
        cis_control: tally.group.cis_control(),
        verdict: tally.verdict,
        summary: Summary {
            total: tally.total,
            covered: tally.covered,
            not_covered: tally.not_covered,
            uncertain: tally.uncertain,
            excepted: tally.excepted,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    fn audit() -> Audit {
        let (passing, _) = fixtures::passing();
        let (failing, _) = fixtures::failing();
        let failing = Findings { region: "eu-west-1".into(), ..failing };
        Audit::new(
            "default".into(),
            vec![
                AccountFindings::judged("123456789012".into(), vec![passing, failing]),
                AccountFindings::failed("210987654321".into(), "role denied".into()),
            ],
        )
    }

    #[test]
    fn the_document_nests_regions_in_accounts_under_one_verdict() {
        let mut out = Vec::new();
        write(&mut out, &audit(), &EventSet::default_set()).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(doc["verdict"], "fail");
        assert_eq!(doc["summary"]["accounts"], 2);
        assert_eq!(doc["summary"]["error"], 1);
        assert_eq!(doc["accounts"][0]["account_id"], "123456789012");
        assert_eq!(doc["accounts"][0]["regions"][1]["region"], "eu-west-1");
        assert_eq!(doc["accounts"][0]["regions"][1]["summary"]["not_covered"], 1);
        assert_eq!(doc["accounts"][1]["error"], "role denied");
        assert!(doc["accounts"][0].get("error").is_none());
    }

    #[test]
    fn json_lines_hold_one_account_each_equal_to_the_documents() {
        let (mut lines, mut whole) = (Vec::new(), Vec::new());
        write_lines(&mut lines, &audit(), &EventSet::default_set()).unwrap();
        write(&mut whole, &audit(), &EventSet::default_set()).unwrap();
        let whole: serde_json::Value = serde_json::from_slice(&whole).unwrap();
        let text = String::from_utf8(lines).unwrap();
        let parsed: Vec<serde_json::Value> =
            text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0], whole["accounts"][0]);
        assert_eq!(parsed[1]["verdict"], "error");
    }

    #[test]
    fn exceptions_are_listed_once_for_the_run_and_excepted_names_carry_theirs() {
        let (audit, events) = fixtures::with_exceptions();
        let mut out = Vec::new();
        write(&mut out, &audit, &events).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let states: Vec<&str> = doc["exceptions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["state"].as_str().unwrap())
            .collect();
        assert_eq!(states, ["applied", "expired", "unused"]);
        assert_eq!(doc["exceptions"][1]["account"], serde_json::Value::Null);
        assert_eq!(doc["exceptions"][1]["matches"], 2);
        let region = &doc["accounts"][0]["regions"][0];
        assert_eq!(region["summary"]["excepted"], 2);
        assert_eq!(region["summary"]["not_covered"], 2);
        let names = region["names"].as_array().unwrap();
        let peering = names.iter().find(|n| n["name"] == "AcceptVpcPeeringConnection").unwrap();
        assert_eq!(peering["status"], "excepted");
        assert_eq!(peering["exception"]["expires"], "2027-03-31");
        assert!(names
            .iter()
            .filter(|n| n["status"] != "excepted")
            .all(|n| n.get("exception").is_none()));

        let mut lines = Vec::new();
        write_lines(&mut lines, &audit, &events).unwrap();
        let line: serde_json::Value = serde_json::from_slice(&lines).unwrap();
        assert_eq!(line, doc["accounts"][0], "a line is the account's object, no more");
    }

    #[test]
    fn each_region_gives_every_group_its_verdict_and_counts() {
        let (findings, events) = fixtures::joined();
        let account = AccountFindings::judged(findings.account_id.clone(), vec![findings]);
        let mut out = Vec::new();
        write(&mut out, &Audit::new(events.name.clone(), vec![account]), &events).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let region = &doc["accounts"][0]["regions"][0];
        let groups = region["groups"].as_array().unwrap();
        assert_eq!(groups.len(), 13);
        assert_eq!(
            groups[0],
            serde_json::json!({
                "id": "vpc",
                "title": "VPC",
                "verdict": "fail",
                "summary": {"total": 2, "covered": 1, "not_covered": 1, "uncertain": 0, "excepted": 0},
            })
        );
        let control = |id: &str| groups.iter().find(|g| g["id"] == id).unwrap();
        assert_eq!(control("4.14")["cis_control"], "4.14");
        assert_eq!(control("4.14")["verdict"], "fail");
        assert_eq!(control("4.14")["summary"]["total"], 11);
        assert_eq!(control("4.10")["verdict"], "error");
        assert_eq!(control("4.13")["verdict"], "pass");
        assert_eq!(region["summary"]["total"], 41, "the region counts CreateVpc once");
    }
}
