//! Stage `report`: writes the findings of `check` in one of five formats: text for
//! people, JSON for programs, SARIF for GitHub code scanning, JUnit XML for CI test
//! reports and Markdown for pull requests and job summaries. Reports never decide
//! anything; they only render what `chain` found.

mod json;
mod junit;
mod markdown;
mod sarif;
mod text;

use std::io::Write;

use crate::chain::{Audit, ExceptionOutcome, ExceptionState, Findings, NameFinding, Status};
use crate::config::{Exception, ReportFormat};
use crate::events::{EventSet, Group};
use crate::term::Style;

pub use text::wrap;

/// Writes the report in the chosen format. `events` is the set the findings were judged
/// against: its groups become the rules of SARIF and the rows of Markdown. A run of one
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
            text::write(out, findings, &audit.exceptions, style)
        }
        (ReportFormat::Text, None) => text::write_many(out, audit, style),
        (ReportFormat::Markdown, Some(findings)) => {
            markdown::write(out, findings, events, &audit.exceptions)
        }
        (ReportFormat::Markdown, None) => markdown::write_many(out, audit, events),
        (ReportFormat::Json, _) => json::write(out, audit),
        (ReportFormat::Jsonl, _) => json::write_lines(out, audit),
        (ReportFormat::Sarif, _) => sarif::write(out, audit, events),
        (ReportFormat::Junit, _) => junit::write(out, audit),
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

/// How the names of one group fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct GroupTally<'a> {
    group: &'a Group,
    total: usize,
    covered: usize,
    not_covered: usize,
    uncertain: usize,
    excepted: usize,
}

impl<'a> GroupTally<'a> {
    /// A group of which nothing was judged.
    fn empty(group: &'a Group) -> GroupTally<'a> {
        GroupTally { group, total: 0, covered: 0, not_covered: 0, uncertain: 0, excepted: 0 }
    }
}

/// One tally per group of `events`, in set order. Findings name their group by title.
fn tally<'a>(findings: &Findings, events: &'a EventSet) -> Vec<GroupTally<'a>> {
    events
        .groups
        .iter()
        .map(|group| {
            let names: Vec<_> = findings.names.iter().filter(|n| n.group == group.title).collect();
            let count = |status| names.iter().filter(|n| n.status == status).count();
            GroupTally {
                group,
                total: names.len(),
                covered: count(Status::Covered),
                not_covered: count(Status::NotCovered),
                uncertain: count(Status::Uncertain),
                excepted: count(Status::Excepted),
            }
        })
        .collect()
}

/// What to do about a name that is not covered, for every format that gives advice.
const REMEDIATION: &str = "Add the names to the pattern of a metric filter on the log group \
of a trail that records write management events; give the filter's metric an alarm (Sum over \
5 minutes, threshold >= 1, one datapoint) whose action is an SNS topic; and confirm a \
subscription of that topic. `vpcwatch fix --email ADDRESS` builds the missing links.";

#[cfg(test)]
pub(crate) mod fixtures;
