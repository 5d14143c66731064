//! The text report of `check`, for an 80-column terminal. One account and region: the
//! trails, then each watched name under its group with its chain or its first broken
//! link, then one verdict line. Several: a table of every account and region with the
//! trails that cover it, then, for each one that did not pass, its names grouped by
//! reason, then one verdict line for the run. Either way, when the configuration file
//! has exceptions, a section says what became of each before the verdict line.

use std::io::Write;

use super::{
    by_reason, covering_trails, described, exception_summary, group_counts, state_word,
    status_words, tally, verdict_word, GroupTally,
};
use crate::chain::{
    AccountFindings, Audit, ExceptionOutcome, ExceptionState, Findings, NameFinding, Status,
    TrailFinding, Verdict,
};
use crate::events::EventSet;
use crate::term::{escape, Style};

/// Width of the status column and the name column.
const STATUS_WIDTH: usize = 8;
const NAME_WIDTH: usize = 30;
/// Width of the state column of the exceptions.
const EXCEPTION_WIDTH: usize = 9;
/// Where wrapped reasons stop.
const LINE_WIDTH: usize = 80;

pub(super) fn write(
    out: &mut dyn Write,
    findings: &Findings,
    events: &EventSet,
    exceptions: &[ExceptionOutcome],
    style: Style,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{} account {}, region {}, events {}",
        style.strong("vpcwatch check:"),
        findings.account_id,
        findings.region,
        findings.events
    )?;
    write_trails(out, &findings.trails, style)?;
    write_names(out, &findings.names, style)?;
    write_groups(out, &tally(findings, events), style)?;
    write_errors(out, findings)?;
    write_exceptions(out, exceptions, style)?;
    writeln!(out)?;
    writeln!(out, "{}", verdict_line(findings, style))
}

/// The report of a run over several accounts or regions.
pub(super) fn write_many(
    out: &mut dyn Write,
    audit: &Audit,
    events: &EventSet,
    style: Style,
) -> std::io::Result<()> {
    let regions = audit.targets().count();
    writeln!(
        out,
        "{} {} account(s), {regions} account-region(s), events {}",
        style.strong("vpcwatch check:"),
        audit.accounts.len(),
        audit.events
    )?;
    writeln!(out)?;
    writeln!(out, "{}", style.strong("ACCOUNT       REGION          VERDICT COVERED  TRAILS"))?;
    for account in &audit.accounts {
        write_account_rows(out, account, style)?;
    }
    for account in audit.accounts.iter().filter(|a| a.verdict != Verdict::Pass) {
        write_account_details(out, account, events, style)?;
    }
    write_exceptions(out, &audit.exceptions, style)?;
    writeln!(out)?;
    writeln!(out, "{}", run_verdict_line(audit, style))
}

fn write_account_rows(
    out: &mut dyn Write,
    account: &AccountFindings,
    style: Style,
) -> std::io::Result<()> {
    if account.error.is_some() {
        let label = style.unsure(&format!("{:<STATUS_WIDTH$}", "ERROR"));
        return writeln!(out, "{:<13} {:<15} {label}not audited", account.account_id, "-");
    }
    for findings in &account.regions {
        let label = verdict_label(findings.verdict, style);
        let covered = format!("{}/{}", findings.count(Status::Covered), findings.total());
        let trails = covering_trails(findings);
        let trails = if trails.is_empty() { "-".to_string() } else { escape(&trails.join(", ")) };
        writeln!(
            out,
            "{:<13} {:<15} {label}{covered:<9}{trails}",
            findings.account_id, findings.region
        )?;
    }
    Ok(())
}

fn verdict_label(verdict: Verdict, style: Style) -> String {
    match verdict {
        Verdict::Pass => style.good(&format!("{:<STATUS_WIDTH$}", "pass")),
        Verdict::Fail => style.bad(&format!("{:<STATUS_WIDTH$}", "FAIL")),
        Verdict::Error => style.unsure(&format!("{:<STATUS_WIDTH$}", "ERROR")),
    }
}

/// An account that did not pass: why it could not be audited, or each region that did
/// not pass with its open names grouped by reason.
fn write_account_details(
    out: &mut dyn Write,
    account: &AccountFindings,
    events: &EventSet,
    style: Style,
) -> std::io::Result<()> {
    if let Some(error) = &account.error {
        writeln!(out)?;
        writeln!(out, "{}", style.strong(&format!("{}: not audited", account.account_id)))?;
        return write_wrapped(out, "  ", &escape(error));
    }
    for findings in account.regions.iter().filter(|f| f.verdict != Verdict::Pass) {
        writeln!(out)?;
        let title = format!("{} {}: {}", findings.account_id, findings.region, {
            verdict_line(findings, Style::plain())
        });
        writeln!(out, "{}", style.strong(&title))?;
        write_wrapped(out, "  - ", &escape(&open_groups(&tally(findings, events))))?;
        for (status, reason, names) in by_reason(findings) {
            let what = status_words(status);
            let line = format!("{} {what}: {}: {}", names.len(), names.join(", "), reason);
            write_wrapped(out, "  - ", &escape(&line))?;
        }
        for error in &findings.errors {
            write_wrapped(out, "  - ", &escape(&format!("could not read: {error}")))?;
        }
    }
    Ok(())
}

/// The groups of a region that did not pass, with their verdicts, in one line.
fn open_groups(tallies: &[GroupTally]) -> String {
    let open: Vec<String> = tallies
        .iter()
        .filter(|t| t.verdict != Verdict::Pass)
        .map(|t| format!("{} {}", t.group.title, verdict_word(t.verdict)))
        .collect();
    format!("groups not passing: {}", open.join(", "))
}

/// `text` wrapped to the line width, the first line after `lead`, the rest under it.
fn write_wrapped(out: &mut dyn Write, lead: &str, text: &str) -> std::io::Result<()> {
    for (i, line) in wrap(text, LINE_WIDTH - lead.len()).iter().enumerate() {
        let lead = if i == 0 { lead.to_string() } else { " ".repeat(lead.len()) };
        writeln!(out, "{lead}{line}")?;
    }
    Ok(())
}

fn run_verdict_line(audit: &Audit, style: Style) -> String {
    let total = audit.accounts.len();
    let pass = audit.accounts_with(Verdict::Pass);
    let fail = audit.accounts_with(Verdict::Fail);
    let error = audit.accounts_with(Verdict::Error);
    let counts = format!("{pass} of {total} account(s) pass, {fail} fail, {error} undecided");
    match audit.verdict {
        Verdict::Pass => style.good(&format!("PASS: {counts}")),
        Verdict::Fail => style.bad(&format!("FAIL: {counts}")),
        Verdict::Error => style.unsure(&format!("ERROR: {counts}")),
    }
}

fn write_trails(out: &mut dyn Write, trails: &[TrailFinding], style: Style) -> std::io::Result<()> {
    writeln!(out)?;
    if trails.is_empty() {
        return writeln!(out, "{}", style.strong("No CloudTrail trail is visible in this region."));
    }
    writeln!(out, "{}", style.strong("Trails"))?;
    for trail in trails {
        writeln!(out, "  {} ({})", escape(&trail.name), trail_facts(trail))?;
        match &trail.log_group {
            Some(group) => writeln!(
                out,
                "    delivers to log group {} in {}, account {}",
                escape(&group.name),
                group.region,
                group.account_id
            )?,
            None => writeln!(out, "    does not deliver to CloudWatch Logs")?,
        }
    }
    Ok(())
}

fn trail_facts(trail: &TrailFinding) -> String {
    let mut facts =
        vec![if trail.multi_region { "multi-region" } else { "single-region" }.to_string()];
    facts.push(format!("home {}", trail.home_region));
    if trail.organization {
        facts.push("organization trail".into());
    }
    match trail.logging {
        Some(true) => facts.push("logging".into()),
        Some(false) => facts.push("NOT logging".into()),
        None => {}
    }
    facts.join(", ")
}

fn write_names(out: &mut dyn Write, names: &[NameFinding], style: Style) -> std::io::Result<()> {
    let mut previous: Option<(&NameFinding, String)> = None;
    for name in names {
        if previous.as_ref().is_none_or(|(p, _)| p.group != name.group) {
            writeln!(out)?;
            writeln!(out, "{}", style.strong(&escape(&name.group)))?;
        }
        let reason = described(name);
        let repeated =
            previous.as_ref().is_some_and(|(p, r)| p.status == name.status && *r == reason);
        write_name(out, name, if repeated { "as above" } else { &reason }, style)?;
        previous = Some((name, reason));
    }
    Ok(())
}

/// One name: status, name, and its reason wrapped under the reason column.
fn write_name(
    out: &mut dyn Write,
    name: &NameFinding,
    reason: &str,
    style: Style,
) -> std::io::Result<()> {
    let label = match name.status {
        Status::Covered => style.good(&format!("{:<STATUS_WIDTH$}", "ok")),
        Status::NotCovered => style.bad(&format!("{:<STATUS_WIDTH$}", "FAIL")),
        Status::Uncertain => style.unsure(&format!("{:<STATUS_WIDTH$}", "UNSURE")),
        Status::Excepted => style.unsure(&format!("{:<STATUS_WIDTH$}", "EXCEPT")),
    };
    write_row(out, &label, &name.name, &escape(reason))
}

/// The verdict of each group, with its counts: one verdict per CIS control with
/// `--events cis`. A name in two groups counts in each.
fn write_groups(out: &mut dyn Write, tallies: &[GroupTally], style: Style) -> std::io::Result<()> {
    writeln!(out)?;
    writeln!(out, "{}", style.strong("Groups"))?;
    for tally in tallies {
        let label = verdict_label(tally.verdict, style);
        write_row(out, &label, &escape(&tally.group.title), &group_counts(tally))?;
    }
    Ok(())
}

/// A row of a name or group: the label, the name, and `text` wrapped under the third
/// column; a name too long for its column puts the text on the next line.
fn write_row(out: &mut dyn Write, label: &str, name: &str, text: &str) -> std::io::Result<()> {
    let indent = 2 + STATUS_WIDTH + NAME_WIDTH;
    let lines = wrap(text, LINE_WIDTH - indent);
    let mut lines = lines.iter();
    let first = lines.next().map(String::as_str).unwrap_or("");
    if name.chars().count() < NAME_WIDTH {
        writeln!(out, "  {label}{name:<NAME_WIDTH$}{first}")?;
    } else {
        writeln!(out, "  {label}{name}")?;
        writeln!(out, "{:indent$}{first}", "")?;
    }
    for line in lines {
        writeln!(out, "{:indent$}{line}", "")?;
    }
    Ok(())
}

fn write_errors(out: &mut dyn Write, findings: &Findings) -> std::io::Result<()> {
    if findings.errors.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "Could not read:")?;
    for error in &findings.errors {
        for (i, line) in wrap(&escape(&error.to_string()), LINE_WIDTH - 4).iter().enumerate() {
            writeln!(out, "{}{line}", if i == 0 { "  - " } else { "    " })?;
        }
    }
    Ok(())
}

fn verdict_line(findings: &Findings, style: Style) -> String {
    let total = findings.total();
    let covered = findings.count(Status::Covered);
    let missing = findings.count(Status::NotCovered);
    let unsure = findings.count(Status::Uncertain);
    let excepted = match findings.count(Status::Excepted) {
        0 => String::new(),
        n => format!(", {n} excepted"),
    };
    match findings.verdict {
        Verdict::Pass if excepted.is_empty() => {
            style.good(&format!("PASS: all {total} names covered"))
        }
        Verdict::Pass => style.good(&format!("PASS: {covered} of {total} names covered{excepted}")),
        Verdict::Fail => {
            let mut line = format!(
                "FAIL: {covered} of {total} names covered, {missing} not covered{excepted}"
            );
            if unsure > 0 {
                line.push_str(&format!(", {unsure} undecided"));
            }
            style.bad(&line)
        }
        Verdict::Error => style.unsure(&format!(
            "ERROR: {covered} of {total} names covered{excepted}, {unsure} could not be decided"
        )),
    }
}

/// What became of each exception of the configuration file, in the order written.
fn write_exceptions(
    out: &mut dyn Write,
    exceptions: &[ExceptionOutcome],
    style: Style,
) -> std::io::Result<()> {
    if exceptions.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "{}", style.strong("Exceptions"))?;
    for outcome in exceptions {
        let word = format!("{:<EXCEPTION_WIDTH$}", state_word(outcome.state));
        let label = match outcome.state {
            ExceptionState::Applied => word,
            ExceptionState::Expired => style.bad(&word.to_uppercase()),
            ExceptionState::Unused => style.unsure(&word),
        };
        let lines = wrap(&escape(&exception_summary(outcome)), LINE_WIDTH - 2 - EXCEPTION_WIDTH);
        for (i, line) in lines.iter().enumerate() {
            let lead = if i == 0 { label.clone() } else { " ".repeat(EXCEPTION_WIDTH) };
            writeln!(out, "  {lead}{line}")?;
        }
    }
    Ok(())
}

/// Breaks `text` into lines of at most `width` characters at spaces; a word longer than
/// the width stands on a line of its own.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_lines_within_width() {
        let text = "filter VpcChanges covers it, but no alarm in us-east-1 watches metric CISBenchmark/VpcEventCount";
        let lines = wrap(text, 42);
        assert!(lines.iter().all(|l| l.chars().count() <= 42), "{lines:?}");
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn wrap_puts_an_overlong_word_alone() {
        assert_eq!(wrap("a verylongword b", 5), ["a", "verylongword", "b"]);
    }

    fn text_with_exceptions() -> String {
        let (audit, _) = crate::report::fixtures::with_exceptions();
        let mut out = Vec::new();
        let events = crate::events::EventSet::default_set();
        write(&mut out, audit.single().unwrap(), &events, &audit.exceptions, Style::plain())
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn an_excepted_name_keeps_its_reason_and_shows_the_exception() {
        let text = text_with_exceptions();
        assert!(
            text.contains(
                "  EXCEPT  CreateVpcPeeringConnection    filter VpcChanges does not match\n\
                 \x20                                       CreateVpcPeeringConnection; excepted\n\
                 \x20                                       until 2027-03-31: sandbox: peering\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("  FAIL    CreateNatGateway "),
            "an expired exception accepts nothing"
        );
        assert!(
            text.ends_with("\nFAIL: 26 of 30 names covered, 2 not covered, 2 excepted\n"),
            "{text}"
        );
        assert!(text.lines().all(|l| l.chars().count() <= LINE_WIDTH), "{text}");
    }

    #[test]
    fn the_exceptions_section_gives_each_state_before_the_verdict() {
        let text = text_with_exceptions();
        let section = &text[text.find("\nExceptions\n").expect("a section")..];
        let states: Vec<&str> = section
            .lines()
            .filter_map(|l| l.strip_prefix("  "))
            .filter(|l| !l.starts_with(' '))
            .map(|l| l.split_whitespace().next().unwrap())
            .collect();
        assert_eq!(states, ["applied", "EXPIRED", "unused"], "{section}");
        assert!(section.contains("expired after 2026-12-31, so its 2 gap(s) fail"), "{section}");
        assert!(
            section.contains("DeleteVpc (every account, region eu-west-1): in force"),
            "{section}"
        );
    }

    #[test]
    fn a_run_of_several_regions_lists_excepted_names_and_the_exceptions() {
        let (mut audit, _) = crate::report::fixtures::with_exceptions();
        let mut second = audit.accounts[0].regions[0].clone();
        second.region = "eu-west-1".into();
        audit.accounts[0].regions.push(second);
        let mut out = Vec::new();
        write_many(&mut out, &audit, &crate::events::EventSet::default_set(), Style::plain())
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("  - 1 excepted: CreateVpcPeeringConnection: filter VpcChanges does not"),
            "{text}"
        );
        assert!(text.contains("\nExceptions\n  applied  "), "{text}");
    }

    #[test]
    fn each_group_gets_a_verdict_line_and_a_shared_name_weighs_on_both_of_its_groups() {
        let (findings, events) = crate::report::fixtures::joined();
        let mut out = Vec::new();
        write(&mut out, &findings, &events, &[], Style::plain()).unwrap();
        let text = String::from_utf8(out).unwrap();
        let section = &text[text.find("\nGroups\n").expect("a section")..];
        let rows: Vec<&str> = section.lines().skip(2).take_while(|l| !l.is_empty()).collect();
        assert_eq!(rows.len(), 13, "{section}");
        assert_eq!(
            rows[0],
            "  FAIL    VPC                           1 of 2 covered, 1 not covered"
        );
        assert_eq!(rows[2], "  pass    security group                6 of 6 covered");
        assert_eq!(rows[8], "  ERROR   4.10 security group changes   6 of 7 covered, 1 undecided");
        assert_eq!(
            rows[12],
            "  FAIL    4.14 VPC changes              10 of 11 covered, 1 not covered"
        );
        assert!(
            text.ends_with("\nFAIL: 39 of 41 names covered, 1 not covered, 1 undecided\n"),
            "{text}"
        );
    }

    #[test]
    fn a_region_that_did_not_pass_names_its_groups_that_did_not_pass() {
        let (findings, events) = crate::report::fixtures::joined();
        let mut second = findings.clone();
        second.region = "eu-west-1".into();
        let account = AccountFindings::judged(findings.account_id.clone(), vec![findings, second]);
        let audit = Audit::new(events.name.clone(), vec![account]);
        let mut out = Vec::new();
        write_many(&mut out, &audit, &events, Style::plain()).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains(
                "\n  - groups not passing: VPC fail, 4.10 security group changes error, 4.14 VPC\n\
                 \x20   changes fail\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_group_title_too_long_for_its_column_puts_the_counts_under_it() {
        let mut events = crate::events::EventSet::default_set();
        events.groups.truncate(1);
        events.groups[0].title = "names/of-the-platform-team/extra.txt\u{1b}[2J".into();
        let (mut findings, _) = crate::report::fixtures::passing();
        findings.names.truncate(2);
        for name in &mut findings.names {
            name.group = events.groups[0].title.clone();
        }
        let tallies = crate::report::tally(&findings, &events);
        let mut out = Vec::new();
        write_groups(&mut out, &tallies, Style::plain()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\nGroups\n  pass    names/of-the-platform-team/extra.txt\\u{1b}[2J\n\
             \x20                                       2 of 2 covered\n"
        );
    }
}
