//! The JUnit XML report of `check`, for the test reports of CI systems (GitLab's
//! `artifacts:reports:junit`, Jenkins, Azure Pipelines): one test suite per account and
//! region, one test case per watched name and group with the group's stable id as class
//! name (`route-table`, `4.13`), a failure for a name not covered, an error for one that
//! could not be decided and a skip for one whose gap an exception accepts. The cases of
//! one class are one group, so a CI system that groups cases by class shows a verdict per
//! group; the suite's properties give each group's verdict too (`group:4.13`). A name in
//! two groups (`--events default,cis`) is judged once and is a case in each of its
//! classes, with the same outcome. When the configuration file has exceptions, a last
//! suite has a case for each: passed when applied, skipped when expired or unused (they
//! do not fail the run by themselves).
//!
//! The XML is written by hand: the format is small, and every string from the account
//! goes through [`escape`], which also drops what XML 1.0 cannot carry at all.

use std::io::Write;

use super::{described, exception_summary, group_counts, tally, verdict_word};
use crate::chain::{Audit, ExceptionOutcome, ExceptionState, Findings, NameFinding, Status};
use crate::events::EventSet;

/// Writes the run as one `<testsuites>` document: a suite per account and region, and
/// one per account that could not be audited, holding a single errored case.
pub(super) fn write(out: &mut dyn Write, audit: &Audit, events: &EventSet) -> std::io::Result<()> {
    let cases = |status| audit.targets().flat_map(|f| &f.names).filter(move |n| n.status == status);
    let failed = audit.accounts.iter().filter(|a| a.error.is_some()).count();
    let total = audit.targets().map(|f| f.names.len()).sum::<usize>() + failed;
    let failures = cases(Status::NotCovered).count();
    let errors = cases(Status::Uncertain).count() + failed;
    let exceptions = &audit.exceptions;
    let skipped = cases(Status::Excepted).count() + unheeded(exceptions);
    let total = total + exceptions.len();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="vpcwatch check" tests="{total}" failures="{failures}" errors="{errors}" skipped="{skipped}">"#
    )?;
    for account in &audit.accounts {
        if let Some(error) = &account.error {
            write_failed_account(out, &account.account_id, error)?;
        }
        for findings in &account.regions {
            write_suite(out, findings, events)?;
        }
    }
    write_exceptions(out, exceptions)?;
    writeln!(out, "</testsuites>")
}

/// How many exceptions are expired or unused.
fn unheeded(exceptions: &[ExceptionOutcome]) -> usize {
    exceptions.iter().filter(|o| o.state != ExceptionState::Applied).count()
}

/// One case per exception, in the order written; skipped when expired or unused.
fn write_exceptions(out: &mut dyn Write, exceptions: &[ExceptionOutcome]) -> std::io::Result<()> {
    if exceptions.is_empty() {
        return Ok(());
    }
    let (total, skipped) = (exceptions.len(), unheeded(exceptions));
    writeln!(
        out,
        r#"  <testsuite name="exceptions" tests="{total}" failures="0" errors="0" skipped="{skipped}">"#
    )?;
    for outcome in exceptions {
        let name = escape(&outcome.exception.names.join(", "));
        let summary = escape(&exception_summary(outcome));
        writeln!(out, r#"    <testcase name="{name}" classname="exceptions">"#)?;
        match outcome.state {
            ExceptionState::Applied => writeln!(out, "      <system-out>{summary}</system-out>")?,
            ExceptionState::Expired | ExceptionState::Unused => {
                writeln!(out, r#"      <skipped message="{summary}"/>"#)?
            }
        }
        writeln!(out, "    </testcase>")?;
    }
    writeln!(out, "  </testsuite>")
}

fn write_suite(out: &mut dyn Write, findings: &Findings, events: &EventSet) -> std::io::Result<()> {
    let total = findings.names.len();
    let cases = |status| findings.names.iter().filter(|n| n.status == status).count();
    let (failures, errors) = (cases(Status::NotCovered), cases(Status::Uncertain));
    let skipped = cases(Status::Excepted);
    let suite = format!("{}/{}", findings.account_id, findings.region);
    writeln!(
        out,
        r#"  <testsuite name="{}" tests="{total}" failures="{failures}" errors="{errors}" skipped="{skipped}">"#,
        escape(&suite)
    )?;
    write_properties(out, findings, events)?;
    for name in &findings.names {
        write_case(out, name, class_name(events, name))?;
    }
    write_read_errors(out, findings)?;
    writeln!(out, "  </testsuite>")
}

fn write_failed_account(out: &mut dyn Write, account: &str, error: &str) -> std::io::Result<()> {
    let (account, error) = (escape(account), escape(error));
    writeln!(
        out,
        r#"  <testsuite name="{account}" tests="1" failures="0" errors="1" skipped="0">"#
    )?;
    writeln!(out, r#"    <testcase name="audit" classname="{account}">"#)?;
    writeln!(out, r#"      <error message="{error}" type="not_audited">{error}</error>"#)?;
    writeln!(out, "    </testcase>")?;
    writeln!(out, "  </testsuite>")
}

/// The account, region, event set and verdict of a suite, then each group's verdict
/// with its counts (`group:route-table` = `fail: 4 of 5 covered, 1 not covered`).
fn write_properties(
    out: &mut dyn Write,
    findings: &Findings,
    events: &EventSet,
) -> std::io::Result<()> {
    let mut properties = vec![
        ("account_id".to_string(), findings.account_id.clone()),
        ("region".to_string(), findings.region.clone()),
        ("events".to_string(), findings.events.clone()),
        ("verdict".to_string(), verdict_word(findings.verdict).to_string()),
    ];
    for tally in tally(findings, events) {
        let verdict = format!("{}: {}", verdict_word(tally.verdict), group_counts(&tally));
        properties.push((format!("group:{}", tally.group.id), verdict));
    }
    writeln!(out, "    <properties>")?;
    for (name, value) in properties {
        writeln!(out, r#"      <property name="{}" value="{}"/>"#, escape(&name), escape(&value))?;
    }
    writeln!(out, "    </properties>")
}

/// The class of a name's case: the stable id of its group, which findings name by title.
fn class_name<'a>(events: &'a EventSet, name: &'a NameFinding) -> &'a str {
    let group = events.groups.iter().find(|g| g.title == name.group);
    group.map_or(name.group.as_str(), |g| g.id.as_str())
}

fn write_case(out: &mut dyn Write, name: &NameFinding, class: &str) -> std::io::Result<()> {
    let open =
        format!(r#"    <testcase name="{}" classname="{}""#, escape(&name.name), escape(class));
    let (element, kind) = match name.status {
        Status::Covered => return writeln!(out, "{open}/>"),
        Status::NotCovered => ("failure", "not_covered"),
        Status::Uncertain => ("error", "uncertain"),
        Status::Excepted => {
            writeln!(out, "{open}>")?;
            writeln!(out, r#"      <skipped message="{}"/>"#, escape(&described(name)))?;
            return writeln!(out, "    </testcase>");
        }
    };
    let reason = escape(&name.reason);
    writeln!(out, "{open}>")?;
    writeln!(out, r#"      <{element} message="{reason}" type="{kind}">{reason}</{element}>"#)?;
    writeln!(out, "    </testcase>")
}

/// Reads that failed, once each, where CI systems show a suite's own output.
fn write_read_errors(out: &mut dyn Write, findings: &Findings) -> std::io::Result<()> {
    if findings.errors.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = findings
        .errors
        .iter()
        .map(|e| format!("could not read: {}", escape(&e.to_string())))
        .collect();
    writeln!(out, "    <system-err>{}</system-err>", lines.join("&#10;"))
}

/// Escapes text for an XML attribute or element: the five markup characters become
/// entities, tab and line breaks character references (so attributes keep them), and
/// the characters XML 1.0 forbids (other C0 controls, U+FFFE, U+FFFF) a visible
/// `\u{..}` sequence.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if is_forbidden_in_xml(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

/// Outside the `Char` production of XML 1.0 (§2.2), or a C1 control it discourages.
fn is_forbidden_in_xml(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::AccountFindings;
    use crate::report::fixtures;

    fn junit(fixture: fn() -> (Findings, crate::events::EventSet)) -> String {
        let (findings, events) = fixture();
        let account = AccountFindings::judged(findings.account_id.clone(), vec![findings]);
        let mut out = Vec::new();
        write(&mut out, &Audit::new("default".into(), vec![account]), &events).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn an_account_not_audited_is_a_suite_with_one_error() {
        let (findings, events) = fixtures::passing();
        let audit = Audit::new(
            "default".into(),
            vec![
                AccountFindings::judged("123456789012".into(), vec![findings]),
                AccountFindings::failed("210987654321".into(), "role <denied>".into()),
            ],
        );
        let mut out = Vec::new();
        write(&mut out, &audit, &events).unwrap();
        let xml = String::from_utf8(out).unwrap();
        assert!(
            xml.contains(r#"<testsuites name="vpcwatch check" tests="31" failures="0" errors="1""#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<error message="role &lt;denied&gt;" type="not_audited">"#),
            "{xml}"
        );
    }

    #[test]
    fn escape_handles_markup_line_breaks_and_forbidden_characters() {
        assert_eq!(escape(r#"a<b>&"c'"#), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(escape("x\ny\tz"), "x&#10;y&#9;z");
        assert_eq!(escape("\u{1b}[31m\u{0}"), "\\u{1b}[31m\\u{0}");
        assert_eq!(escape("Größe ☃"), "Größe ☃");
    }

    #[test]
    fn a_passing_account_has_30_cases_and_no_failure() {
        let xml = junit(fixtures::passing);
        assert!(
            xml.contains(
                r#"<testsuite name="123456789012/us-east-1" tests="30" failures="0" errors="0""#
            ),
            "{xml}"
        );
        assert_eq!(xml.matches("<testcase ").count(), 30);
        assert!(xml.contains(r#"<testcase name="CreateVpc" classname="vpc"/>"#), "{xml}");
    }

    #[test]
    fn a_missed_name_fails_with_its_reason_escaped() {
        let xml = junit(fixtures::failing);
        assert!(xml.contains(r#"tests="30" failures="1" errors="1""#), "{xml}");
        assert!(xml.contains(r#"<failure message="filter Vpc|&lt;Changes&gt;&amp;&quot;it&apos;s&quot;*_[x](y)\u{1b}[31m does not match DeleteVpc" type="not_covered">"#), "{xml}");
        assert!(xml.contains(r#"<error message="alarm Math reads"#), "{xml}");
        assert!(!xml.contains('\u{1b}'));
    }

    #[test]
    fn read_errors_go_to_system_err() {
        let xml = junit(fixtures::erroring);
        assert!(xml.contains(r#"failures="0" errors="2""#), "{xml}");
        assert!(xml.contains("<system-err>could not read: cloudwatch:DescribeAlarms for alarms in us-east-1: access denied"), "{xml}");
    }

    #[test]
    fn excepted_names_are_skipped_and_exceptions_have_a_suite() {
        let (audit, events) = fixtures::with_exceptions();
        let mut out = Vec::new();
        write(&mut out, &audit, &events).unwrap();
        let xml = String::from_utf8(out).unwrap();
        assert!(
            xml.contains(r#"<testsuites name="vpcwatch check" tests="33" failures="2" errors="0" skipped="4">"#),
            "{xml}"
        );
        assert!(xml.contains(r#"tests="30" failures="2" errors="0" skipped="2">"#), "{xml}");
        assert!(
            xml.contains(r#"<testcase name="CreateVpcPeeringConnection" classname="vpc-peering">
      <skipped message="filter VpcChanges does not match CreateVpcPeeringConnection; excepted until 2027-03-31: sandbox: peering &lt;blocked&gt; by SCP"/>"#),
            "{xml}"
        );
        assert!(
            xml.contains(
                r#"<testsuite name="exceptions" tests="3" failures="0" errors="0" skipped="2">"#
            ),
            "{xml}"
        );
        assert!(
            xml.contains(
                r#"<skipped message="DeleteVpc (every account, region eu-west-1): in force"#
            ),
            "{xml}"
        );
    }

    #[test]
    fn cases_are_classed_by_group_and_the_suite_gives_each_group_its_verdict() {
        let xml = junit(fixtures::joined);
        assert!(xml.contains(r#"tests="67" failures="2" errors="1" skipped="0">"#), "{xml}");
        let create_vpc: Vec<&str> =
            xml.lines().filter(|l| l.contains(r#"<testcase name="CreateVpc" "#)).collect();
        assert_eq!(
            create_vpc,
            [
                r#"    <testcase name="CreateVpc" classname="vpc">"#,
                r#"    <testcase name="CreateVpc" classname="4.14">"#,
            ],
            "a case in each group, the same outcome"
        );
        assert!(
            xml.contains(
                r#"<property name="group:vpc" value="fail: 1 of 2 covered, 1 not covered"/>"#
            ),
            "{xml}"
        );
        assert!(
            xml.contains(
                r#"<property name="group:4.10" value="error: 6 of 7 covered, 1 undecided"/>"#
            ),
            "{xml}"
        );
        assert!(xml.contains(r#"<property name="group:4.13" value="pass: 7 of 7 covered"/>"#));
        assert_eq!(xml.matches(r#"<property name="group:"#).count(), 13);
    }
}
