//! Stage `pattern`: how a pattern value compares with a text or number from a message,
//! shared by JSON and space-delimited evaluation: wildcards, numbers as written, regexes.

use super::tree::{Number, Op, Value};
use super::truth::Truth;

/// A value taken from a message: a string, or a number with its text as written.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scalar<'a> {
    Text(&'a str),
    Number { text: &'a str, value: f64 },
}

impl Scalar<'_> {
    fn text(&self) -> &str {
        match self {
            Scalar::Text(text) | Scalar::Number { text, .. } => text,
        }
    }
}

/// `scalar op value`. `!=` holds only where `=` is decided false; `< > <= >=` only for
/// numbers.
pub(crate) fn compare(op: Op, value: &Value, scalar: Scalar) -> Truth {
    match op {
        Op::Eq => equals(value, scalar),
        Op::Ne => equals(value, scalar).not(),
        _ => match (value, scalar) {
            (Value::Num(n), Scalar::Number { value: m, .. }) => {
                Truth::from(ordered(op, m, n.value))
            }
            _ => Truth::False,
        },
    }
}

/// `m op n` for the ordering operators.
fn ordered(op: Op, m: f64, n: f64) -> bool {
    match op {
        Op::Lt => m < n,
        Op::Gt => m > n,
        Op::Le => m <= n,
        Op::Ge => m >= n,
        Op::Eq => m == n,
        Op::Ne => m != n,
    }
}

/// `scalar = value`: a number literal compares numerically with numbers and by its text
/// with strings (`= 1` matches "1", not "1.0"); strings compare with a number's text.
fn equals(value: &Value, scalar: Scalar) -> Truth {
    match (value, scalar) {
        (Value::Num(n), Scalar::Number { value: m, .. }) => Truth::from(m == n.value),
        (Value::Num(Number { text, .. }), Scalar::Text(s)) => Truth::from(s == text),
        (Value::Str(pattern), scalar) => glob_match(pattern, scalar.text()),
        (Value::Regex(re), scalar) => Truth::from(re.is_match(scalar.text())),
    }
}

/// Matches `text` against a string value: `*` at the start or end is a wildcard. A `*`
/// inside is literal per the AWS guide but unverified, so when reading it as a wildcard
/// would change the answer the result is unknown.
pub(crate) fn glob_match(pattern: &str, text: &str) -> Truth {
    let (lead, rest) = match pattern.strip_prefix('*') {
        Some(rest) => (true, rest),
        None => (false, pattern),
    };
    let (trail, core) = match rest.strip_suffix('*') {
        Some(core) => (true, core),
        None => (false, rest),
    };
    let literal = edges_match(core, text, lead, trail);
    if !core.contains('*') || literal == wildcard_match(core, text, lead, trail) {
        return Truth::from(literal);
    }
    Truth::Unknown(format!(
        "the value \"{pattern}\" has a '*' inside it, and real AWS has not shown whether \
         that star is a wildcard or a literal"
    ))
}

/// `core` against `text`, open at the start when `lead` and at the end when `trail`.
fn edges_match(core: &str, text: &str, lead: bool, trail: bool) -> bool {
    match (lead, trail) {
        (false, false) => text == core,
        (true, false) => text.ends_with(core),
        (false, true) => text.starts_with(core),
        (true, true) => text.contains(core),
    }
}

/// Like `edges_match`, reading each `*` inside `core` as a wildcard too.
fn wildcard_match(core: &str, text: &str, lead: bool, trail: bool) -> bool {
    let parts: Vec<&str> = core.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if (!lead && !text.starts_with(first)) || (!trail && !text.ends_with(last)) {
        return false;
    }
    let start = if lead { 0 } else { first.len() };
    let end = if trail { text.len() } else { text.len() - last.len() };
    if start > end {
        return false;
    }
    let middle_parts = &parts[usize::from(!lead)..parts.len() - usize::from(!trail)];
    find_in_order(&text[start..end], middle_parts)
}

/// True when `parts` occur in `text` in order without overlapping.
fn find_in_order(text: &str, parts: &[&str]) -> bool {
    let mut rest = text;
    for part in parts {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_at_the_ends_are_wildcards() {
        assert_eq!(glob_match("Create*", "CreateVpc"), Truth::True);
        assert_eq!(glob_match("*Vpc", "CreateVpc"), Truth::True);
        assert_eq!(glob_match("*SecurityGroup*", "AuthorizeSecurityGroupIngress"), Truth::True);
        assert_eq!(glob_match("Create*", "DeleteVpc"), Truth::False);
        assert_eq!(glob_match("CreateVpc", "CreateVpcEndpoint"), Truth::False);
    }

    #[test]
    fn lone_star_matches_any_text_including_empty() {
        assert_eq!(glob_match("*", ""), Truth::True);
        assert_eq!(glob_match("*", "x"), Truth::True);
        assert_eq!(glob_match("**", "x"), Truth::True);
    }

    #[test]
    fn internal_star_is_unknown_only_when_it_decides() {
        assert!(matches!(glob_match("Create*Vpc", "CreateNatVpc"), Truth::Unknown(_)));
        assert_eq!(glob_match("Create*Vpc", "Create*Vpc"), Truth::True);
        assert_eq!(glob_match("Create*Vpc", "DeleteSubnet"), Truth::False);
    }

    #[test]
    fn wildcard_reading_does_not_overlap_the_ends() {
        assert!(!wildcard_match("ab*ba", "aba", false, false));
        assert!(wildcard_match("ab*ba", "abba", false, false));
        assert!(wildcard_match("a*b*c", "xxaZbZcxx", true, true));
    }

    #[test]
    fn number_literal_compares_numbers_by_value_and_strings_by_text() {
        let one = Value::Num(Number { text: "1".into(), value: 1.0 });
        let num = |text, value| Scalar::Number { text, value };
        assert_eq!(compare(Op::Eq, &one, num("1.0", 1.0)), Truth::True);
        assert_eq!(compare(Op::Eq, &one, num("1e0", 1.0)), Truth::True);
        assert_eq!(compare(Op::Eq, &one, Scalar::Text("1")), Truth::True);
        assert_eq!(compare(Op::Eq, &one, Scalar::Text("1.0")), Truth::False);
        assert_eq!(compare(Op::Gt, &one, Scalar::Text("10")), Truth::False);
        assert_eq!(compare(Op::Lt, &one, num("0.5", 0.5)), Truth::True);
    }

    #[test]
    fn string_literal_compares_with_the_number_text() {
        let quoted_one = Value::Str("1".into());
        let num = |text, value| Scalar::Number { text, value };
        assert_eq!(compare(Op::Eq, &quoted_one, num("1", 1.0)), Truth::True);
        assert_eq!(compare(Op::Eq, &quoted_one, num("1.0", 1.0)), Truth::False);
    }
}
