//! Stage `pattern`: the parser for JSON patterns, `{ selector op value && ... }`.
//! `&&` binds tighter than `||`; white space between tokens is optional.

use super::cursor::{error_at, Cursor};
use super::tree::{Condition, Facts, JsonExpr, Selector, Step, Test};
use super::value::{parse_op, parse_value};
use super::PatternError;

/// Deepest nesting of parentheses accepted, so parsing and evaluation stay shallow.
const MAX_GROUP_DEPTH: usize = 64;

/// Parses a JSON pattern; the cursor is on the opening `{`.
pub(crate) fn parse_json(cur: &mut Cursor, facts: &mut Facts) -> Result<JsonExpr, PatternError> {
    cur.bump();
    let mut parser = JsonParser { cur, facts, depth: 0 };
    let expr = parser.or()?;
    parser.cur.skip_ws();
    if !parser.cur.eat('}') {
        return Err(parser.cur.expected("'&&', '||' or the closing '}'"));
    }
    parser.cur.skip_ws();
    if !parser.cur.at_end() {
        return Err(parser.cur.expected("nothing after the closing '}'"));
    }
    Ok(expr)
}

/// State of one JSON pattern parse.
struct JsonParser<'c, 'a> {
    cur: &'c mut Cursor<'a>,
    facts: &'c mut Facts,
    depth: usize,
}

impl JsonParser<'_, '_> {
    /// `or = and { "||" and }`
    fn or(&mut self) -> Result<JsonExpr, PatternError> {
        let mut items = vec![self.and()?];
        while self.eat_operator("||")? {
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { JsonExpr::Or(items) })
    }

    /// `and = primary { "&&" primary }`
    fn and(&mut self) -> Result<JsonExpr, PatternError> {
        let mut items = vec![self.primary()?];
        while self.eat_operator("&&")? {
            items.push(self.primary()?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { JsonExpr::And(items) })
    }

    /// Moves past `op` (`&&` or `||`) after optional white space; a lone `&` or `|` is
    /// an error.
    fn eat_operator(&mut self, op: &str) -> Result<bool, PatternError> {
        self.cur.skip_ws();
        if self.cur.eat_str(op) {
            return Ok(true);
        }
        let first = op.chars().next();
        if self.cur.peek() == first && self.cur.peek_nth(1) != first {
            return Err(self.cur.error(format!("expected '{op}', found a single '{}'", &op[..1])));
        }
        Ok(false)
    }

    /// `primary = "(" or ")" | condition`
    fn primary(&mut self) -> Result<JsonExpr, PatternError> {
        self.cur.skip_ws();
        if self.cur.peek() == Some('$') {
            return self.condition().map(JsonExpr::Cond);
        }
        if self.cur.peek() != Some('(') {
            return Err(self.cur.expected("a selector starting with '$' or '('"));
        }
        if self.depth >= MAX_GROUP_DEPTH {
            return Err(self.cur.error("parentheses are nested too deeply"));
        }
        self.cur.bump();
        self.depth += 1;
        let inner = self.or()?;
        self.depth -= 1;
        self.cur.skip_ws();
        if !self.cur.eat(')') {
            return Err(self.cur.expected("'&&', '||' or ')'"));
        }
        Ok(JsonExpr::Group(Box::new(inner)))
    }

    /// `condition = selector ( op value | IS NULL | IS TRUE | IS FALSE | NOT EXISTS )`
    fn condition(&mut self) -> Result<Condition, PatternError> {
        let start = self.cur.pos();
        let selector = parse_selector(self.cur)?;
        let wildcards = selector.wildcard_count();
        if wildcards > 0 {
            self.facts.wildcard_selectors.push((start, wildcards));
        }
        self.cur.skip_ws();
        let test = self.test()?;
        self.expect_condition_end()?;
        Ok(Condition { selector, test })
    }

    /// The part of a condition after the selector.
    fn test(&mut self) -> Result<Test, PatternError> {
        if self.cur.looking_at_keyword("IS") {
            return self.is_test();
        }
        if self.cur.looking_at_keyword("NOT") {
            return self.not_exists_test();
        }
        if self.cur.looking_at_keyword("EXISTS") {
            return Err(self.cur.error("EXISTS is not a test; use NOT EXISTS or '= *'"));
        }
        let op = parse_op(self.cur, "a comparison operator after the selector")?;
        Ok(Test::Compare(op, parse_value(self.cur, op, self.facts)?))
    }

    /// `IS NULL`, `IS TRUE`, `IS FALSE`.
    fn is_test(&mut self) -> Result<Test, PatternError> {
        self.cur.eat_str_any_case("IS");
        self.cur.skip_ws();
        let test = [("NULL", Test::IsNull), ("TRUE", Test::IsTrue), ("FALSE", Test::IsFalse)]
            .into_iter()
            .find(|(word, _)| self.cur.looking_at_keyword(word));
        match test {
            Some((word, test)) => {
                self.cur.eat_str_any_case(word);
                Ok(test)
            }
            None => Err(self.cur.expected("NULL, TRUE or FALSE after IS")),
        }
    }

    /// `NOT EXISTS`.
    fn not_exists_test(&mut self) -> Result<Test, PatternError> {
        self.cur.eat_str_any_case("NOT");
        self.cur.skip_ws();
        if !self.cur.looking_at_keyword("EXISTS") {
            return Err(self.cur.expected("EXISTS after NOT"));
        }
        self.cur.eat_str_any_case("EXISTS");
        Ok(Test::NotExists)
    }

    /// After a condition only `&&`, `||`, `)` or `}` may follow.
    fn expect_condition_end(&mut self) -> Result<(), PatternError> {
        self.cur.skip_ws();
        match self.cur.peek() {
            Some('&' | '|' | ')' | '}') => Ok(()),
            _ => Err(self.cur.expected("'&&', '||', ')' or '}' after the condition")),
        }
    }
}

/// Parses `$` and its steps: `.name`, `.*`, `[n]`, `[*]`.
pub(crate) fn parse_selector(cur: &mut Cursor) -> Result<Selector, PatternError> {
    cur.bump();
    let mut steps = Vec::new();
    loop {
        match cur.peek() {
            Some('.') => steps.push(parse_dot_step(cur)?),
            Some('[') => steps.push(parse_bracket_step(cur)?),
            _ => return Ok(Selector { steps }),
        }
    }
}

/// `.name` or `.*`; the cursor is on the dot.
fn parse_dot_step(cur: &mut Cursor) -> Result<Step, PatternError> {
    cur.bump();
    if cur.eat('*') {
        return Ok(Step::AnyKey);
    }
    let start = cur.pos();
    while cur.peek().is_some_and(is_name_char) {
        cur.bump();
    }
    if cur.pos() == start {
        return Err(cur.expected("a property name or '*' after '.'"));
    }
    Ok(Step::Key(cur.text_from(start)))
}

/// `[n]` or `[*]`; the cursor is on the bracket.
fn parse_bracket_step(cur: &mut Cursor) -> Result<Step, PatternError> {
    cur.bump();
    let step = if cur.eat('*') {
        Step::AnyIndex
    } else {
        let start = cur.pos();
        while cur.peek().is_some_and(|c| c.is_ascii_digit()) {
            cur.bump();
        }
        if cur.pos() == start {
            return Err(cur.expected("an array index (digits) or '*' after '['"));
        }
        let index = cur
            .text_from(start)
            .parse()
            .map_err(|_| error_at("array index is too large", start))?;
        Step::Index(index)
    };
    if !cur.eat(']') {
        return Err(cur.expected("']' after the array index"));
    }
    Ok(step)
}

/// True for a character of a property name: letters, digits, `-` and `_`.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}
