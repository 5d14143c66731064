//! Stage `report`: writes the findings of `check` in one of six formats: text for
//! people, JSON and JSON Lines for programs, SARIF for GitHub code scanning, JUnit XML for
//! CI test reports and Markdown for pull requests and job summaries. Every format gives
//! each group of the event set its verdict in every account and region. Reports decide
//! nothing but how a group's names add up; they only render what `chain` found.

mod json;
mod junit;
mod markdown;
mod sarif;
mod text;

use std::io::Write;

use crate::chain::{
    Audit, ExceptionOutcome, ExceptionState, Findings, NameFinding, Status, Verdict,
};
use crate::config::{Exception, ReportFormat};
use crate::events::{EventSet, Group};
use crate::term::Style;

pub use text::wrap;

/// Writes the report in the chosen format. `events` is the set the findings were judged
/// against: each of its groups gets a verdict of its own in every account and region
/// (one per CIS control with `--events cis`), and becomes a rule of SARIF. A run of one
/// account and region gets the detailed text and Markdown reports; a wider run gets a
/// table of every account and region, then the details of those that did not pass.
pub fn write(
    out: &mut dyn Write,
    audit: &Audit,
    events: &EventSet,
    format: ReportFormat,
    style: Style,
) -> std::io::Result<()> {
    match (format, audit.single()) {
        (ReportFormat::Text, Some(findings)) => {
            text::write(out, findings, events, &audit.exceptions, style)
        }
        (ReportFormat::Text, None) => text::write_many(out, audit, events, style),
        (ReportFormat::Markdown, Some(findings)) => {
            markdown::write(out, findings, events, &audit.exceptions)
        }
        (ReportFormat::Markdown, None) => markdown::write_many(out, audit, events),
        (ReportFormat::Json, _) => json::write(out, audit, events),
        (ReportFormat::Jsonl, _) => json::write_lines(out, audit, events),
        (ReportFormat::Sarif, _) => sarif::write(out, audit, events),
        (ReportFormat::Junit, _) => junit::write(out, audit, events),
    }
}

/// The trails that cover at least one name of a region, once each, in order: which
/// trail covers which region.
fn covering_trails(findings: &Findings) -> Vec<&str> {
    let mut trails: Vec<&str> = Vec::new();
    let covered = findings.names.iter().filter(|n| n.status == Status::Covered);
    for trail in covered.filter_map(|n| n.chain.trail.as_deref()) {
        if !trails.contains(&trail) {
            trails.push(trail);
        }
    }
    trails
}

/// The names of a region that are not covered, grouped by status and reason, in report
/// order: one line per distinct reason keeps a report of many accounts short.
fn by_reason(findings: &Findings) -> Vec<(Status, String, Vec<&str>)> {
    let mut groups: Vec<(Status, String, Vec<&str>)> = Vec::new();
    let open = findings.names.iter().filter(|n| n.status != Status::Covered);
    for name in open {
        let reason = described(name);
        match groups.iter_mut().find(|(s, r, _)| *s == name.status && *r == reason) {
            Some((_, _, names)) if !names.contains(&name.name.as_str()) => names.push(&name.name),
            Some(_) => {}
            None => groups.push((name.status, reason, vec![&name.name])),
        }
    }
    groups
}

/// A name's reason as every report shows it: for an excepted name its own reason, then
/// the exception that accepts the gap.
fn described(name: &NameFinding) -> String {
    match &name.exception {
        Some(accepted) => {
            format!("{}; excepted until {}: {}", name.reason, accepted.expires, accepted.reason)
        }
        None => name.reason.clone(),
    }
}

/// What the reports call a status in a sentence.
fn status_words(status: Status) -> &'static str {
    match status {
        Status::Covered => "covered",
        Status::NotCovered => "not covered",
        Status::Uncertain => "undecided",
        Status::Excepted => "excepted",
    }
}

/// Where an exception applies, in words.
fn exception_scope(exception: &Exception) -> String {
    match (&exception.account, &exception.region) {
        (None, None) => "every account and region".into(),
        (Some(account), None) => format!("account {account}, every region"),
        (None, Some(region)) => format!("every account, region {region}"),
        (Some(account), Some(region)) => format!("account {account}, region {region}"),
    }
}

/// What became of an exception, in one sentence: its names and scope, its state with its
/// date and the gaps it reaches, and its reason.
fn exception_summary(outcome: &ExceptionOutcome) -> String {
    let exception = &outcome.exception;
    let (gaps, until) = (outcome.matches, exception.expires);
    let what = match outcome.state {
        ExceptionState::Applied => format!("accepts {gaps} gap(s) until {until}"),
        ExceptionState::Expired if gaps > 0 => {
            format!("expired after {until}, so its {gaps} gap(s) fail")
        }
        ExceptionState::Expired => format!("expired after {until}"),
        ExceptionState::Unused => format!("in force until {until}, but no name it lists is a gap"),
    };
    format!(
        "{} ({}): {what}; reason: {}",
        exception.names.join(", "),
        exception_scope(exception),
        exception.reason
    )
}

/// What the reports call an exception's state.
fn state_word(state: ExceptionState) -> &'static str {
    match state {
        ExceptionState::Applied => "applied",
        ExceptionState::Expired => "expired",
        ExceptionState::Unused => "unused",
    }
}

/// How the names of one group fared in one account and region, and the group's verdict.
/// A name counts once in a group; a name in two groups (`--events default,cis`) counts in
/// each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct GroupTally<'a> {
    group: &'a Group,
    verdict: Verdict,
    total: usize,
    covered: usize,
    not_covered: usize,
    uncertain: usize,
    excepted: usize,
}

/// One tally per group of `events`, in set order. Findings name their group by title.
fn tally<'a>(findings: &Findings, events: &'a EventSet) -> Vec<GroupTally<'a>> {
    events.groups.iter().map(|group| group_tally(findings, group)).collect()
}

fn group_tally<'a>(findings: &Findings, group: &'a Group) -> GroupTally<'a> {
    let in_group = || findings.names.iter().filter(|n| n.group == group.title);
    let count = |status| distinct(in_group().filter(|n| n.status == status));
    let (not_covered, uncertain) = (count(Status::NotCovered), count(Status::Uncertain));
    GroupTally {
        group,
        verdict: crate::chain::verdict(in_group()),
        total: distinct(in_group()),
        covered: count(Status::Covered),
        not_covered,
        uncertain,
        excepted: count(Status::Excepted),
    }
}

/// How many distinct event names.
fn distinct<'a>(names: impl Iterator<Item = &'a NameFinding>) -> usize {
    names.map(|n| n.name.as_str()).collect::<std::collections::HashSet<_>>().len()
}

/// A group's counts in words: `1 of 2 covered, 1 not covered`.
fn group_counts(tally: &GroupTally) -> String {
    let mut line = format!("{} of {} covered", tally.covered, tally.total);
    for (n, what) in [
        (tally.not_covered, "not covered"),
        (tally.uncertain, "undecided"),
        (tally.excepted, "excepted"),
    ] {
        if n > 0 {
            line.push_str(&format!(", {n} {what}"));
        }
    }
    line
}

/// What the machine-readable reports call a verdict: `pass`, `fail` or `error`.
fn verdict_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Error => "error",
    }
}

/// What to do about a name that is not covered, for every format that gives advice. The
/// `fix` command it names watches the same event set as the check: `fix` covers only the
/// names of its own `--events`, which default to the default set.
fn remediation(events: &EventSet) -> String {
    let fix = match events_flag(events) {
        Some(set) => format!("vpcwatch fix --email ADDRESS --events {set}"),
        None => "vpcwatch fix --email ADDRESS".to_string(),
    };
    format!(
        "Add the names to the pattern of a metric filter on the log group of a trail that \
         records write management events; give the filter's metric an alarm (Sum over 5 \
         minutes, threshold >= 1, one datapoint) whose action is an SNS topic; and confirm a \
         subscription of that topic. `{fix}` builds the missing links."
    )
}

/// The `--events` value that names `events` again (`cis`, `default,cis`, a file's path),
/// or none for the default set.
fn events_flag(events: &EventSet) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for group in &events.groups {
        let part = if group.cis_control().is_some() {
            "cis"
        } else if group.is_file() {
            group.title.as_str()
        } else {
            "default"
        };
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    (parts != ["default"]).then(|| parts.join(","))
}

#[cfg(test)]
pub(crate) mod fixtures;

#[cfg(test)]
mod tests {
    use super::*;

    fn verdicts(tallies: &[GroupTally]) -> Vec<(String, Verdict, usize, usize)> {
        tallies.iter().map(|t| (t.group.id.clone(), t.verdict, t.covered, t.total)).collect()
    }

    #[test]
    fn a_name_in_two_groups_weighs_on_each_and_counts_once_in_the_region() {
        let (findings, events) = fixtures::joined();
        let tallies = tally(&findings, &events);
        let by_id = |id: &str| tallies.iter().find(|t| t.group.id == id).copied().unwrap();
        assert_eq!(tallies.len(), 13);
        assert_eq!(
            verdicts(&[by_id("vpc"), by_id("4.14"), by_id("4.10"), by_id("security-group")]),
            [
                ("vpc".into(), Verdict::Fail, 1, 2),
                ("4.14".into(), Verdict::Fail, 10, 11),
                ("4.10".into(), Verdict::Error, 6, 7),
                ("security-group".into(), Verdict::Pass, 6, 6),
            ]
        );
        let failing: Vec<&str> = tallies
            .iter()
            .filter(|t| t.verdict == Verdict::Fail)
            .map(|t| t.group.id.as_str())
            .collect();
        assert_eq!(failing, ["vpc", "4.14"]);
        assert_eq!((findings.total(), findings.count(Status::NotCovered)), (41, 1));
    }

    #[test]
    fn a_name_listed_twice_in_one_group_counts_once_there() {
        let (mut findings, events) = fixtures::failing();
        let delete_vpc = findings.names.iter().find(|n| n.name == "DeleteVpc").unwrap().clone();
        findings.names.push(delete_vpc);
        let vpc = group_tally(&findings, &events.groups[0]);
        assert_eq!((vpc.total, vpc.covered, vpc.not_covered), (2, 1, 1));
        assert_eq!(group_counts(&vpc), "1 of 2 covered, 1 not covered");
    }

    #[test]
    fn a_group_fails_before_it_errors_and_an_excepted_gap_passes() {
        let (mut findings, events) = fixtures::passing();
        let vpc = &events.groups[0];
        fixtures::set(&mut findings, "CreateVpc", Status::NotCovered, "no alarm");
        fixtures::set(&mut findings, "DeleteVpc", Status::Uncertain, "access denied");
        assert_eq!(group_tally(&findings, vpc).verdict, Verdict::Fail);
        fixtures::set(&mut findings, "CreateVpc", Status::Covered, "covered");
        assert_eq!(group_tally(&findings, vpc).verdict, Verdict::Error);
        fixtures::set(&mut findings, "DeleteVpc", Status::Covered, "covered");
        assert_eq!(group_tally(&findings, vpc).verdict, Verdict::Pass);
        let (audit, events) = fixtures::with_exceptions();
        let peering = group_tally(audit.single().unwrap(), &events.groups[6]);
        assert_eq!((peering.verdict, peering.excepted), (Verdict::Pass, 2));
        assert_eq!(group_counts(&peering), "2 of 4 covered, 2 excepted");
    }

    #[test]
    fn the_advice_names_fix_with_the_event_set_of_the_check() {
        let fix = |events: EventSet| {
            let text = remediation(&events);
            let start = text.find("`vpcwatch fix").expect("a fix command");
            text[start..].split('`').nth(1).unwrap().to_string()
        };
        assert_eq!(fix(EventSet::default_set()), "vpcwatch fix --email ADDRESS");
        assert_eq!(fix(EventSet::cis()), "vpcwatch fix --email ADDRESS --events cis");
        let (_, joined) = fixtures::joined();
        assert_eq!(fix(joined), "vpcwatch fix --email ADDRESS --events default,cis");
    }
}
