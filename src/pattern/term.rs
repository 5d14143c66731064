//! Stage `pattern`: term patterns (`ERROR`, `"a phrase"`, `-term`, `?term`, `%regex%`),
//! parsed and evaluated as case-sensitive searches over the raw message.

use super::cursor::{error_at, Cursor};
use super::regex::parse_regex;
use super::tree::{Facts, Term, TermMatcher, TermMode};
use super::value::parse_quoted;
use super::PatternError;

/// Parses a term pattern; the cursor is on its first non-blank character.
pub(crate) fn parse_terms(cur: &mut Cursor, facts: &mut Facts) -> Result<Vec<Term>, PatternError> {
    let mut terms = Vec::new();
    cur.skip_ws();
    while !cur.at_end() {
        terms.push(parse_term(cur, facts)?);
        cur.skip_ws();
    }
    Ok(terms)
}

/// One term with its optional `-` or `?` prefix.
fn parse_term(cur: &mut Cursor, facts: &mut Facts) -> Result<Term, PatternError> {
    let mode = match cur.peek() {
        Some('-') => TermMode::Excluded,
        Some('?') => TermMode::Optional,
        _ => TermMode::Required,
    };
    if mode != TermMode::Required {
        let prefix = cur.bump().unwrap_or('-');
        cur.skip_ws();
        if cur.at_end() {
            return Err(cur.expected(&format!("a term after '{prefix}'")));
        }
    }
    let start = cur.pos();
    let matcher = match cur.peek() {
        Some('"') => TermMatcher::Text(parse_quoted(cur)?),
        Some('%') => {
            facts.regex_offsets.push(start);
            TermMatcher::Regex(parse_regex(cur)?)
        }
        _ => TermMatcher::Text(parse_bare(cur)?),
    };
    if !cur.at_end() && !cur.peek().is_some_and(char::is_whitespace) {
        return Err(cur.expected("white space between terms"));
    }
    Ok(Term { mode, matcher })
}

/// A bare word up to the next white space. AWS rejects `*` in a term.
fn parse_bare(cur: &mut Cursor) -> Result<String, PatternError> {
    let start = cur.pos();
    while let Some(c) = cur.peek().filter(|c| !c.is_whitespace()) {
        match c {
            '*' => return Err(cur.error("'*' is not allowed in a term; wildcards work only in JSON and space-delimited patterns")),
            '"' => return Err(cur.error("'\"' inside a term; quote the whole phrase instead")),
            _ => cur.bump(),
        };
    }
    if cur.pos() == start {
        return Err(error_at("expected a term", start));
    }
    Ok(cur.text_from(start))
}

/// True when `message` satisfies the terms: every plain term present, every `-` term
/// absent; `?` terms count only when there is no plain or `-` term, and then one of
/// them must be present (real AWS ignores them otherwise).
pub(crate) fn matches(terms: &[Term], message: &str) -> bool {
    let strict = terms.iter().any(|t| t.mode != TermMode::Optional);
    if strict {
        return terms.iter().all(|t| match t.mode {
            TermMode::Required => found(&t.matcher, message),
            TermMode::Excluded => !found(&t.matcher, message),
            TermMode::Optional => true,
        });
    }
    terms.iter().any(|t| found(&t.matcher, message))
}

/// True when the term occurs in the message.
fn found(matcher: &TermMatcher, message: &str) -> bool {
    match matcher {
        TermMatcher::Text(text) => message.contains(text.as_str()),
        TermMatcher::Regex(re) => re.is_match(message),
    }
}

/// True when a term can be written without quotes and read back the same: letters,
/// digits and `_`, the characters the AWS guide allows unquoted.
pub(crate) fn is_bare_safe(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}
