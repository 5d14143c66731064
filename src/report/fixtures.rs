//! Findings for the unit tests of every format: a passing, a failing and an erroring
//! account, with names read from the account that need escaping, an account whose gaps
//! meet an exception in force, an expired one and an unused one, and an account judged
//! against the default set and the CIS controls at once.

use crate::chain::{
    self, AccountFindings, Audit, Findings, Links, NameFinding, Status, TrailFinding, Verdict,
};
use crate::config::Exception;
use crate::date::Date;
use crate::events::EventSet;
use crate::inventory::{ErrorKind, LogGroupRef, ReadError};

/// A filter name an operator could really choose, full of characters that mean
/// something in Markdown, XML and terminals.
pub const HOSTILE_FILTER: &str = "Vpc|<Changes>&\"it's\"*_[x](y)\u{1b}[31m";

/// Every name of the default set covered by one sound chain.
pub fn passing() -> (Findings, EventSet) {
    every_name_covered(EventSet::default_set())
}

/// `--events default,cis`: CreateVpc, which stands in the VPC group and in control 4.14,
/// not covered; ModifySecurityGroupRules (4.10 only) undecided; the rest covered.
pub fn joined() -> (Findings, EventSet) {
    let events = EventSet::union(vec![EventSet::default_set(), EventSet::cis()]);
    let (mut findings, events) = every_name_covered(events);
    findings.verdict = Verdict::Fail;
    set(
        &mut findings,
        "CreateVpc",
        Status::NotCovered,
        "filter VpcChanges does not match CreateVpc",
    );
    set(
        &mut findings,
        "ModifySecurityGroupRules",
        Status::Uncertain,
        "alarm Math reads metric CISBenchmark/VpcEventCount through metric math; not evaluated",
    );
    (findings, events)
}

fn every_name_covered(events: EventSet) -> (Findings, EventSet) {
    let names = events
        .groups
        .iter()
        .flat_map(|g| g.names.iter().map(move |n| covered(&g.title, n)))
        .collect();
    let findings = Findings {
        verdict: Verdict::Pass,
        account_id: "123456789012".into(),
        region: "us-east-1".into(),
        events: events.name.clone(),
        trails: vec![trail()],
        names,
        errors: vec![],
    };
    (findings, events)
}

/// DeleteVpc missed by a filter with a hostile name; CreateSubnet undecided.
pub fn failing() -> (Findings, EventSet) {
    let (mut findings, events) = passing();
    findings.verdict = Verdict::Fail;
    set(
        &mut findings,
        "DeleteVpc",
        Status::NotCovered,
        &format!("filter {HOSTILE_FILTER} does not match DeleteVpc"),
    );
    set(
        &mut findings,
        "CreateSubnet",
        Status::Uncertain,
        "alarm Math reads metric CISBenchmark/VpcEventCount through metric math; not evaluated",
    );
    (findings, events)
}

/// Nothing proven missing, but the alarms could not be read.
pub fn erroring() -> (Findings, EventSet) {
    let (mut findings, events) = passing();
    findings.verdict = Verdict::Error;
    let error = ReadError {
        operation: "cloudwatch:DescribeAlarms".into(),
        resource: "alarms".into(),
        region: "us-east-1".into(),
        kind: ErrorKind::AccessDenied,
        detail: "User is not authorized".into(),
    };
    for name in ["CreateRoute", "DeleteRoute"] {
        set(&mut findings, name, Status::Uncertain, &error.to_string());
    }
    findings.errors.push(error);
    (findings, events)
}

/// The day the exceptions of [`with_exceptions`] are judged on.
pub const TODAY: &str = "2027-01-15";

/// Peering not covered, accepted by an exception in force; the NAT gateway names not
/// covered, their exception expired; an exception for DeleteVpc in eu-west-1, unused.
pub fn with_exceptions() -> (Audit, EventSet) {
    let (mut findings, events) = passing();
    let gaps = [
        "CreateVpcPeeringConnection",
        "AcceptVpcPeeringConnection",
        "CreateNatGateway",
        "DeleteNatGateway",
    ];
    for name in gaps {
        let reason = format!("filter VpcChanges does not match {name}");
        set(&mut findings, name, Status::NotCovered, &reason);
    }
    findings.verdict = Verdict::Fail;
    let account = AccountFindings::judged(findings.account_id.clone(), vec![findings]);
    let audit = Audit::new(events.name.clone(), vec![account]);
    let exceptions = [
        exception(
            Some("123456789012"),
            None,
            &gaps[..2],
            "sandbox: peering <blocked> by SCP",
            "2027-03-31",
        ),
        exception(None, None, &gaps[2..], "NAT gateways retired", "2026-12-31"),
        exception(None, Some("eu-west-1"), &["DeleteVpc"], "legacy VPCs", "2027-06-30"),
    ];
    let today = Date::parse(TODAY).expect("a date");
    (chain::except(audit, &exceptions, today), events)
}

fn exception(
    account: Option<&str>,
    region: Option<&str>,
    names: &[&str],
    reason: &str,
    expires: &str,
) -> Exception {
    Exception {
        account: account.map(str::to_string),
        region: region.map(str::to_string),
        names: names.iter().map(|n| n.to_string()).collect(),
        reason: reason.into(),
        expires: Date::parse(expires).expect("a date"),
        line: 1,
    }
}

fn covered(group: &str, name: &str) -> NameFinding {
    NameFinding {
        name: name.into(),
        group: group.into(),
        status: Status::Covered,
        reason: "filter VpcChanges > alarm VpcChangesAlarm > topic vpc-alerts".into(),
        chain: Links {
            trail: Some("management-events".into()),
            log_group: Some("CloudTrail/Default".into()),
            filter: Some("VpcChanges".into()),
            alarm: Some("VpcChangesAlarm".into()),
            topic: Some("vpc-alerts".into()),
            composite: None,
        },
        exception: None,
    }
}

/// Gives `name` its status in every group it stands in: a name is judged once.
pub(super) fn set(findings: &mut Findings, name: &str, status: Status, reason: &str) {
    let mut found = false;
    for finding in findings.names.iter_mut().filter(|n| n.name == name) {
        finding.status = status;
        finding.reason = reason.into();
        finding.chain.alarm = None;
        finding.chain.topic = None;
        found = true;
    }
    assert!(found, "{name} is not in the set");
}

fn trail() -> TrailFinding {
    TrailFinding {
        name: "management-events".into(),
        arn: "arn:aws:cloudtrail:us-east-1:123456789012:trail/management-events".into(),
        home_region: "us-east-1".into(),
        multi_region: true,
        organization: false,
        log_group: Some(LogGroupRef {
            arn: "arn:aws:logs:us-east-1:123456789012:log-group:CloudTrail/Default".into(),
            account_id: "123456789012".into(),
            region: "us-east-1".into(),
            name: "CloudTrail/Default".into(),
        }),
        logging: Some(true),
    }
}
