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

use crate::chain::{Findings, Status};
use crate::config::ReportFormat;
use crate::events::{EventSet, Group};
use crate::term::Style;

pub use text::wrap;

/// Writes the report in the chosen format. `events` is the set the findings were judged
/// against: its groups become the rules of SARIF and the rows of Markdown.
pub fn write(
    out: &mut dyn Write,
    findings: &Findings,
    events: &EventSet,
    format: ReportFormat,
    style: Style,
) -> std::io::Result<()> {
    match format {
        ReportFormat::Text => text::write(out, findings, style),
        ReportFormat::Json => json::write(out, findings),
        ReportFormat::Sarif => sarif::write(out, findings, events),
        ReportFormat::Junit => junit::write(out, findings),
        ReportFormat::Markdown => markdown::write(out, findings, events),
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
