//! Stage `pattern`: the CloudWatch Logs filter-pattern language. Parses a pattern, checks
//! it against AWS's limits and evaluates it on one log message, with the semantics real
//! AWS shows (see the project's docs/filter-patterns.md).
//!
//! The stages inside: `cursor` walks the pattern's characters; `parse_json`, `term` and
//! `parse_delimited` build the `tree`, with `value` and `regex` for the values they share;
//! `limits` checks AWS's quotas; `eval_json`, `term` and `eval_delimited` evaluate, using
//! `json` to read messages, `compare` for values and `truth` for unverified cases;
//! `display` prints the canonical form.

mod compare;
mod cursor;
mod display;
mod eval_delimited;
mod eval_json;
mod json;
mod limits;
mod parse_delimited;
mod parse_json;
mod regex;
mod term;
mod tree;
mod truth;
mod value;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_aws_docs;
#[cfg(test)]
mod tests_pitfalls;
#[cfg(test)]
mod tests_props;

use std::fmt;

use serde::Serialize;

use cursor::Cursor;
use tree::{Body, Facts};
use truth::Truth;

pub use limits::{MAX_PATTERN_LENGTH, MAX_REGEXES, MAX_WILDCARD_SELECTORS};

/// The kind of a pattern, decided by its first non-blank character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The empty (or all-blank) pattern: matches every message.
    Empty,
    /// `{ ... }`: conditions on the fields of a JSON message.
    Json,
    /// Plain terms, quoted phrases, `-term`, `?term`, `%regex%`.
    Term,
    /// `[ ... ]`: fields of a space-delimited message.
    Delimited,
}

/// One reason AWS would reject a pattern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatternError {
    /// What is wrong and what was expected, lowercase, no trailing period.
    pub message: String,
    /// Offset in characters (not bytes) from the start of the pattern text, where known.
    pub offset: Option<usize>,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(offset) => write!(f, "{} (at character {offset})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for PatternError {}

/// A parsed pattern, ready to evaluate. `Display` prints a canonical form that parses
/// back to an equal pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    kind: Kind,
    body: Body,
}

/// Everything known about a pattern text: its kind, length, errors and, if it parsed,
/// the pattern itself (also when it breaks a limit such as the 1,024-character length).
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The kind, from the first non-blank character (also when parsing failed).
    pub kind: Kind,
    /// Length in characters, as AWS counts it against the 1,024 limit.
    pub length: usize,
    /// Every reason AWS would reject the text: one syntax error, or the broken limits.
    pub errors: Vec<PatternError>,
    /// The parsed pattern, when the syntax is right (even if a limit is broken).
    pub pattern: Option<Pattern>,
}

impl Analysis {
    /// True when AWS would accept the pattern.
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// The result of evaluating a pattern on one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The message matches; for delimited patterns, the extracted fields as AWS names
    /// them (`$name` or `$N`), in field order.
    Match(Vec<(String, String)>),
    /// The message does not match.
    NoMatch,
    /// The answer depends on behaviour real AWS has not shown (for example an internal
    /// `*` in a JSON string value); the reason says which.
    Undecided(String),
}

impl Outcome {
    /// True for `Match`.
    pub fn is_match(&self) -> bool {
        matches!(self, Outcome::Match(_))
    }

    fn from_truth(truth: Truth, extracted: Vec<(String, String)>) -> Outcome {
        match truth {
            Truth::True => Outcome::Match(extracted),
            Truth::False => Outcome::NoMatch,
            Truth::Unknown(reason) => Outcome::Undecided(reason),
        }
    }
}

/// Parses `text` and checks every AWS limit. Never panics.
pub fn analyze(text: &str) -> Analysis {
    let chars: Vec<char> = text.chars().collect();
    let kind = kind_of(&chars);
    let mut errors: Vec<PatternError> = limits::check_length(chars.len()).into_iter().collect();
    let mut facts = Facts::default();
    let pattern = match parse_body(&chars, kind, &mut facts) {
        Ok(body) => {
            errors.extend(limits::check_facts(kind, &facts));
            Some(Pattern { kind, body })
        }
        Err(error) => {
            errors.insert(0, error);
            None
        }
    };
    Analysis { kind, length: chars.len(), errors, pattern }
}

/// The kind of a pattern from its first non-blank character.
fn kind_of(chars: &[char]) -> Kind {
    match chars.iter().find(|c| !c.is_whitespace()) {
        None => Kind::Empty,
        Some('{') => Kind::Json,
        Some('[') => Kind::Delimited,
        Some(_) => Kind::Term,
    }
}

/// Parses the whole text as a pattern of `kind`.
fn parse_body(chars: &[char], kind: Kind, facts: &mut Facts) -> Result<Body, PatternError> {
    let mut cur = Cursor::new(chars, 0);
    cur.skip_ws();
    match kind {
        Kind::Empty => Ok(Body::Empty),
        Kind::Json => parse_json::parse_json(&mut cur, facts).map(Body::Json),
        Kind::Term => term::parse_terms(&mut cur, facts).map(Body::Term),
        Kind::Delimited => parse_delimited::parse_delimited(&mut cur, facts).map(Body::Delimited),
    }
}

impl Pattern {
    /// Parses `text`, returning the first error when AWS would reject it for its syntax
    /// or a limit.
    pub fn parse(text: &str) -> Result<Pattern, PatternError> {
        let analysis = analyze(text);
        match (analysis.pattern, analysis.errors.into_iter().next()) {
            (Some(pattern), None) => Ok(pattern),
            (_, Some(error)) => Err(error),
            (None, None) => {
                Err(PatternError { message: "pattern did not parse".into(), offset: None })
            }
        }
    }

    /// The kind of the pattern.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Evaluates the pattern on one log message (one line of text, JSON or not).
    pub fn evaluate(&self, message: &str) -> Outcome {
        self.evaluate_message(&Message::new(message))
    }

    /// Evaluates the pattern on a message already read; evaluating many patterns on
    /// the same messages reads each message once.
    pub fn evaluate_message(&self, message: &Message<'_>) -> Outcome {
        match &self.body {
            Body::Empty => Outcome::Match(Vec::new()),
            Body::Json(expr) => {
                let truth = eval_json::evaluate(expr, message.json.as_ref());
                Outcome::from_truth(truth, Vec::new())
            }
            Body::Term(terms) => {
                Outcome::from_truth(term::matches(terms, message.text).into(), Vec::new())
            }
            Body::Delimited(fields) => {
                let (truth, extracted) = eval_delimited::evaluate(fields, message.text);
                Outcome::from_truth(truth, extracted)
            }
        }
    }
}

/// A log message read once: its text, and its JSON tree when it is a JSON object.
#[derive(Debug, Clone)]
pub struct Message<'a> {
    text: &'a str,
    json: Option<json::JsonValue<'a>>,
}

impl<'a> Message<'a> {
    /// Reads `text`; JSON is parsed only when the message could be a JSON object.
    pub fn new(text: &'a str) -> Message<'a> {
        Message { text, json: eval_json::read(text) }
    }

    /// The message as given.
    pub fn text(&self) -> &'a str {
        self.text
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.body)
    }
}
