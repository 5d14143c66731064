//! Stage `pattern`: the parser for space-delimited patterns, `[ip, user, ..., status=4*]`.
//! A field is a name with optional conditions joined by `&&` (tighter) and `||`, `...`
//! for any number of message fields, or an empty slot.

use std::collections::HashSet;

use super::cursor::{error_at, Cursor};
use super::tree::{Facts, Field, FieldCond};
use super::value::{parse_op, parse_value};
use super::PatternError;

/// Parses a space-delimited pattern; the cursor is on the opening `[`.
pub(crate) fn parse_delimited(
    cur: &mut Cursor,
    facts: &mut Facts,
) -> Result<Vec<Field>, PatternError> {
    cur.bump();
    cur.skip_ws();
    let mut fields = Vec::new();
    let mut checks = FieldChecks::default();
    if !cur.eat(']') {
        loop {
            let start = cur.pos();
            let field = parse_field(cur, facts)?;
            checks.record(&field, start)?;
            fields.push(field);
            cur.skip_ws();
            if cur.eat(']') {
                break;
            }
            if !cur.eat(',') {
                return Err(cur.expected("',' or ']' after the field"));
            }
            cur.skip_ws();
        }
    }
    cur.skip_ws();
    if !cur.at_end() {
        return Err(cur.expected("nothing after the closing ']'"));
    }
    Ok(fields)
}

/// Catches what AWS rejects across fields: a repeated name, a second `...`.
#[derive(Default)]
struct FieldChecks {
    names: HashSet<String>,
    ellipsis: bool,
}

impl FieldChecks {
    fn record(&mut self, field: &Field, start: usize) -> Result<(), PatternError> {
        match field {
            Field::Ellipsis if self.ellipsis => {
                Err(error_at("a pattern may have only one '...'", start))
            }
            Field::Ellipsis => {
                self.ellipsis = true;
                Ok(())
            }
            Field::Named { name, .. } if !self.names.insert(name.clone()) => {
                Err(error_at(format!("duplicate field name '{name}'"), start))
            }
            _ => Ok(()),
        }
    }
}

/// One field: `...`, an empty slot, or a name with its conditions.
fn parse_field(cur: &mut Cursor, facts: &mut Facts) -> Result<Field, PatternError> {
    if cur.eat_str("...") {
        return Ok(Field::Ellipsis);
    }
    if matches!(cur.peek(), Some(',' | ']')) {
        return Ok(Field::Unnamed);
    }
    let name = parse_name(cur)?;
    cur.skip_ws();
    if matches!(cur.peek(), Some(',' | ']')) {
        return Ok(Field::Named { name, conditions: Vec::new() });
    }
    let conditions = parse_conditions(cur, facts, name.clone())?;
    Ok(Field::Named { name, conditions })
}

/// Conditions of one field, the first naming the field itself: an OR of ANDs.
fn parse_conditions(
    cur: &mut Cursor,
    facts: &mut Facts,
    first_name: String,
) -> Result<Vec<Vec<FieldCond>>, PatternError> {
    let mut any = vec![vec![parse_condition(cur, facts, first_name)?]];
    loop {
        cur.skip_ws();
        let joins_all = cur.eat_str("&&");
        if !joins_all && !cur.eat_str("||") {
            return Ok(any);
        }
        cur.skip_ws();
        let name = parse_name(cur)?;
        let cond = parse_condition(cur, facts, name)?;
        if joins_all {
            if let Some(all) = any.last_mut() {
                all.push(cond);
            }
        } else {
            any.push(vec![cond]);
        }
    }
}

/// `op value` after a field name.
fn parse_condition(
    cur: &mut Cursor,
    facts: &mut Facts,
    name: String,
) -> Result<FieldCond, PatternError> {
    cur.skip_ws();
    let op = parse_op(cur, "',', ']' or a comparison operator after the field name")?;
    let value = parse_value(cur, op, facts)?;
    Ok(FieldCond { name, op, value })
}

/// A field name: letters, digits and `_`.
fn parse_name(cur: &mut Cursor) -> Result<String, PatternError> {
    let start = cur.pos();
    while cur.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
        cur.bump();
    }
    if cur.pos() == start {
        return Err(cur.expected("a field name, '...' or ','"));
    }
    Ok(cur.text_from(start))
}
