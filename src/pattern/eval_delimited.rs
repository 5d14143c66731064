//! Stage `pattern`: evaluation of space-delimited patterns. Splits the message into
//! fields (runs of spaces or tabs separate them; `"..."` and `[...]` stay whole and lose
//! their quotes or brackets), lines the pattern's fields up with them and extracts the
//! values as `TestMetricFilter` names them: `$name` for named fields, `$N` (position in
//! the message, from 1) for the others.

use super::compare::{compare, Scalar};
use super::tree::{Field, FieldCond};
use super::truth::Truth;
use super::value::number_value;

/// One field of the message: where it starts and its value without quotes or brackets.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Word<'m> {
    start: usize,
    value: &'m str,
}

/// The result of a delimited pattern on one message: the truth and, when it holds, the
/// extracted values.
pub(crate) fn evaluate(fields: &[Field], message: &str) -> (Truth, Vec<(String, String)>) {
    let words = split(message);
    let Some(slots) = line_up(fields, &words, message) else {
        return (Truth::False, Vec::new());
    };
    let truth = Truth::all(slots.iter().map(field_truth));
    if truth != Truth::True {
        return (truth, Vec::new());
    }
    (truth, slots.into_iter().map(|slot| (extracted_name(&slot), slot.value)).collect())
}

/// A message field lined up with the pattern: the pattern field (none for words the
/// `...` covers), its position in the message (from 1) and its value.
struct Slot<'p> {
    field: Option<&'p Field>,
    position: usize,
    value: String,
}

/// Matches pattern fields to message words; none when there are too few words. Without
/// `...` the last field takes the rest of the line; fields after `...` line up from the
/// end; the words `...` covers are extracted by position.
fn line_up<'p>(fields: &'p [Field], words: &[Word], message: &str) -> Option<Vec<Slot<'p>>> {
    let ellipsis = fields.iter().position(|f| *f == Field::Ellipsis);
    let needed = fields.len() - usize::from(ellipsis.is_some());
    if words.len() < needed {
        return None;
    }
    let Some(e) = ellipsis else {
        return Some(line_up_from_start(fields, words, message));
    };
    let middle_end = words.len() - (fields.len() - e - 1);
    let slots = words.iter().enumerate().map(|(i, word)| {
        let field = if i < e {
            Some(&fields[i])
        } else if i >= middle_end {
            Some(&fields[e + 1 + i - middle_end])
        } else {
            None
        };
        Slot { field, position: i + 1, value: word.value.to_string() }
    });
    Some(slots.collect())
}

/// Lines up a pattern without `...`: one word a field, the last taking the rest.
fn line_up_from_start<'p>(fields: &'p [Field], words: &[Word], message: &str) -> Vec<Slot<'p>> {
    let last = fields.len().saturating_sub(1);
    let slot = |(i, field): (usize, &'p Field)| {
        let value =
            if i == last { rest_of_line(message, &words[i..]) } else { words[i].value.to_string() };
        Slot { field: Some(field), position: i + 1, value }
    };
    fields.iter().enumerate().map(slot).collect()
}

/// The text from the first of `words` to the end of the line, trailing blanks trimmed;
/// a single quoted or bracketed field loses its delimiters.
fn rest_of_line(message: &str, words: &[Word]) -> String {
    match words {
        [only] => only.value.to_string(),
        [first, ..] => message[first.start..].trim_end_matches([' ', '\t']).to_string(),
        [] => String::new(),
    }
}

/// Whether one pattern field accepts its message value.
fn field_truth(slot: &Slot) -> Truth {
    let Some(Field::Named { name, conditions }) = slot.field else {
        return Truth::True;
    };
    if conditions.is_empty() {
        return Truth::True;
    }
    Truth::any(
        conditions
            .iter()
            .map(|all| Truth::all(all.iter().map(|cond| condition_truth(name, cond, &slot.value)))),
    )
}

/// One condition on the field `own` with message value `value`. A condition naming
/// another field inside this slot is unverified AWS behaviour.
fn condition_truth(own: &str, cond: &FieldCond, value: &str) -> Truth {
    if cond.name != own {
        return Truth::Unknown(format!(
            "the condition on '{}' sits in the field '{own}'; real AWS has not shown which \
             field such a condition tests",
            cond.name
        ));
    }
    let scalar = match number_value(value) {
        Some(number) => Scalar::Number { text: value, value: number },
        None => Scalar::Text(value),
    };
    compare(cond.op, &cond.value, scalar)
}

/// The name `TestMetricFilter` gives an extracted value.
fn extracted_name(slot: &Slot) -> String {
    match slot.field {
        Some(Field::Named { name, .. }) => format!("${name}"),
        _ => format!("${}", slot.position),
    }
}

/// Splits a message into fields: runs of spaces or tabs separate them, and a field that
/// starts with `"` or `[` runs to the matching `"` or `]`.
fn split(message: &str) -> Vec<Word<'_>> {
    let bytes = message.as_bytes();
    let mut words = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if matches!(bytes[i], b' ' | b'\t') {
            i += 1;
            continue;
        }
        let (end, value) = word_at(message, i);
        words.push(Word { start: i, value });
        i = end;
    }
    words
}

/// The end of the field starting at byte `start` and its value.
fn word_at(message: &str, start: usize) -> (usize, &str) {
    let bytes = message.as_bytes();
    let close = match bytes[start] {
        b'"' => Some(b'"'),
        b'[' => Some(b']'),
        _ => None,
    };
    if let Some(close) = close {
        if let Some(len) = bytes[start + 1..].iter().position(|b| *b == close) {
            let end = start + 1 + len;
            if end + 1 == bytes.len() || matches!(bytes[end + 1], b' ' | b'\t') {
                return (end + 1, &message[start + 1..end]);
            }
        }
    }
    let len = bytes[start..].iter().position(|b| matches!(b, b' ' | b'\t'));
    let end = len.map_or(bytes.len(), |len| start + len);
    (end, &message[start..end])
}
