//! `vpcwatch pattern`: explains what a filter pattern covers of an event set, or which of
//! the given log messages it matches. Offline: no AWS call.
//!
//! Every input is read before anything is written, so a bad input leaves stdout empty.
//! The JSON of message mode has the shape of the `logs:TestMetricFilter` response, so a
//! script can read either.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use anyhow::Context;
use serde::Serialize;

use crate::config::{Messages, OutputFormat, PatternConfig, Source};
use crate::coverage::{self, Coverage, Tally};
use crate::events::EventSet;
use crate::exit::Status;
use crate::pattern::{self, Analysis, Kind, Outcome, PatternError};
use crate::records::RecordContext;
use crate::term::{self, Style};

/// The most characters AWS accepts in a filter pattern (PutMetricFilter, filterPattern).
pub const MAX_PATTERN_LENGTH: usize = 1024;

/// How many characters of a pattern or message a text report shows on one line.
const SHOWN_WIDTH: usize = 100;

/// Runs the subcommand; the report goes to stdout.
pub fn run(config: &PatternConfig) -> anyhow::Result<Status> {
    let text = read_pattern(&config.pattern)?;
    let analysis = pattern::analyze(&text);
    tracing::debug!(kind = ?analysis.kind, length = analysis.length, "analyzed the pattern");
    let (report, status) = match &config.messages {
        None => coverage_mode(config, &text, &analysis)?,
        Some(messages) => message_mode(config.format, &text, &analysis, messages)?,
    };
    write_stdout(&report)?;
    Ok(status)
}

// ---- inputs ----

fn read_pattern(source: &Source) -> anyhow::Result<String> {
    match source {
        Source::Text(text) => Ok(text.clone()),
        Source::Stdin => {
            let text = read_stdin().context("read the pattern from standard input")?;
            Ok(strip_one_newline(text))
        }
    }
}

fn read_stdin() -> std::io::Result<String> {
    let mut text = String::new();
    std::io::stdin().lock().read_to_string(&mut text)?;
    Ok(text)
}

/// A pattern piped in ends with the shell's newline, which is not part of it.
fn strip_one_newline(mut text: String) -> String {
    if text.ends_with("\r\n") {
        text.truncate(text.len() - 2);
    } else if text.ends_with('\n') {
        text.truncate(text.len() - 1);
    }
    text
}

fn read_messages(messages: &Messages) -> anyhow::Result<Vec<String>> {
    let (text, from) = match messages {
        Messages::Inline(list) => return Ok(list.clone()),
        Messages::File(path) => (read_file(path)?, shown_path(path)),
        Messages::Stdin => (
            read_stdin().context("read log messages from standard input")?,
            "standard input".to_string(),
        ),
    };
    let list = split_messages(&text);
    if list.is_empty() {
        anyhow::bail!("read log messages from {from}: no message (one a line)");
    }
    Ok(list)
}

fn read_file(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path)
        .with_context(|| format!("read log messages from {}", shown_path(path)))
}

/// One message a line; empty lines are skipped, as a log event cannot be empty.
fn split_messages(text: &str) -> Vec<String> {
    text.lines().filter(|line| !line.is_empty()).map(str::to_string).collect()
}

fn shown_path(path: &Path) -> String {
    term::escape(&path.display().to_string())
}

fn write_stdout(report: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(report.as_bytes()).and_then(|()| stdout.flush()) {
        // The reader went away (`| head`): nothing left to tell it.
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("write the report to standard output"),
    }
}

// ---- coverage mode ----

/// The coverage report in JSON: one object, stable field names.
#[derive(Debug, Serialize)]
struct CoverageJson<'a> {
    valid: bool,
    kind: Kind,
    length: usize,
    errors: &'a [PatternError],
    covered: Vec<&'a str>,
    uncovered: Vec<&'a str>,
    uncertain: Vec<&'a str>,
    /// Why each name in `uncovered` or `uncertain` is there, by name.
    reasons: BTreeMap<&'a str, String>,
}

fn coverage_mode(
    config: &PatternConfig,
    text: &str,
    analysis: &Analysis,
) -> anyhow::Result<(String, Status)> {
    let set = EventSet::load(&config.events)?;
    let ctx = RecordContext::example();
    let coverage = analysis.pattern.as_ref().map(|p| coverage::cover(p, &set, &ctx));
    let status = coverage_status(analysis, coverage.as_deref());
    let report = match config.format {
        OutputFormat::Json => coverage_json(analysis, coverage.as_deref().unwrap_or_default()),
        OutputFormat::Text => {
            coverage_text(Style::for_stdout(), text, analysis, &set, coverage.as_deref())
        }
    };
    Ok((report, status))
}

fn coverage_status(analysis: &Analysis, coverage: Option<&[(String, Coverage)]>) -> Status {
    match coverage {
        Some(list) if analysis.is_valid() => {
            if Tally::of(list).is_complete() {
                Status::Pass
            } else {
                Status::Fail
            }
        }
        _ => Status::Error,
    }
}

fn coverage_json(analysis: &Analysis, coverage: &[(String, Coverage)]) -> String {
    let names_where = |keep: fn(&Coverage) -> bool| -> Vec<&str> {
        coverage.iter().filter(|(_, c)| keep(c)).map(|(n, _)| n.as_str()).collect()
    };
    let report = CoverageJson {
        valid: analysis.is_valid(),
        kind: analysis.kind,
        length: analysis.length,
        errors: &analysis.errors,
        covered: names_where(|c| matches!(c, Coverage::Covered)),
        uncovered: names_where(|c| matches!(c, Coverage::NotCovered { .. })),
        uncertain: names_where(|c| matches!(c, Coverage::Uncertain(_))),
        reasons: coverage.iter().filter_map(|(n, c)| Some((n.as_str(), c.reason()?))).collect(),
    };
    to_json_line(&report)
}

fn coverage_text(
    style: Style,
    text: &str,
    analysis: &Analysis,
    set: &EventSet,
    coverage: Option<&[(String, Coverage)]>,
) -> String {
    let mut out = analysis_text(style, text, analysis);
    let Some(coverage) = coverage else {
        out.push_str(&format!("\n{}\n", style.bad("no coverage: the pattern did not parse")));
        return out;
    };
    out.push_str(&format!("\nevents: {} ({} names)\n", term::escape(&set.name), set.len()));
    for group in &set.groups {
        out.push_str(&format!("\n{}\n", style.strong(&term::escape(&group.title))));
        for name in &group.names {
            if let Some((_, c)) = coverage.iter().find(|(n, _)| n == name) {
                out.push_str(&coverage_line(style, name, c));
            }
        }
    }
    out.push_str(&format!("\n{}\n", coverage_summary(style, &Tally::of(coverage))));
    out
}

fn coverage_line(style: Style, name: &str, coverage: &Coverage) -> String {
    let name = term::escape(name);
    let label = match coverage {
        Coverage::Covered => style.good("covered    "),
        Coverage::NotCovered { .. } => style.bad("not covered"),
        Coverage::Uncertain(_) => style.unsure("uncertain  "),
    };
    match coverage.reason() {
        Some(reason) => format!("  {label}  {name}: {}\n", term::escape(&reason)),
        None => format!("  {label}  {name}\n"),
    }
}

/// "28 of 30 covered, 2 not covered", with the uncertain ones when there are any.
fn coverage_summary(style: Style, tally: &Tally) -> String {
    let mut line = format!("{} of {} covered", tally.covered, tally.total());
    if tally.not_covered > 0 {
        line.push_str(&format!(", {} not covered", tally.not_covered));
    }
    if tally.uncertain > 0 {
        line.push_str(&format!(", {} uncertain", tally.uncertain));
    }
    if tally.is_complete() {
        style.good(&line)
    } else {
        style.bad(&line)
    }
}

// ---- the pattern itself ----

/// The kind and length of the pattern and, when AWS would reject it, each error with
/// the pattern line and a caret under the offending character.
fn analysis_text(style: Style, text: &str, analysis: &Analysis) -> String {
    let length =
        format!("length {} of {}", thousands(analysis.length), thousands(MAX_PATTERN_LENGTH));
    let length = if analysis.length > MAX_PATTERN_LENGTH { style.bad(&length) } else { length };
    let mut out = format!("{}, {length}\n", kind_text(analysis.kind));
    if analysis.is_valid() {
        return out;
    }
    out.push_str(&format!("{}\n", style.bad("invalid: AWS would reject this pattern")));
    for error in &analysis.errors {
        out.push_str(&format!("  error: {}\n", term::escape(&error.message)));
        if let Some(offset) = error.offset {
            let (line, caret) = caret_lines(text, offset);
            out.push_str(&format!("    {line}\n    {}\n", style.bad(&caret)));
        }
    }
    out
}

fn kind_text(kind: Kind) -> &'static str {
    match kind {
        Kind::Empty => "empty pattern (matches every message)",
        Kind::Json => "JSON pattern",
        Kind::Term => "term pattern",
        Kind::Delimited => "space-delimited pattern",
    }
}

/// The pattern (escaped, and cut to a window around the offset when long) and a line
/// with a caret under the character at `offset` (in characters; the end is allowed).
fn caret_lines(text: &str, offset: usize) -> (String, String) {
    let chars: Vec<char> = text.chars().collect();
    let offset = offset.min(chars.len());
    let start = if chars.len() <= SHOWN_WIDTH {
        0
    } else {
        offset.saturating_sub(SHOWN_WIDTH / 2).min(chars.len() - SHOWN_WIDTH)
    };
    let end = (start + SHOWN_WIDTH).min(chars.len());
    let slice = |from: usize, to: usize| term::escape(&chars[from..to].iter().collect::<String>());
    let before = if start > 0 { "…" } else { "" };
    let after = if end < chars.len() { "…" } else { "" };
    let line = format!("{before}{}{after}", slice(start, end));
    let column = before.chars().count() + slice(start, offset).chars().count();
    (line, format!("{}^", " ".repeat(column)))
}

/// 1024 as "1,024".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

// ---- message mode ----

/// The message report in JSON, shaped as the TestMetricFilter response.
#[derive(Debug, Serialize)]
struct MessagesJson<'a> {
    valid: bool,
    errors: &'a [PatternError],
    matches: Vec<MatchJson<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    undecided: Vec<UndecidedJson<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct MatchJson<'a> {
    event_number: usize,
    event_message: &'a str,
    extracted_values: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct UndecidedJson<'a> {
    event_number: usize,
    reason: &'a str,
}

fn message_mode(
    format: OutputFormat,
    text: &str,
    analysis: &Analysis,
    messages: &Messages,
) -> anyhow::Result<(String, Status)> {
    let messages = read_messages(messages)?;
    let outcomes: Option<Vec<Outcome>> = analysis
        .pattern
        .as_ref()
        .map(|p| messages.iter().map(|message| p.evaluate(message)).collect());
    let matched = outcomes.iter().flatten().filter(|o| matches!(o, Outcome::Match(_))).count();
    let status = match (&outcomes, analysis.is_valid()) {
        (Some(_), true) if matched > 0 => Status::Pass,
        (Some(_), true) => Status::Fail,
        _ => Status::Error,
    };
    let report = match format {
        OutputFormat::Json => messages_json(analysis, &messages, outcomes.as_deref()),
        OutputFormat::Text => {
            messages_text(Style::for_stdout(), text, analysis, &messages, outcomes.as_deref())
        }
    };
    Ok((report, status))
}

fn messages_json(analysis: &Analysis, messages: &[String], outcomes: Option<&[Outcome]>) -> String {
    let mut report = MessagesJson {
        valid: analysis.is_valid(),
        errors: &analysis.errors,
        matches: Vec::new(),
        undecided: Vec::new(),
    };
    let numbered = messages.iter().zip(outcomes.unwrap_or_default()).enumerate();
    for (index, (message, outcome)) in numbered {
        let event_number = index + 1;
        match outcome {
            Outcome::Match(fields) => report.matches.push(MatchJson {
                event_number,
                event_message: message,
                extracted_values: fields
                    .iter()
                    .map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
                    .collect(),
            }),
            Outcome::NoMatch => {}
            Outcome::Undecided(reason) => {
                report.undecided.push(UndecidedJson { event_number, reason })
            }
        }
    }
    to_json_line(&report)
}

fn messages_text(
    style: Style,
    text: &str,
    analysis: &Analysis,
    messages: &[String],
    outcomes: Option<&[Outcome]>,
) -> String {
    let mut out = analysis_text(style, text, analysis);
    let Some(outcomes) = outcomes else {
        out.push_str(&format!("\n{}\n", style.bad("no message tested: the pattern did not parse")));
        return out;
    };
    out.push('\n');
    let width = messages.len().to_string().len();
    for (index, (message, outcome)) in messages.iter().zip(outcomes).enumerate() {
        out.push_str(&message_lines(style, index + 1, width, message, outcome));
    }
    out.push_str(&format!("\n{}\n", messages_summary(style, outcomes)));
    out
}

fn message_lines(
    style: Style,
    number: usize,
    width: usize,
    message: &str,
    outcome: &Outcome,
) -> String {
    let shown = shown_message(message);
    let indent = " ".repeat(width + 4);
    match outcome {
        Outcome::Match(fields) => {
            let mut out = format!("{number:>width$}  {}  {shown}\n", style.good("matched    "));
            for (field, value) in fields {
                let (field, value) = (term::escape(field), term::escape(value));
                out.push_str(&format!("{indent}{field} = {value}\n"));
            }
            out
        }
        Outcome::NoMatch => format!("{number:>width$}  {}  {shown}\n", style.bad("not matched")),
        Outcome::Undecided(reason) => format!(
            "{number:>width$}  {}  {shown}\n{indent}why: {}\n",
            style.unsure("undecided  "),
            term::escape(reason)
        ),
    }
}

/// A message for a terminal: escaped and cut to one screen line.
fn shown_message(message: &str) -> String {
    let mut chars = message.chars();
    let head: String = chars.by_ref().take(SHOWN_WIDTH).collect();
    let more = if chars.next().is_some() { "…" } else { "" };
    format!("{}{more}", term::escape(&head))
}

/// "2 of 3 messages matched", with the undecided ones when there are any.
fn messages_summary(style: Style, outcomes: &[Outcome]) -> String {
    let count = |f: fn(&Outcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
    let matched = count(|o| matches!(o, Outcome::Match(_)));
    let undecided = count(|o| matches!(o, Outcome::Undecided(_)));
    let noun = if outcomes.len() == 1 { "message" } else { "messages" };
    let mut line = format!("{matched} of {} {noun} matched", outcomes.len());
    if undecided > 0 {
        line.push_str(&format!(", {undecided} undecided"));
    }
    if matched > 0 {
        style.good(&line)
    } else {
        style.bad(&line)
    }
}

fn to_json_line(value: &impl Serialize) -> String {
    let mut text =
        serde_json::to_string(value).expect("a report of strings and numbers serializes");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_trailing_newline_is_stripped() {
        assert_eq!(strip_one_newline("a\n".into()), "a");
        assert_eq!(strip_one_newline("a\r\n".into()), "a");
        assert_eq!(strip_one_newline("a\n\n".into()), "a\n");
        assert_eq!(strip_one_newline("a".into()), "a");
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(992), "992");
        assert_eq!(thousands(1024), "1,024");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn caret_points_at_the_offset() {
        let (line, caret) = caret_lines("{ $.a = }", 8);
        assert_eq!(line, "{ $.a = }");
        assert_eq!(caret, "        ^");
        let (_, caret) = caret_lines("ab", 2);
        assert_eq!(caret, "  ^");
    }

    #[test]
    fn caret_counts_escaped_characters() {
        let (line, caret) = caret_lines("a\u{1b}b", 2);
        assert_eq!(line, "a\\u{1b}b");
        assert_eq!(caret, "       ^");
    }

    #[test]
    fn caret_windows_a_long_pattern() {
        let text: String = "x".repeat(500) + "!" + &"y".repeat(500);
        let (line, caret) = caret_lines(&text, 500);
        assert!(line.starts_with('…') && line.ends_with('…'));
        assert_eq!(line.chars().nth(caret.len() - 1), Some('!'));
    }

    #[test]
    fn messages_split_on_lines_without_empty_ones() {
        assert_eq!(split_messages("a\r\n\nb c\n"), ["a", "b c"]);
        assert!(split_messages("\n\n").is_empty());
    }

    #[test]
    fn long_messages_are_cut_and_escaped() {
        assert_eq!(shown_message("a\nb"), "a\\u{a}b");
        let long = "z".repeat(150);
        assert_eq!(shown_message(&long).chars().count(), SHOWN_WIDTH + 1);
    }

    #[test]
    fn summaries_count_every_verdict() {
        let tally = Tally { covered: 28, not_covered: 2, uncertain: 0 };
        assert_eq!(coverage_summary(Style::plain(), &tally), "28 of 30 covered, 2 not covered");
        let all = Tally { covered: 30, not_covered: 0, uncertain: 0 };
        assert_eq!(coverage_summary(Style::plain(), &all), "30 of 30 covered");
        let outcomes = [Outcome::NoMatch, Outcome::Undecided("why".into())];
        assert_eq!(
            messages_summary(Style::plain(), &outcomes),
            "0 of 2 messages matched, 1 undecided"
        );
    }
}
