//! Terminal output: colour only on a terminal and never with NO_COLOR set, and escaping
//! of strings read from an account before they reach a terminal.

use std::io::IsTerminal;

/// How to style text written to one stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    color: bool,
}

impl Style {
    /// Colour when stdout is a terminal and NO_COLOR is unset or empty
    /// (<https://no-color.org>).
    pub fn for_stdout() -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style { color: !no_color && std::io::stdout().is_terminal() }
    }

    /// Plain text, for files, pipes and tests.
    pub fn plain() -> Style {
        Style { color: false }
    }

    /// Green, for what passes.
    pub fn good(self, text: &str) -> String {
        self.paint("32", text)
    }

    /// Red, for what fails.
    pub fn bad(self, text: &str) -> String {
        self.paint("31", text)
    }

    /// Yellow, for what could not be decided.
    pub fn unsure(self, text: &str) -> String {
        self.paint("33", text)
    }

    /// Bold, for headings.
    pub fn strong(self, text: &str) -> String {
        self.paint("1", text)
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// Escapes a string from an untrusted source for a terminal: control characters, ANSI
/// escapes and bidirectional marks become visible `\u{..}` sequences; the rest is kept.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_unsafe_for_terminal(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Control characters and the Unicode format characters that reorder or hide text.
fn is_unsafe_for_terminal(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        || c == '\u{feff}'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_ansi_control_and_bidi() {
        assert_eq!(escape("a\x1b[31mb"), "a\\u{1b}[31mb");
        assert_eq!(escape("line\nbreak"), "line\\u{a}break");
        assert_eq!(escape("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(escape("CloudTrail/Default"), "CloudTrail/Default");
        assert_eq!(escape("café"), "café");
    }

    #[test]
    fn plain_style_adds_nothing() {
        let style = Style::plain();
        assert_eq!(style.good("ok"), "ok");
        assert_eq!(style.bad("no"), "no");
    }

    #[test]
    fn colour_wraps_in_sgr_codes() {
        let style = Style { color: true };
        assert_eq!(style.bad("no"), "\x1b[31mno\x1b[0m");
    }
}
