//! Stage `pattern`: the CloudWatch Logs filter-pattern language. Parses a pattern, checks
//! it against AWS's limits and evaluates it on one log message, with the semantics real
//! AWS shows (see the project's docs/filter-patterns.md).

use serde::Serialize;

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

/// A parsed pattern, ready to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    kind: Kind,
}

/// Everything known about a pattern text: its kind, length, errors and, if it parsed,
/// the pattern itself (also when it breaks a limit such as the 1,024-character length).
#[derive(Debug, Clone)]
pub struct Analysis {
    pub kind: Kind,
    /// Length in characters, as AWS counts it against the 1,024 limit.
    pub length: usize,
    pub errors: Vec<PatternError>,
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
    NoMatch,
    /// The answer depends on behaviour real AWS has not shown (for example an internal
    /// `*` in a JSON string value); the reason says which.
    Undecided(String),
}

/// Parses `text` and checks every AWS limit. Never panics.
pub fn analyze(text: &str) -> Analysis {
    todo!("pattern engine: {text}")
}

impl Pattern {
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Evaluates the pattern on one log message (one line of text, JSON or not).
    pub fn evaluate(&self, message: &str) -> Outcome {
        todo!("pattern engine: {message}")
    }
}
