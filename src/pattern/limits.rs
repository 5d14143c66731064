//! Stage `pattern`: the limits AWS puts on a pattern that parses: its length, the number
//! of regexes, and wildcards in selectors (CloudWatch Logs User Guide, filter pattern
//! syntax and quotas).

use super::cursor::error_at;
use super::tree::Facts;
use super::{Kind, PatternError};

/// Longest pattern AWS accepts, in characters (PutMetricFilter `filterPattern`).
pub const MAX_PATTERN_LENGTH: usize = 1024;

/// Most `%regex%` values one JSON or space-delimited pattern may hold.
pub const MAX_REGEXES: usize = 2;

/// Most wildcard selectors (`[*]`, `.*`) one JSON pattern may hold.
pub const MAX_WILDCARD_SELECTORS: usize = 3;

/// The error for a pattern longer than AWS accepts, if it is.
pub(crate) fn check_length(length: usize) -> Option<PatternError> {
    (length > MAX_PATTERN_LENGTH).then(|| {
        let message =
            format!("pattern is {length} characters long; the limit is {MAX_PATTERN_LENGTH}");
        error_at(message, MAX_PATTERN_LENGTH)
    })
}

/// The limit errors for a pattern of `kind` that parsed with `facts`.
pub(crate) fn check_facts(kind: Kind, facts: &Facts) -> Vec<PatternError> {
    let mut errors = Vec::new();
    if matches!(kind, Kind::Json | Kind::Delimited) {
        if let Some(at) = facts.regex_offsets.get(MAX_REGEXES) {
            let message = format!(
                "pattern has {} regular expressions; the limit is {MAX_REGEXES}",
                facts.regex_offsets.len()
            );
            errors.push(error_at(message, *at));
        }
    }
    for (at, count) in facts.wildcard_selectors.iter().filter(|(_, count)| *count > 1) {
        let message = format!("selector has {count} wildcards; the limit is one per selector");
        errors.push(error_at(message, *at));
    }
    if let Some((at, _)) = facts.wildcard_selectors.get(MAX_WILDCARD_SELECTORS) {
        let message = format!(
            "pattern has {} wildcard selectors; the limit is {MAX_WILDCARD_SELECTORS}",
            facts.wildcard_selectors.len()
        );
        errors.push(error_at(message, *at));
    }
    errors
}
