//! The filter patterns `fix` writes: exact `$.eventName` equality in the compact form
//! `{$.eventName=A||$.eventName=B}`, split into as few patterns as fit AWS's limit, each
//! verified with vpcwatch's own engine before it is sent.

use crate::coverage::{self, Coverage};
use crate::events::{EventSet, Group};
use crate::pattern;
use crate::records::RecordContext;

/// AWS rejects longer patterns (PutMetricFilter, `filterPattern`, 1,024 characters).
pub const MAX_PATTERN_LEN: usize = 1024;

const OPEN: &str = "{";
const CLOSE: &str = "}";
const TERM: &str = "$.eventName=";
const OR: &str = "||";

/// The compact pattern matching exactly `names`.
pub fn compact(names: &[String]) -> String {
    let terms: Vec<String> = names.iter().map(|n| format!("{TERM}{n}")).collect();
    format!("{OPEN}{}{CLOSE}", terms.join(OR))
}

/// `names` in order, cut into as few runs as fit one pattern each.
pub fn chunk(names: &[String]) -> Vec<Vec<String>> {
    let mut chunks: Vec<Vec<String>> = Vec::new();
    let mut length = 0;
    for name in names {
        let term = TERM.len() + name.len();
        let fits = chunks.last().is_some_and(|_| length + OR.len() + term <= MAX_PATTERN_LEN);
        if fits {
            length += OR.len() + term;
            chunks.last_mut().expect("a current chunk").push(name.clone());
        } else {
            length = OPEN.len() + CLOSE.len() + term;
            chunks.push(vec![name.clone()]);
        }
    }
    chunks
}

/// The names of a pattern in the compact form vpcwatch writes, or `None` when the text is
/// not in that form (someone edited it).
pub fn own_names(pattern: &str) -> Option<Vec<String>> {
    let inner = pattern.strip_prefix(OPEN)?.strip_suffix(CLOSE)?;
    inner
        .split(OR)
        .map(|term| term.strip_prefix(TERM).filter(|n| crate::events::is_event_name(n)))
        .map(|name| name.map(str::to_string))
        .collect()
}

/// Checks a pattern before it is sent: AWS would accept it, and it covers every one of
/// `names` for every caller type. The error says what is wrong.
pub fn verify(pattern: &str, names: &[String], ctx: &RecordContext) -> Result<(), String> {
    let analysis = pattern::analyze(pattern);
    if let Some(error) = analysis.errors.first() {
        return Err(format!("pattern {pattern:?} would be rejected: {}", error.message));
    }
    let parsed = analysis.pattern.ok_or("pattern did not parse")?;
    for (name, coverage) in coverage::cover(&parsed, &set_of(names), ctx) {
        if coverage != Coverage::Covered {
            let why = coverage.reason().unwrap_or_default();
            return Err(format!("pattern does not cover {name}: {why}"));
        }
    }
    Ok(())
}

/// One group holding `names`, to build their records.
fn set_of(names: &[String]) -> EventSet {
    let group = Group { id: "fix".into(), title: "fix".into(), names: names.to_vec() };
    EventSet { name: "fix".into(), groups: vec![group] }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_names() -> Vec<String> {
        EventSet::default_set().names().map(str::to_string).collect()
    }

    #[test]
    fn all_thirty_names_fit_one_pattern_of_990_characters() {
        let names = default_names();
        let chunks = chunk(&names);
        assert_eq!(chunks.len(), 1);
        assert_eq!(compact(&chunks[0]).len(), 990);
    }

    #[test]
    fn long_lists_split_under_the_limit_and_keep_every_name_once() {
        let names: Vec<String> = (0..120).map(|i| format!("CreateSomethingLong{i}")).collect();
        let chunks = chunk(&names);
        assert!(chunks.len() > 1);
        for c in &chunks {
            assert!(compact(c).len() <= MAX_PATTERN_LEN, "{}", compact(c).len());
        }
        assert_eq!(chunks.concat(), names);
        let first = compact(&chunks[0]).len();
        let next = TERM.len() + chunks[1][0].len() + OR.len();
        assert!(first + next > MAX_PATTERN_LEN, "the first chunk was not full");
    }

    #[test]
    fn own_patterns_read_back_and_others_do_not() {
        let names = vec!["CreateVpc".to_string(), "DeleteVpc".to_string()];
        assert_eq!(own_names(&compact(&names)), Some(names));
        assert_eq!(own_names("{ $.eventName = CreateVpc }"), None);
        assert_eq!(own_names("{$.eventName=Create*}"), None);
        assert_eq!(own_names("CreateVpc"), None);
    }

    #[test]
    fn generated_patterns_verify_for_every_caller() {
        let names = default_names();
        let ctx = RecordContext::example();
        assert_eq!(verify(&compact(&names), &names, &ctx), Ok(()));
    }

    #[test]
    fn verification_catches_a_missed_name_and_a_bad_pattern() {
        let ctx = RecordContext::example();
        let names = vec!["CreateVpc".to_string(), "DeleteVpc".to_string()];
        let narrow = compact(&names[..1]);
        assert!(verify(&narrow, &names, &ctx).unwrap_err().contains("DeleteVpc"));
        assert!(verify("{$.eventName=}", &names, &ctx).is_err());
    }
}
