//! Stage `pattern`: the canonical text of a parsed pattern. It parses back to an equal
//! pattern: strings are always quoted, numbers keep their text, parentheses are kept.

use std::fmt::{self, Display, Formatter, Write};

use super::term::is_bare_safe;
use super::tree::{
    Body, Condition, Field, FieldCond, JsonExpr, Step, Term, TermMatcher, TermMode, Test, Value,
};
use super::value::quote;

impl Display for Body {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Body::Empty => Ok(()),
            Body::Json(expr) => write!(f, "{{ {expr} }}"),
            Body::Term(terms) => write_joined(f, terms, " "),
            Body::Delimited(fields) => {
                f.write_char('[')?;
                write_joined(f, fields, ", ")?;
                f.write_char(']')
            }
        }
    }
}

/// Writes `items` with `separator` between them.
fn write_joined<T: Display>(f: &mut Formatter<'_>, items: &[T], separator: &str) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

impl Display for JsonExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            JsonExpr::Or(items) => write_joined(f, items, " || "),
            JsonExpr::And(items) => write_joined(f, items, " && "),
            JsonExpr::Group(inner) => write!(f, "({inner})"),
            JsonExpr::Cond(cond) => write!(f, "{cond}"),
        }
    }
}

impl Display for Condition {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_char('$')?;
        for step in &self.selector.steps {
            match step {
                Step::Key(name) => write!(f, ".{name}")?,
                Step::Index(i) => write!(f, "[{i}]")?,
                Step::AnyIndex => f.write_str("[*]")?,
                Step::AnyKey => f.write_str(".*")?,
            }
        }
        match &self.test {
            Test::Compare(op, value) => write!(f, " {} {value}", op.symbol()),
            Test::IsNull => f.write_str(" IS NULL"),
            Test::IsTrue => f.write_str(" IS TRUE"),
            Test::IsFalse => f.write_str(" IS FALSE"),
            Test::NotExists => f.write_str(" NOT EXISTS"),
        }
    }
}

impl Display for Value {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(text) => f.write_str(&quote(text)),
            Value::Num(n) => f.write_str(&n.text),
            Value::Regex(re) => write!(f, "{re}"),
        }
    }
}

impl Display for Term {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.mode {
            TermMode::Required => {}
            TermMode::Excluded => f.write_char('-')?,
            TermMode::Optional => f.write_char('?')?,
        }
        match &self.matcher {
            TermMatcher::Text(text) if is_bare_safe(text) => f.write_str(text),
            TermMatcher::Text(text) => f.write_str(&quote(text)),
            TermMatcher::Regex(re) => write!(f, "{re}"),
        }
    }
}

impl Display for Field {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Field::Ellipsis => f.write_str("..."),
            Field::Unnamed => Ok(()),
            Field::Named { name, conditions } if conditions.is_empty() => f.write_str(name),
            Field::Named { conditions, .. } => {
                for (i, all) in conditions.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" || ")?;
                    }
                    write_joined(f, all, " && ")?;
                }
                Ok(())
            }
        }
    }
}

impl Display for FieldCond {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.name, self.op.symbol(), self.value)
    }
}
