//! Stage `pattern`: `%regex%` values. Checks the subset of regular expressions AWS accepts
//! (CloudWatch Logs User Guide, "Using regular expressions in filter patterns") and
//! compiles it with the `regex` crate at parse time.

use std::fmt;

use regex::{Regex, RegexBuilder};

use super::cursor::{error_at, Cursor};
use super::PatternError;

/// Symbols AWS allows in a regex besides letters and digits: the symbol characters
/// `: _ # = @ / ; , -` and the operators `^ $ ? [ ] { } | \ * + .`.
const ALLOWED_SYMBOLS: &str = ":_#=@/;,-^$?[]{}|\\*+.";

/// Letters allowed after `\`: the classes `\d \w \s` and their negations.
const CLASS_ESCAPES: &str = "dDwWsS";

/// Cap on the compiled program, so a hostile `a{1000}{1000}` fails instead of eating memory.
const SIZE_LIMIT: usize = 1 << 20;

/// A regex from a pattern: its source between the `%` marks and its compiled form.
#[derive(Clone)]
pub(crate) struct AwsRegex {
    source: String,
    compiled: Regex,
}

impl AwsRegex {
    /// True when the regex matches anywhere in `text` (it is anchored only by `^`/`$`).
    pub(crate) fn is_match(&self, text: &str) -> bool {
        self.compiled.is_match(text)
    }
}

impl PartialEq for AwsRegex {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl fmt::Debug for AwsRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "%{}%", self.source)
    }
}

impl fmt::Display for AwsRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "%{}%", self.source)
    }
}

/// Parses `%...%` at the cursor, which must be on the opening `%`.
pub(crate) fn parse_regex(cur: &mut Cursor) -> Result<AwsRegex, PatternError> {
    let start = cur.pos();
    cur.bump();
    let body = cur.pos();
    while cur.peek().is_some_and(|c| c != '%') {
        cur.bump();
    }
    let source = cur.text_from(body);
    if !cur.eat('%') {
        return Err(error_at("unclosed regular expression; expected a closing '%'", start));
    }
    compile(source, start)
}

/// Validates `source` (found at character offset `start`, the opening `%`) and compiles it.
fn compile(source: String, start: usize) -> Result<AwsRegex, PatternError> {
    if source.is_empty() {
        return Err(error_at("empty regular expression between '%' marks", start));
    }
    validate(&source, start + 1)?;
    let compiled = RegexBuilder::new(&translate(&source))
        .size_limit(SIZE_LIMIT)
        .dfa_size_limit(SIZE_LIMIT)
        .build()
        .map_err(|_| error_at(format!("invalid regular expression %{source}%"), start))?;
    Ok(AwsRegex { source, compiled })
}

/// Checks each character against the AWS subset; `first` is the offset of `source[0]`.
fn validate(source: &str, first: usize) -> Result<(), PatternError> {
    let chars: Vec<char> = source.chars().collect();
    let mut class_start = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        check_char(c, first + i)?;
        if c == '\\' {
            check_escape(chars.get(i + 1).copied(), first + i)?;
            i += 2;
            continue;
        }
        match c {
            '[' if class_start.is_none() => class_start = Some(first + i),
            ']' => class_start = None,
            _ => {}
        }
        i += 1;
    }
    match class_start {
        Some(at) => {
            Err(error_at("unclosed character class in regular expression; expected ']'", at))
        }
        None => Ok(()),
    }
}

/// Rejects a character AWS does not allow in a regex.
fn check_char(c: char, at: usize) -> Result<(), PatternError> {
    if c.is_ascii_alphanumeric() || ALLOWED_SYMBOLS.contains(c) {
        return Ok(());
    }
    let message = if !c.is_ascii() {
        format!("multi-byte character '{c}' is not allowed in a regular expression")
    } else if c == '(' || c == ')' {
        format!("'{c}' is not allowed in a regular expression (groups are not supported)")
    } else {
        format!("{} is not allowed in a regular expression", describe(c))
    };
    Err(error_at(message, at))
}

/// Names a character for an error message, spelling out the invisible ones.
fn describe(c: char) -> String {
    match c {
        ' ' => "a space".to_string(),
        '\t' => "a tab".to_string(),
        c if c.is_control() => format!("control character U+{:04X}", c as u32),
        c => format!("'{c}'"),
    }
}

/// Checks what follows a `\`: a class letter or an allowed symbol.
fn check_escape(next: Option<char>, at: usize) -> Result<(), PatternError> {
    match next {
        None => Err(error_at("expected a character after '\\' in regular expression", at)),
        Some(c) if c.is_ascii_alphanumeric() && !CLASS_ESCAPES.contains(c) => {
            Err(error_at(format!("unsupported escape '\\{c}' in regular expression"), at))
        }
        Some(c) => check_char(c, at + 1),
    }
}

/// Rewrites the few spots where the `regex` crate reads a class differently: inside
/// `[...]` a `[` is a literal and `--` is not a set difference.
fn translate(source: &str) -> String {
    let mut out = String::with_capacity(source.len() + 4);
    let mut in_class = false;
    let mut prev = '\0';
    let mut chars = source.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                out.extend(chars.next());
                prev = '\0';
                continue;
            }
            '[' if in_class => out.push_str("\\["),
            '-' if in_class && prev == '-' => out.push_str("\\-"),
            '[' => {
                in_class = true;
                out.push(c);
            }
            ']' => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
        prev = c;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<AwsRegex, PatternError> {
        let chars: Vec<char> = text.chars().collect();
        parse_regex(&mut Cursor::new(&chars, 0))
    }

    #[test]
    fn allowed_characters_compile() {
        for ok in [
            "%AUTHORIZED%",
            "%^CreateVpc$|^DeleteVpc$%",
            r"%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%",
            "%[Ee]rror|[Ff]ail%",
            r"%\w+@\w+%",
            "%a:b_c#d=e@f/g;h,i-j%",
            r"%\s\S\W\D%",
        ] {
            assert!(parse(ok).is_ok(), "{ok} should compile");
        }
    }

    #[test]
    fn groups_are_rejected_with_offset() {
        let err = parse("%^(Create|Delete)Vpc$%").unwrap_err();
        assert_eq!(err.offset, Some(2));
        assert!(err.message.contains("'('"), "{}", err.message);
    }

    #[test]
    fn bang_space_and_multibyte_are_rejected() {
        assert_eq!(parse("%a!b%").unwrap_err().offset, Some(2));
        assert_eq!(parse("%a b%").unwrap_err().offset, Some(2));
        let err = parse("%caf\u{e9}%").unwrap_err();
        assert!(err.message.contains("multi-byte"), "{}", err.message);
        assert_eq!(err.offset, Some(4));
    }

    #[test]
    fn unclosed_class_and_unclosed_regex_are_rejected() {
        assert_eq!(parse("%ab[cd%").unwrap_err().offset, Some(3));
        assert_eq!(parse("%abc").unwrap_err().offset, Some(0));
        assert!(parse("%%").is_err());
    }

    #[test]
    fn unsupported_escapes_are_rejected() {
        assert!(parse(r"%\p%").is_err());
        assert!(parse(r"%abc\%").is_err());
        assert!(parse(r"%\.\*\[%").is_ok());
    }

    #[test]
    fn regex_searches_anywhere_unless_anchored() {
        let re = parse("%Vpc%").unwrap();
        assert!(re.is_match("CreateVpcEndpoint"));
        let anchored = parse("%^CreateVpc$%").unwrap();
        assert!(!anchored.is_match("CreateVpcEndpoint"));
        assert!(anchored.is_match("CreateVpc"));
    }

    #[test]
    fn backslash_s_matches_a_newline() {
        assert!(parse(r"%a\sb%").unwrap().is_match("a\nb"));
    }

    #[test]
    fn bracket_inside_class_is_literal() {
        let re = parse("%[[]x%").unwrap();
        assert!(re.is_match("[x"));
    }

    #[test]
    fn huge_repetition_fails_instead_of_exhausting_memory() {
        assert!(parse("%a{1000}{1000}{1000}%").is_err());
    }

    #[test]
    fn equality_compares_the_source() {
        assert_eq!(parse("%abc%").unwrap(), parse("%abc%").unwrap());
        assert_ne!(parse("%abc%").unwrap(), parse("%abd%").unwrap());
    }
}
