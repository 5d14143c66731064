//! Stage `pattern`: evaluation of JSON patterns on one message, with the semantics real
//! AWS shows (see "What real AWS does where the documentation is vague" in the reference).

use super::compare::{compare, Scalar};
use super::json::{self, JsonValue};
use super::tree::{Condition, JsonExpr, Step, Test};
use super::truth::Truth;

/// Evaluates `expr` on a message read once as JSON (`None`: not JSON). A message that
/// is not a JSON object never matches, not even `NOT EXISTS`.
pub(crate) fn evaluate(expr: &JsonExpr, message: Option<&JsonValue<'_>>) -> Truth {
    match message {
        Some(root @ JsonValue::Object(_)) => eval_expr(expr, root),
        _ => Truth::False,
    }
}

/// Reads a message as JSON when it could be a JSON object.
pub(crate) fn read(message: &str) -> Option<JsonValue<'_>> {
    message.trim_start().starts_with('{').then(|| json::parse(message)).flatten()
}

fn eval_expr(expr: &JsonExpr, root: &JsonValue) -> Truth {
    match expr {
        JsonExpr::Or(items) => Truth::any(items.iter().map(|e| eval_expr(e, root))),
        JsonExpr::And(items) => Truth::all(items.iter().map(|e| eval_expr(e, root))),
        JsonExpr::Group(inner) => eval_expr(inner, root),
        JsonExpr::Cond(cond) => eval_condition(cond, root),
    }
}

/// A condition holds when any value its selector reaches satisfies the test (wildcards
/// reach several); `NOT EXISTS` holds when the selector reaches nothing.
fn eval_condition(cond: &Condition, root: &JsonValue) -> Truth {
    if cond.selector.wildcard_count() == 0 {
        return eval_single(cond, root);
    }
    let mut reached = Vec::new();
    resolve(&cond.selector.steps, root, &mut reached);
    match &cond.test {
        Test::NotExists => Truth::from(reached.is_empty()),
        test => Truth::any(reached.into_iter().map(|v| eval_test(test, v))),
    }
}

/// A condition whose selector has no wildcard: it reaches one value or none. The fast
/// path, as most conditions on CloudTrail records look like this.
fn eval_single(cond: &Condition, root: &JsonValue) -> Truth {
    let mut value = Some(root);
    for step in &cond.selector.steps {
        value = value.and_then(|v| match (step, v) {
            (Step::Key(key), _) => v.get(key),
            (Step::Index(i), JsonValue::Array(items)) => items.get(*i),
            _ => None,
        });
    }
    match (&cond.test, value) {
        (Test::NotExists, value) => Truth::from(value.is_none()),
        (_, None) => Truth::False,
        (test, Some(value)) => eval_test(test, value),
    }
}

/// Collects the values `steps` reach from `value`. A key on a non-object, an index on a
/// non-array or a missing member reaches nothing; `[*]` and `.*` go over the elements of
/// an array and the values of an object.
fn resolve<'v, 'a>(steps: &[Step], value: &'v JsonValue<'a>, out: &mut Vec<&'v JsonValue<'a>>) {
    let Some((step, rest)) = steps.split_first() else {
        out.push(value);
        return;
    };
    match (step, value) {
        (Step::Key(key), _) => value.get(key).into_iter().for_each(|v| resolve(rest, v, out)),
        (Step::Index(i), JsonValue::Array(items)) => {
            items.get(*i).into_iter().for_each(|v| resolve(rest, v, out))
        }
        (Step::Index(_), _) => {}
        (Step::AnyIndex | Step::AnyKey, _) => {
            value.children().into_iter().for_each(|v| resolve(rest, v, out))
        }
    }
}

/// One test on one reached value.
fn eval_test(test: &Test, value: &JsonValue) -> Truth {
    match test {
        Test::IsNull => Truth::from(is_null_like(value)),
        Test::IsTrue => Truth::from(*value == JsonValue::Bool(true)),
        Test::IsFalse => Truth::from(*value == JsonValue::Bool(false)),
        Test::NotExists => Truth::False,
        Test::Compare(op, pattern_value) => match scalar(value) {
            Some(s) => compare(*op, pattern_value, s),
            None => Truth::False,
        },
    }
}

/// `IS NULL` holds for null and, as real AWS shows, for an array that contains a null.
fn is_null_like(value: &JsonValue) -> bool {
    match value {
        JsonValue::Null => true,
        JsonValue::Array(items) => items.contains(&JsonValue::Null),
        _ => false,
    }
}

/// The string or number a comparison can use; none for null, booleans, arrays, objects.
fn scalar<'v>(value: &'v JsonValue) -> Option<Scalar<'v>> {
    match value {
        JsonValue::String(s) => Some(Scalar::Text(s)),
        JsonValue::Number(n) => Some(Scalar::Number { text: n.text, value: n.value }),
        _ => None,
    }
}
