//! Stage `pattern`: a cursor over the characters of a pattern text. Offsets are counted in
//! characters, as `PatternError::offset` promises, never in bytes.

use super::PatternError;

/// A read position in the characters of a pattern.
pub(crate) struct Cursor<'a> {
    chars: &'a [char],
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at `pos` in `chars`.
    pub(crate) fn new(chars: &'a [char], pos: usize) -> Self {
        Cursor { chars, pos }
    }

    /// The current offset in characters.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// The character under the cursor.
    pub(crate) fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    /// The character `n` places after the cursor.
    pub(crate) fn peek_nth(&self, n: usize) -> Option<char> {
        self.chars.get(self.pos + n).copied()
    }

    /// Moves past the current character and returns it.
    pub(crate) fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    /// True at the end of the text.
    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    /// Moves past `c` when it is under the cursor.
    pub(crate) fn eat(&mut self, c: char) -> bool {
        let hit = self.peek() == Some(c);
        if hit {
            self.pos += 1;
        }
        hit
    }

    /// True when the text at the cursor starts with `s`.
    pub(crate) fn looking_at(&self, s: &str) -> bool {
        (self.pos..).zip(s.chars()).all(|(at, c)| self.chars.get(at) == Some(&c))
    }

    /// Moves past `s` when the text at the cursor starts with it.
    pub(crate) fn eat_str(&mut self, s: &str) -> bool {
        let hit = self.looking_at(s);
        if hit {
            self.pos += s.chars().count();
        }
        hit
    }

    /// True when the text at the cursor starts with the keyword `word`, in any case,
    /// and the keyword is not the start of a longer word.
    pub(crate) fn looking_at_keyword(&self, word: &str) -> bool {
        let n = word.chars().count();
        let Some(slice) = self.chars.get(self.pos..self.pos + n) else {
            return false;
        };
        let same = slice.iter().zip(word.chars()).all(|(a, b)| a.eq_ignore_ascii_case(&b));
        let next = self.chars.get(self.pos + n);
        same && !next.is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
    }

    /// Moves past white space.
    pub(crate) fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// The characters from `start` to the cursor, as a string.
    pub(crate) fn text_from(&self, start: usize) -> String {
        self.chars[start..self.pos].iter().collect()
    }

    /// How an error message names what is under the cursor: `'x'` or the end.
    pub(crate) fn found(&self) -> String {
        match self.peek() {
            Some(c) => format!("'{c}'"),
            None => "the end of the pattern".to_string(),
        }
    }

    /// An error at the cursor.
    pub(crate) fn error(&self, message: impl Into<String>) -> PatternError {
        error_at(message, self.pos)
    }

    /// An error "expected X, found Y" at the cursor.
    pub(crate) fn expected(&self, what: &str) -> PatternError {
        self.error(format!("expected {what}, found {}", self.found()))
    }
}

/// An error at a given character offset.
pub(crate) fn error_at(message: impl Into<String>, offset: usize) -> PatternError {
    PatternError { message: message.into(), offset: Some(offset) }
}

impl Cursor<'_> {
    /// Moves past `word` written in any case.
    pub(crate) fn eat_str_any_case(&mut self, word: &str) -> bool {
        let n = word.chars().count();
        let hit = self
            .chars
            .get(self.pos..self.pos + n)
            .is_some_and(|s| s.iter().zip(word.chars()).all(|(a, b)| a.eq_ignore_ascii_case(&b)));
        if hit {
            self.pos += n;
        }
        hit
    }
}
