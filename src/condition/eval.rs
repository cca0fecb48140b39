//! The parsed form of a condition and its evaluation against visitor attributes.
//!
//! Everything that can be decided once is decided by the parser (`parse.rs`): operators are
//! resolved to enum variants, paths are split, regular expressions compiled, version operands
//! padded, case-insensitive operands lowercased. What is left here is the per-visitor work, in
//! GrowthBook's order and with its short-circuits. Evaluation allocates only where JavaScript
//! would convert a value (a number compared with a string, a non-ASCII case fold) and never
//! panics.

use super::js::{
    js_compare, json_eq, same_value_zero, strict_eq, to_js_string, to_lower, to_number, truthy,
    Primitive, NULL,
};
use super::version::compare_to_padded;
use crate::pattern::Pattern;
use crate::prelude::*;
use crate::Value;
use alloc::borrow::Cow;
use core::cmp::Ordering;

/// A condition object: every clause must hold (GrowthBook's `evalCondition`).
#[derive(Debug, Clone)]
pub(crate) struct Clauses(pub(crate) Vec<Clause>);

#[derive(Debug, Clone)]
pub(crate) enum Clause {
    And(Vec<Clauses>),
    /// True when empty, as in GrowthBook.
    Or(Vec<Clauses>),
    /// `!$or`, so false when empty.
    Nor(Vec<Clauses>),
    Not(Box<Clauses>),
    Field {
        path: Vec<String>,
        test: Test,
    },
    /// What an invalid clause becomes in lenient parsing: never true.
    Never,
}

/// A test of one value (GrowthBook's `evalConditionValue`).
#[derive(Debug, Clone)]
pub(crate) enum Test {
    /// `value + "" === text`.
    Text(String),
    /// `String(value).toLowerCase() === text`, with `text` already lowercased (`$alli` items).
    TextFolded(String),
    /// `value * 1 === n`.
    Number(f64),
    /// `value !== null && !!value === b`.
    Bool(bool),
    /// `value === null` (a missing attribute counts as null).
    Null,
    /// `JSON.stringify(value) === JSON.stringify(literal)` for arrays and plain objects.
    Literal(Value),
    /// An operator object: every operator must hold.
    Operators(Vec<Operator>),
    Never,
}

/// How an ordering operator reads an `Ordering` (`None` is JavaScript's `undefined`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Relation {
    Eq,
    Ne,
    Lt,
    Lte,
    Gt,
    Gte,
}

impl Relation {
    pub(crate) fn holds(self, ordering: Option<Ordering>) -> bool {
        use Ordering::{Equal, Greater, Less};
        match (self, ordering) {
            (Relation::Ne, None) => true,
            (_, None) => false,
            (Relation::Eq, Some(o)) => o == Equal,
            (Relation::Ne, Some(o)) => o != Equal,
            (Relation::Lt, Some(o)) => o == Less,
            (Relation::Lte, Some(o)) => o != Greater,
            (Relation::Gt, Some(o)) => o == Greater,
            (Relation::Gte, Some(o)) => o != Less,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Operator {
    /// `$eq` (`===`).
    Eq(Value),
    /// `$ne` (`!==`).
    Ne(Value),
    /// `$lt $lte $gt $gte`: JavaScript's loose relational comparison.
    Compare(Relation, Primitive<'static>),
    /// `$exists`.
    Exists(bool),
    /// `$in $nin $ini $nini`; with `fold` the string items are already lowercased.
    In {
        items: Vec<Value>,
        fold: bool,
        negate: bool,
    },
    /// `$inGroup $notInGroup`: membership in a saved group, looked up at evaluation time.
    InGroup {
        group: String,
        negate: bool,
    },
    /// `$not` on a value.
    Not(Box<Test>),
    /// `$size`: the test applied to the array's length.
    Size(Box<Test>),
    /// `$elemMatch` with an operator object: some element passes the test.
    ElemMatchValue(Box<Test>),
    /// `$elemMatch` with a plain object: some element, as an object, meets the condition.
    ElemMatchCondition(Box<Clauses>),
    /// `$all $alli`: every test passes for some element.
    All(Vec<Test>),
    /// `$regex $regexi`, tested against the value's JavaScript text.
    Regex(Pattern),
    /// `$type`.
    Type(String),
    /// `$veq $vne $vgt $vgte $vlt $vlte` against an operand padded at parse time.
    Version(Relation, String),
    Never,
}

impl Clauses {
    pub(crate) fn eval(&self, attributes: &Value, groups: &Value) -> bool {
        self.0.iter().all(|clause| clause.eval(attributes, groups))
    }
}

impl Clause {
    fn eval(&self, attributes: &Value, groups: &Value) -> bool {
        match self {
            Clause::And(all) => all.iter().all(|c| c.eval(attributes, groups)),
            Clause::Or(any) => any.is_empty() || any.iter().any(|c| c.eval(attributes, groups)),
            Clause::Nor(none) => {
                !(none.is_empty() || none.iter().any(|c| c.eval(attributes, groups)))
            }
            Clause::Not(inner) => !inner.eval(attributes, groups),
            Clause::Field { path, test } => test.eval(&lookup(attributes, path), groups),
            Clause::Never => false,
        }
    }
}

/// GrowthBook's `getPath`: follows object members and, because JavaScript arrays are objects,
/// array indexes and `length`. Anything missing is `null`.
fn lookup<'a>(root: &'a Value, path: &[String]) -> Cow<'a, Value> {
    let mut current = root;
    for (i, key) in path.iter().enumerate() {
        current = match current {
            Value::Object(members) => match members.iter().find(|(k, _)| k == key) {
                Some((_, v)) => v,
                None => return Cow::Borrowed(&NULL),
            },
            Value::Array(items) if key == "length" => {
                return if i + 1 == path.len() {
                    Cow::Owned(Value::Number(items.len() as f64))
                } else {
                    Cow::Borrowed(&NULL)
                };
            }
            Value::Array(items) => match array_index(key).and_then(|i| items.get(i)) {
                Some(v) => v,
                None => return Cow::Borrowed(&NULL),
            },
            _ => return Cow::Borrowed(&NULL),
        };
    }
    Cow::Borrowed(current)
}

/// A canonical array index (`"0"`, `"12"`, not `"01"` or `"+1"`), as JavaScript's `in` reads it.
fn array_index(key: &str) -> Option<usize> {
    let canonical = key == "0" || (!key.starts_with('0') && !key.is_empty());
    if canonical && key.bytes().all(|b| b.is_ascii_digit()) {
        key.parse().ok()
    } else {
        None
    }
}

impl Test {
    pub(crate) fn eval(&self, actual: &Value, groups: &Value) -> bool {
        match self {
            Test::Text(text) => match actual {
                Value::String(s) => s == text,
                other => to_js_string(other) == text.as_str(),
            },
            Test::TextFolded(text) => to_lower(&to_js_string(actual)) == text.as_str(),
            Test::Number(n) => to_number(actual) == *n,
            Test::Bool(b) => !actual.is_null() && truthy(actual) == *b,
            Test::Null => actual.is_null(),
            Test::Literal(literal) => json_eq(actual, literal),
            Test::Operators(ops) => ops.iter().all(|op| op.eval(actual, groups)),
            Test::Never => false,
        }
    }
}

impl Operator {
    fn eval(&self, actual: &Value, groups: &Value) -> bool {
        match self {
            Operator::Eq(expected) => strict_eq(actual, expected),
            Operator::Ne(expected) => !strict_eq(actual, expected),
            Operator::Compare(relation, expected) => {
                relation.holds(js_compare(&Primitive::of(actual), expected))
            }
            Operator::Exists(expected) => actual.is_null() != *expected,
            Operator::In {
                items,
                fold,
                negate,
            } => is_in(actual, items, *fold) != *negate,
            Operator::InGroup { group, negate } => {
                let members = groups.get(group).and_then(Value::as_array).unwrap_or(&[]);
                is_in(actual, members, false) != *negate
            }
            Operator::Not(test) => !test.eval(actual, groups),
            Operator::Size(test) => match actual {
                Value::Array(items) => test.eval(&Value::Number(items.len() as f64), groups),
                _ => false,
            },
            // JavaScript skips falsy elements (`actual[i] && check(actual[i])`), so `0`, `""`,
            // `false` and `null` never match an `$elemMatch`.
            Operator::ElemMatchValue(test) => elements(actual)
                .iter()
                .any(|item| truthy(item) && test.eval(item, groups)),
            Operator::ElemMatchCondition(condition) => elements(actual)
                .iter()
                .any(|item| truthy(item) && condition.eval(item, groups)),
            Operator::All(tests) => match actual {
                Value::Array(items) => tests
                    .iter()
                    .all(|test| items.iter().any(|item| test.eval(item, groups))),
                _ => false,
            },
            Operator::Regex(pattern) => pattern.is_match(&to_js_string(actual)),
            Operator::Type(name) => actual.type_name() == name,
            Operator::Version(relation, operand) => {
                relation.holds(Some(compare_to_padded(actual, operand)))
            }
            Operator::Never => false,
        }
    }
}

fn elements(actual: &Value) -> &[Value] {
    actual.as_array().unwrap_or(&[])
}

/// GrowthBook's `isIn`: an array attribute matches when any element is in the list.
fn is_in(actual: &Value, items: &[Value], fold: bool) -> bool {
    let one = |value: &Value| {
        if fold {
            if let Value::String(s) = value {
                let folded = Value::String(to_lower(s).into_owned());
                return items.iter().any(|item| same_value_zero(&folded, item));
            }
        }
        items.iter().any(|item| same_value_zero(value, item))
    };
    match actual {
        Value::Array(elements) => elements.iter().any(one),
        other => one(other),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn path(p: &str) -> Vec<String> {
        p.split('.').map(str::to_owned).collect()
    }

    #[test]
    fn lookup_follows_objects_and_arrays_like_javascript() {
        let v = Value::parse_json(r#"{"a":{"b":[10,{"c":"x"}]},"s":"text"}"#).unwrap();
        assert_eq!(*lookup(&v, &path("a.b.0")), Value::Number(10.0));
        assert_eq!(*lookup(&v, &path("a.b.1.c")), Value::from("x"));
        assert_eq!(*lookup(&v, &path("a.b.length")), Value::Number(2.0));
        assert_eq!(*lookup(&v, &path("a.b.01")), Value::Null);
        assert_eq!(*lookup(&v, &path("a.b.9")), Value::Null);
        assert_eq!(*lookup(&v, &path("s.length")), Value::Null);
        assert_eq!(*lookup(&v, &path("missing.x")), Value::Null);
    }

    #[test]
    fn relations_treat_undefined_as_false_except_ne() {
        assert!(!Relation::Lte.holds(None));
        assert!(Relation::Ne.holds(None));
        assert!(Relation::Gte.holds(Some(Ordering::Equal)));
    }
}
