//! Stage `pattern`: the parsed form of a filter pattern. Equality compares meaning as
//! written (regexes by their source text), so a pattern printed with `Display` and parsed
//! again is equal to the original.

use super::regex::AwsRegex;

/// What a pattern is made of, one variant per kind.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Body {
    Empty,
    Json(JsonExpr),
    Term(Vec<Term>),
    Delimited(Vec<Field>),
}

/// A JSON pattern expression. `Or` and `And` hold at least two operands; `Group` keeps
/// the parentheses the author wrote.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum JsonExpr {
    Or(Vec<JsonExpr>),
    And(Vec<JsonExpr>),
    Group(Box<JsonExpr>),
    Cond(Condition),
}

/// One `selector test` condition of a JSON pattern.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    pub(crate) selector: Selector,
    pub(crate) test: Test,
}

/// A `$...` selector: the steps from the root of the message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Selector {
    pub(crate) steps: Vec<Step>,
}

impl Selector {
    /// How many wildcard steps (`[*]`, `.*`) the selector has.
    pub(crate) fn wildcard_count(&self) -> usize {
        self.steps.iter().filter(|s| matches!(s, Step::AnyIndex | Step::AnyKey)).count()
    }
}

/// One step of a selector.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    /// `.name`
    Key(String),
    /// `[n]`
    Index(usize),
    /// `[*]`
    AnyIndex,
    /// `.*`
    AnyKey,
}

/// What a condition checks on the selected value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Test {
    Compare(Op, Value),
    IsNull,
    IsTrue,
    IsFalse,
    NotExists,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

impl Op {
    /// The operator as written in a pattern.
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Gt => ">",
            Op::Le => "<=",
            Op::Ge => ">=",
        }
    }

    /// True for `< > <= >=`, which take only numbers.
    pub(crate) fn is_ordering(self) -> bool {
        matches!(self, Op::Lt | Op::Gt | Op::Le | Op::Ge)
    }
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// A string, quoted or not; `*` at either end is a wildcard.
    Str(String),
    /// An unquoted number.
    Num(Number),
    /// `%regex%`
    Regex(AwsRegex),
}

/// A number as written in the pattern, with its value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Number {
    pub(crate) text: String,
    pub(crate) value: f64,
}

/// How a term takes part in a term pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TermMode {
    /// A plain term: must be present.
    Required,
    /// `-term`: must be absent.
    Excluded,
    /// `?term`: one of the optional terms must be present.
    Optional,
}

/// One term of a term pattern.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Term {
    pub(crate) mode: TermMode,
    pub(crate) matcher: TermMatcher,
}

/// What a term looks for in the message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TermMatcher {
    /// A word or quoted phrase, found as a case-sensitive substring.
    Text(String),
    /// `%regex%`, searched anywhere in the message.
    Regex(AwsRegex),
}

/// One field of a space-delimited pattern.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Field {
    /// `...`: any number of message fields.
    Ellipsis,
    /// An empty slot (`[a, , b]` or a trailing comma): one field, no name.
    Unnamed,
    /// `name` with optional conditions: an OR of ANDs, as `&&` binds tighter than `||`.
    Named { name: String, conditions: Vec<Vec<FieldCond>> },
}

/// One `name op value` condition inside a delimited field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldCond {
    pub(crate) name: String,
    pub(crate) op: Op,
    pub(crate) value: Value,
}

/// Where the parser saw the things AWS limits, for the limit checks.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    /// Character offset of each regex.
    pub(crate) regex_offsets: Vec<usize>,
    /// Character offset and wildcard count of each selector that has a wildcard.
    pub(crate) wildcard_selectors: Vec<(usize, usize)>,
}
