//! Stage `pattern`: the values on the right of a comparison, shared by JSON and
//! space-delimited patterns: quoted strings, unquoted words, numbers and `%regex%`.

use super::cursor::{error_at, Cursor};
use super::regex::parse_regex;
use super::tree::{Facts, Number, Op, Value};
use super::PatternError;

/// Symbols allowed in an unquoted value besides ASCII letters and digits. The AWS guide
/// says values with other characters (`@`, `$`, `\`, non-ASCII) must be quoted.
const UNQUOTED_SYMBOLS: &str = "_-.*:/+";

/// Characters that may follow an unquoted value: they belong to the surrounding grammar.
const VALUE_TERMINATORS: &str = "&|)}],";

/// Parses the value after `op` at the cursor (white space before it is skipped).
pub(crate) fn parse_value(
    cur: &mut Cursor,
    op: Op,
    facts: &mut Facts,
) -> Result<Value, PatternError> {
    cur.skip_ws();
    let start = cur.pos();
    let value = match cur.peek() {
        Some('"') => Value::Str(parse_quoted(cur)?),
        Some('%') => {
            facts.regex_offsets.push(start);
            Value::Regex(parse_regex(cur)?)
        }
        _ => parse_unquoted(cur, op)?,
    };
    check_fits_op(op, &value, start)?;
    Ok(value)
}

/// Parses a comparison operator at the cursor; `expected` names what the error wants.
pub(crate) fn parse_op(cur: &mut Cursor, expected: &str) -> Result<Op, PatternError> {
    if cur.looking_at("==") {
        return Err(cur.error("'==' is not an operator; use '='"));
    }
    for (text, op) in [("!=", Op::Ne), ("<=", Op::Le), (">=", Op::Ge)] {
        if cur.eat_str(text) {
            return Ok(op);
        }
    }
    for (c, op) in [('=', Op::Eq), ('<', Op::Lt), ('>', Op::Gt)] {
        if cur.eat(c) {
            return Ok(op);
        }
    }
    Err(cur.expected(expected))
}

/// Parses a `"..."` string at the cursor. `\"` and `\\` are escapes; any other
/// backslash is kept as written.
pub(crate) fn parse_quoted(cur: &mut Cursor) -> Result<String, PatternError> {
    let start = cur.pos();
    cur.bump();
    let mut text = String::new();
    loop {
        match cur.bump() {
            None => return Err(error_at("unclosed quoted string; expected a closing '\"'", start)),
            Some('"') => return Ok(text),
            Some('\\') if matches!(cur.peek(), Some('"' | '\\')) => text.extend(cur.bump()),
            Some(c) => text.push(c),
        }
    }
}

/// Writes `text` as a quoted string that `parse_quoted` reads back unchanged.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Parses an unquoted word: a number when it reads as one, else a string.
fn parse_unquoted(cur: &mut Cursor, op: Op) -> Result<Value, PatternError> {
    let start = cur.pos();
    while cur.peek().is_some_and(is_unquoted_char) {
        cur.bump();
    }
    if cur.pos() == start {
        return Err(cur.expected(&format!("a value after '{}'", op.symbol())));
    }
    if let Some(c) = cur.peek().filter(|c| !c.is_whitespace() && !VALUE_TERMINATORS.contains(*c)) {
        let message =
            format!("'{c}' cannot appear in an unquoted value; put the value in double quotes");
        return Err(cur.error(message));
    }
    let text = cur.text_from(start);
    if text == "null" {
        return Err(error_at("null is not a value; use IS NULL to test for null", start));
    }
    Ok(match number_value(&text) {
        Some(value) => Value::Num(Number { text, value }),
        None => Value::Str(text),
    })
}

/// True for a character that may stand in an unquoted value.
fn is_unquoted_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || UNQUOTED_SYMBOLS.contains(c)
}

/// Rejects a value the operator cannot take: `< > <= >=` need a number.
fn check_fits_op(op: Op, value: &Value, start: usize) -> Result<(), PatternError> {
    if op.is_ordering() && !matches!(value, Value::Num(_)) {
        let message = format!("expected a number after '{}', found a string", op.symbol());
        return Err(error_at(message, start));
    }
    Ok(())
}

/// The value of `text` when it is a number as the AWS guide defines one: an optional
/// sign, digits, optional decimals and an optional exponent (`+1000`, `55.5`, `10e-3`).
pub(crate) fn number_value(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    i = digits(b, i)?;
    if b.get(i) == Some(&b'.') {
        i = digits(b, i + 1)?;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        i += usize::from(matches!(b.get(i), Some(b'+' | b'-')));
        i = digits(b, i)?;
    }
    if i != b.len() {
        return None;
    }
    text.parse::<f64>().ok()
}

/// The index after a non-empty run of digits starting at `i`.
fn digits(b: &[u8], i: usize) -> Option<usize> {
    let n = b[i.min(b.len())..].iter().take_while(|c| c.is_ascii_digit()).count();
    (n > 0).then_some(i + n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, op: Op) -> Result<Value, PatternError> {
        let chars: Vec<char> = text.chars().collect();
        parse_value(&mut Cursor::new(&chars, 0), op, &mut Facts::default())
    }

    #[test]
    fn numbers_take_sign_decimals_and_exponent() {
        for (text, value) in [("1", 1.0), ("+1000", 1000.0), ("-2", -2.0), ("55.5", 55.5)] {
            assert_eq!(number_value(text), Some(value), "{text}");
        }
        assert_eq!(number_value("10e3"), Some(10e3));
        assert_eq!(number_value("10e-3"), Some(10e-3));
        for text in ["1.", ".5", "1e", "1.2.3", "abc", "", "+", "1x"] {
            assert_eq!(number_value(text), None, "{text}");
        }
    }

    #[test]
    fn unquoted_words_are_strings_and_numbers_are_numbers() {
        assert_eq!(parse("CreateVpc", Op::Eq).unwrap(), Value::Str("CreateVpc".into()));
        assert_eq!(parse("true", Op::Eq).unwrap(), Value::Str("true".into()));
        assert!(matches!(parse("1e0", Op::Eq).unwrap(), Value::Num(_)));
        assert_eq!(parse("\"1\"", Op::Eq).unwrap(), Value::Str("1".into()));
        assert_eq!(
            parse("ec2.amazonaws.com", Op::Eq).unwrap(),
            Value::Str("ec2.amazonaws.com".into())
        );
    }

    #[test]
    fn quoted_strings_keep_escaped_quotes() {
        assert_eq!(parse(r#""a\"b\\c\d""#, Op::Eq).unwrap(), Value::Str(r#"a"b\c\d"#.into()));
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
    }

    #[test]
    fn unquoted_null_is_rejected() {
        assert!(parse("null", Op::Eq).unwrap_err().message.contains("IS NULL"));
        assert_eq!(parse("\"null\"", Op::Eq).unwrap(), Value::Str("null".into()));
    }

    #[test]
    fn ordering_operators_need_a_number() {
        assert!(parse("abc", Op::Gt).is_err());
        assert!(parse("\"5\"", Op::Lt).is_err());
        assert!(parse("%5%", Op::Ge).is_err());
        assert!(parse("5", Op::Le).is_ok());
    }

    #[test]
    fn symbols_in_unquoted_values_need_quotes() {
        let err = parse("a@b", Op::Eq).unwrap_err();
        assert_eq!(err.offset, Some(1));
        assert!(parse("\"a@b\"", Op::Eq).is_ok());
    }

    #[test]
    fn missing_value_says_what_was_expected() {
        let err = parse("  )", Op::Eq).unwrap_err();
        assert_eq!(err.message, "expected a value after '=', found ')'");
        assert_eq!(err.offset, Some(2));
    }
}
