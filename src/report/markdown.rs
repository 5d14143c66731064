//! The Markdown report of `check`: a short summary for a pull request comment or a GitHub
//! Actions job summary (`>> $GITHUB_STEP_SUMMARY`). A verdict line, a table of groups
//! with the verdict of each (one per CIS control with `--events cis`), then the names not covered or undecided with their reasons, then what became of each
//! exception of the configuration file. Every string read from the account is escaped,
//! so a filter named `*[x](y)` stays text.

use std::io::Write;

use super::{
    by_reason, covering_trails, exception_summary, group_counts, remediation, state_word,
    status_words, tally, verdict_word, GroupTally,
};
use crate::chain::{Audit, ExceptionOutcome, Findings, Status, Verdict};
use crate::events::EventSet;
use crate::term;

/// Writes the summary.
pub(super) fn write(
    out: &mut dyn Write,
    findings: &Findings,
    events: &EventSet,
    exceptions: &[ExceptionOutcome],
) -> std::io::Result<()> {
    writeln!(out, "## vpcwatch check: {}", verdict_heading(findings.verdict))?;
    writeln!(out)?;
    writeln!(
        out,
        "**{}**. Account {}, region {}, events {}.",
        verdict_line(findings),
        escape(&findings.account_id),
        escape(&findings.region),
        escape(&findings.events)
    )?;
    write_table(out, findings, events)?;
    write_names(out, findings, Status::NotCovered, "Not covered")?;
    write_names(out, findings, Status::Uncertain, "Undecided")?;
    write_errors(out, findings)?;
    write_exceptions(out, exceptions)?;
    if findings.verdict != Verdict::Pass {
        writeln!(out)?;
        writeln!(out, "**To fix:** {}", remediation(events))?;
    }
    Ok(())
}

/// Writes the summary of a run over several accounts or regions: a table of every
/// account and region, then the open names of each that did not pass.
pub(super) fn write_many(
    out: &mut dyn Write,
    audit: &Audit,
    events: &EventSet,
) -> std::io::Result<()> {
    writeln!(out, "## vpcwatch check: {}", verdict_heading(audit.verdict))?;
    writeln!(out)?;
    writeln!(
        out,
        "**{} of {} account(s) pass, {} fail, {} undecided**. Events {}.",
        audit.accounts_with(Verdict::Pass),
        audit.accounts.len(),
        audit.accounts_with(Verdict::Fail),
        audit.accounts_with(Verdict::Error),
        escape(&events.name)
    )?;
    writeln!(out)?;
    writeln!(out, "| account | region | verdict | covered | of | trails |")?;
    writeln!(out, "|---|---|---|---:|---:|---|")?;
    for account in &audit.accounts {
        if let Some(error) = &account.error {
            let id = escape(&account.account_id);
            writeln!(out, "| {id} | - | error | - | - | not audited: {} |", escape(error))?;
        }
        for findings in &account.regions {
            let trails: Vec<String> = covering_trails(findings).iter().map(|t| escape(t)).collect();
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                escape(&findings.account_id),
                escape(&findings.region),
                verdict_word(findings.verdict),
                findings.count(Status::Covered),
                findings.total(),
                if trails.is_empty() { "-".to_string() } else { trails.join(", ") }
            )?;
        }
    }
    for findings in audit.targets().filter(|f| f.verdict != Verdict::Pass) {
        writeln!(out)?;
        writeln!(out, "### {} {}", escape(&findings.account_id), escape(&findings.region))?;
        writeln!(out)?;
        writeln!(out, "- groups not passing: {}", open_groups(&tally(findings, events)))?;
        for (status, reason, names) in by_reason(findings) {
            let what = status_words(status);
            let names: Vec<String> = names.iter().map(|n| format!("**{}**", escape(n))).collect();
            writeln!(out, "- {what}: {}: {}", names.join(", "), escape(&reason))?;
        }
        for error in &findings.errors {
            writeln!(out, "- could not read: {}", escape(&error.to_string()))?;
        }
    }
    write_exceptions(out, &audit.exceptions)?;
    if audit.verdict != Verdict::Pass {
        writeln!(out)?;
        writeln!(out, "**To fix:** {}", remediation(events))?;
    }
    Ok(())
}

/// The groups of a region that did not pass, each with its verdict.
fn open_groups(tallies: &[GroupTally]) -> String {
    let open: Vec<String> = tallies
        .iter()
        .filter(|t| t.verdict != Verdict::Pass)
        .map(|t| format!("**{}** ({})", escape(&t.group.title), verdict_word(t.verdict)))
        .collect();
    open.join(", ")
}

fn verdict_heading(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
        Verdict::Error => "ERROR",
    }
}

fn verdict_line(findings: &Findings) -> String {
    let total = findings.total();
    let covered = findings.count(Status::Covered);
    let missing = findings.count(Status::NotCovered);
    let unsure = findings.count(Status::Uncertain);
    let excepted = findings.count(Status::Excepted);
    let mut line = match findings.verdict {
        Verdict::Pass if excepted == 0 => return format!("PASS: all {total} names covered"),
        Verdict::Pass => format!("PASS: {covered} of {total} names covered"),
        Verdict::Fail => format!("FAIL: {covered} of {total} names covered, {missing} not covered"),
        Verdict::Error => format!("ERROR: {covered} of {total} names covered"),
    };
    if excepted > 0 {
        line.push_str(&format!(", {excepted} excepted"));
    }
    if unsure > 0 {
        line.push_str(&format!(", {unsure} could not be decided"));
    }
    line
}

fn write_table(out: &mut dyn Write, findings: &Findings, events: &EventSet) -> std::io::Result<()> {
    writeln!(out)?;
    writeln!(out, "| group | verdict | names |")?;
    writeln!(out, "|---|---|---|")?;
    for row in tally(findings, events) {
        let (title, verdict) = (escape(&row.group.title), verdict_word(row.verdict));
        writeln!(out, "| {title} | {verdict} | {} |", group_counts(&row))?;
    }
    Ok(())
}

fn write_names(
    out: &mut dyn Write,
    findings: &Findings,
    status: Status,
    heading: &str,
) -> std::io::Result<()> {
    let names: Vec<_> = findings.names.iter().filter(|n| n.status == status).collect();
    if names.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "### {heading}")?;
    writeln!(out)?;
    // Names of one group broken at the same link share a line, to keep a comment short.
    for same in names.chunk_by(|a, b| a.group == b.group && a.reason == b.reason) {
        let events: Vec<String> = same.iter().map(|n| format!("**{}**", escape(&n.name))).collect();
        let (group, reason) = (escape(&same[0].group), escape(&same[0].reason));
        writeln!(out, "- {} ({group}): {reason}", events.join(", "))?;
    }
    Ok(())
}

fn write_errors(out: &mut dyn Write, findings: &Findings) -> std::io::Result<()> {
    if findings.errors.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "### Could not read")?;
    writeln!(out)?;
    for error in &findings.errors {
        writeln!(out, "- {}", escape(&error.to_string()))?;
    }
    Ok(())
}

/// What became of each exception of the configuration file, one line each.
fn write_exceptions(out: &mut dyn Write, exceptions: &[ExceptionOutcome]) -> std::io::Result<()> {
    if exceptions.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "### Exceptions")?;
    writeln!(out)?;
    for outcome in exceptions {
        let state = state_word(outcome.state);
        writeln!(out, "- **{state}**: {}", escape(&exception_summary(outcome)))?;
    }
    Ok(())
}

/// Escapes text for GitHub-flavoured Markdown, inline: control and bidirectional
/// characters become visible (as on a terminal), line breaks spaces, and every ASCII
/// punctuation character that can start emphasis, a link, HTML, a table cell, an entity,
/// math or a mention gets a backslash (CommonMark §2.4 allows one before any ASCII
/// punctuation).
pub(crate) fn escape(text: &str) -> String {
    let flat: String =
        text.chars().map(|c| if matches!(c, '\n' | '\r') { ' ' } else { c }).collect();
    let mut out = String::with_capacity(flat.len());
    for c in term::escape(&flat).chars() {
        if "\\`*_{}[]()<>#+!|~&$@^=".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    fn markdown(fixture: fn() -> (Findings, EventSet)) -> String {
        let (findings, events) = fixture();
        let mut out = Vec::new();
        write(&mut out, &findings, &events, &[]).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escape_neutralises_markdown_html_and_terminal_codes() {
        assert_eq!(escape("a*b_c|d"), "a\\*b\\_c\\|d");
        assert_eq!(escape("[x](y) <img> @team"), "\\[x\\]\\(y\\) \\<img\\> \\@team");
        assert_eq!(escape("line\nbreak\u{1b}"), "line break\\\\u\\{1b\\}");
        assert_eq!(escape("CloudTrail/Default us-east-1"), "CloudTrail/Default us-east-1");
    }

    #[test]
    fn a_passing_account_is_one_verdict_line_and_a_table() {
        let md = markdown(fixtures::passing);
        assert!(
            md.starts_with("## vpcwatch check: PASS\n\n**PASS: all 30 names covered**."),
            "{md}"
        );
        assert!(md.contains("| route table | pass | 5 of 5 covered |"), "{md}");
        assert!(!md.contains("###"), "{md}");
        assert!(!md.contains("To fix"), "{md}");
    }

    #[test]
    fn a_failing_account_lists_each_name_with_its_reason_escaped() {
        let md = markdown(fixtures::failing);
        assert!(
            md.contains("**FAIL: 28 of 30 names covered, 1 not covered, 1 could not be decided**"),
            "{md}"
        );
        assert!(md.contains("| VPC | fail | 1 of 2 covered, 1 not covered |"), "{md}");
        assert!(md.contains("| subnet | error | 1 of 2 covered, 1 undecided |"), "{md}");
        assert!(md.contains("### Not covered\n\n- **DeleteVpc** (VPC): filter Vpc\\|\\<Changes\\>\\&\"it's\"\\*\\_\\[x\\]\\(y\\)\\\\u\\{1b\\}\\[31m does not match DeleteVpc\n"), "{md}");
        assert!(
            md.contains("### Undecided\n\n- **CreateSubnet** (subnet): alarm Math reads"),
            "{md}"
        );
        assert!(md.contains("**To fix:**"), "{md}");
    }

    #[test]
    fn an_erroring_account_names_what_could_not_be_read() {
        let md = markdown(fixtures::erroring);
        assert!(md.contains("**ERROR: 28 of 30 names covered, 2 could not be decided**"), "{md}");
        assert!(md.contains("### Could not read\n\n- cloudwatch:DescribeAlarms for alarms in us-east-1: access denied"), "{md}");
    }

    #[test]
    fn exceptions_get_a_short_section_and_excepted_groups_say_so() {
        let (audit, events) = fixtures::with_exceptions();
        let mut out = Vec::new();
        write(&mut out, audit.single().unwrap(), &events, &audit.exceptions).unwrap();
        let md = String::from_utf8(out).unwrap();
        assert!(md.contains("**FAIL: 26 of 30 names covered, 2 not covered, 2 excepted**"), "{md}");
        assert!(md.contains("| VPC peering | pass | 2 of 4 covered, 2 excepted |"), "{md}");
        assert!(md.contains("| NAT gateway | fail | 0 of 2 covered, 2 not covered |"), "{md}");
        assert!(md.contains("### Exceptions\n\n- **applied**: CreateVpcPeeringConnection"), "{md}");
        assert!(md.contains("peering \\<blocked\\> by SCP"), "escaped: {md}");
        assert!(md.contains("\n- **expired**: CreateNatGateway, DeleteNatGateway"), "{md}");
        assert!(md.contains("\n- **unused**: DeleteVpc"), "{md}");
    }

    #[test]
    fn each_region_that_did_not_pass_names_its_groups_that_did_not() {
        let (findings, events) = fixtures::joined();
        let (passing, _) = fixtures::passing();
        let passing = Findings { region: "eu-west-1".into(), ..passing };
        let account = crate::chain::AccountFindings::judged(
            findings.account_id.clone(),
            vec![findings, passing],
        );
        let audit = Audit::new(events.name.clone(), vec![account]);
        let mut out = Vec::new();
        write_many(&mut out, &audit, &events).unwrap();
        let md = String::from_utf8(out).unwrap();
        assert!(
            md.contains(
                "### 123456789012 us-east-1\n\n- groups not passing: **VPC** (fail), \
                 **4.10 security group changes** (error), **4.14 VPC changes** (fail)\n"
            ),
            "{md}"
        );
        assert_eq!(md.matches("groups not passing").count(), 1, "not for a passing region");
        assert!(md.contains("`vpcwatch fix --email ADDRESS --events default,cis`"), "{md}");
    }
}
