//! Turns a condition's JSON value into the evaluable form of `eval.rs`, once.
//!
//! One parser serves both modes. It always builds a complete condition and records every
//! problem it meets, of two kinds:
//!
//! - **invalid**: GrowthBook itself cannot evaluate the clause (unknown operator, invalid regular
//!   expression, `$in` without an array, a condition that is not an object, nesting deeper than
//!   [`MAX_DEPTH`]). The clause becomes "never true", which is GrowthBook's behaviour.
//! - **suspicious**: GrowthBook evaluates it with JavaScript's loose semantics, but it is almost
//!   certainly a mistake (`$gt: true`, `$eq: [1]` which can never be equal, `$exists: "yes"`,
//!   an object mixing operators and plain keys, a field operator at the top level). The clause
//!   keeps GrowthBook's meaning.
//!
//! Strict parsing fails on the first problem of either kind; lenient parsing ignores them.

use super::eval::{Clause, Clauses, Operator, Relation, Test};
use super::js::{to_js_string, to_lower, truthy, Primitive};
use super::version::{padded_version, version_text};
use super::ConditionError;
use crate::pattern::Pattern;
use crate::prelude::*;
use crate::text::push_u64;
use crate::Value;

/// Conditions nest at most this deep; deeper ones are invalid, so that neither parsing nor
/// evaluation can exhaust the stack.
pub(crate) const MAX_DEPTH: usize = 64;

/// The type names `$type` can match (GrowthBook's `getType`).
const TYPE_NAMES: [&str; 6] = ["string", "number", "boolean", "object", "array", "null"];

/// Operators that belong under an attribute name; at the top level GrowthBook would read them as
/// attribute names.
#[rustfmt::skip]
const FIELD_OPERATORS: [&str; 26] = [
    "$eq", "$ne", "$lt", "$lte", "$gt", "$gte", "$exists", "$in", "$nin", "$ini", "$nini",
    "$inGroup", "$notInGroup", "$size", "$elemMatch", "$all", "$alli", "$regex", "$regexi",
    "$type", "$veq", "$vne", "$vgt", "$vgte", "$vlt", "$vlte",
];

enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

pub(crate) struct Parser<'a> {
    path: Vec<Segment<'a>>,
    pub(crate) problems: Vec<ConditionError>,
}

impl<'a> Parser<'a> {
    pub(crate) fn new() -> Self {
        Parser {
            path: Vec::new(),
            problems: Vec::new(),
        }
    }

    fn report(&mut self, message: &str) {
        let mut path = String::new();
        for (i, segment) in self.path.iter().enumerate() {
            if i > 0 {
                path.push('.');
            }
            match segment {
                Segment::Key(k) => path.push_str(k),
                Segment::Index(n) => push_u64(&mut path, *n as u64),
            }
        }
        self.problems.push(ConditionError {
            path,
            message: message.to_owned(),
        });
    }

    // Nesting is `path.push` .. `path.pop` around plain loops: a generic helper taking a closure,
    // and `map(..).collect()` chains, were each their own code in the wasm.

    /// A condition object (GrowthBook's `evalCondition` argument).
    pub(crate) fn condition(&mut self, value: &'a Value, depth: usize) -> Clauses {
        if depth > MAX_DEPTH {
            self.report("condition is nested too deeply");
            return Clauses(vec![Clause::Never]);
        }
        let Value::Object(members) = value else {
            self.report("a condition must be an object");
            return Clauses(vec![Clause::Never]);
        };
        let mut clauses = Vec::with_capacity(members.len());
        for (key, operand) in members {
            self.path.push(Segment::Key(key));
            clauses.push(self.clause(key, operand, depth));
            self.path.pop();
        }
        Clauses(clauses)
    }

    fn clause(&mut self, key: &'a str, operand: &'a Value, depth: usize) -> Clause {
        match key {
            "$and" | "$or" | "$nor" => {
                let Some(items) = operand.as_array() else {
                    self.report("expects an array of conditions");
                    return Clause::Never;
                };
                let mut list = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    self.path.push(Segment::Index(i));
                    list.push(self.condition(item, depth + 1));
                    self.path.pop();
                }
                match key {
                    "$and" => Clause::And(list),
                    "$or" => Clause::Or(list),
                    _ => Clause::Nor(list),
                }
            }
            "$not" => {
                if operand.as_object().is_none() {
                    self.report("expects a condition object");
                    return Clause::Never;
                }
                Clause::Not(Box::new(self.condition(operand, depth + 1)))
            }
            _ => {
                if FIELD_OPERATORS.contains(&key) {
                    self.report("is an attribute operator; put it under an attribute name");
                }
                let mut path = Vec::new();
                for part in key.split('.') {
                    path.push(part.to_owned());
                }
                Clause::Field {
                    path,
                    test: self.test(operand, false, depth + 1),
                }
            }
        }
    }

    /// What a condition says about one value (GrowthBook's `evalConditionValue`). `fold` marks the
    /// items of `$alli`, whose plain strings compare case-insensitively.
    fn test(&mut self, operand: &'a Value, fold: bool, depth: usize) -> Test {
        if depth > MAX_DEPTH {
            self.report("condition is nested too deeply");
            return Test::Never;
        }
        match operand {
            Value::String(s) if fold => Test::TextFolded(to_lower(s).into_owned()),
            Value::String(s) => Test::Text(s.clone()),
            Value::Number(n) => Test::Number(*n),
            Value::Bool(b) => Test::Bool(*b),
            Value::Null => Test::Null,
            Value::Array(_) => Test::Literal(operand.clone()),
            Value::Object(members) => {
                let operators = members.iter().filter(|(k, _)| k.starts_with('$')).count();
                if operators == 0 {
                    return Test::Literal(operand.clone());
                }
                if operators < members.len() {
                    self.report("mixes operators with plain keys, so it is compared as a literal");
                    return Test::Literal(operand.clone());
                }
                let mut ops = Vec::with_capacity(members.len());
                for (k, v) in members {
                    self.path.push(Segment::Key(k));
                    ops.push(self.operator(k, v, depth));
                    self.path.pop();
                }
                Test::Operators(ops)
            }
        }
    }

    fn operator(&mut self, name: &str, operand: &'a Value, depth: usize) -> Operator {
        match name {
            "$eq" | "$ne" => {
                if matches!(operand, Value::Array(_) | Value::Object(_)) {
                    self.report("expects a string, number, boolean or null (arrays and objects are never equal)");
                }
                if name == "$eq" {
                    Operator::Eq(operand.clone())
                } else {
                    Operator::Ne(operand.clone())
                }
            }
            "$lt" | "$lte" | "$gt" | "$gte" => {
                if !matches!(operand, Value::Number(_) | Value::String(_)) {
                    self.report("expects a number or a string");
                }
                let relation = match name {
                    "$lt" => Relation::Lt,
                    "$lte" => Relation::Lte,
                    "$gt" => Relation::Gt,
                    _ => Relation::Gte,
                };
                Operator::Compare(relation, Primitive::of(operand).into_owned())
            }
            "$exists" => {
                if operand.as_bool().is_none() {
                    self.report("expects true or false");
                }
                Operator::Exists(truthy(operand))
            }
            "$in" | "$nin" | "$ini" | "$nini" => {
                let Some(items) = operand.as_array() else {
                    self.report("expects an array");
                    return Operator::Never;
                };
                let fold = name.ends_with('i');
                let mut folded = Vec::with_capacity(items.len());
                for item in items {
                    folded.push(if fold {
                        fold_string(item)
                    } else {
                        item.clone()
                    });
                }
                let items = folded;
                Operator::In {
                    items,
                    fold,
                    negate: name.starts_with("$n"),
                }
            }
            "$inGroup" | "$notInGroup" => {
                if operand.as_str().is_none() {
                    self.report("expects a saved group id");
                }
                Operator::InGroup {
                    group: to_js_string(operand).into_owned(),
                    negate: name == "$notInGroup",
                }
            }
            "$not" => Operator::Not(Box::new(self.test(operand, false, depth + 1))),
            "$size" => {
                if !matches!(operand, Value::Number(_) | Value::Object(_)) {
                    self.report("expects a number or an operator object");
                }
                Operator::Size(Box::new(self.test(operand, false, depth + 1)))
            }
            "$elemMatch" => match operand {
                Value::Object(members)
                    if !members.is_empty() && members.iter().all(|(k, _)| k.starts_with('$')) =>
                {
                    Operator::ElemMatchValue(Box::new(self.test(operand, false, depth + 1)))
                }
                Value::Object(_) => {
                    Operator::ElemMatchCondition(Box::new(self.condition(operand, depth + 1)))
                }
                _ => {
                    self.report("expects an object");
                    Operator::Never
                }
            },
            "$all" | "$alli" => {
                let Some(items) = operand.as_array() else {
                    self.report("expects an array");
                    return Operator::Never;
                };
                let fold = name == "$alli";
                let mut tests = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    self.path.push(Segment::Index(i));
                    tests.push(self.test(item, fold, depth + 1));
                    self.path.pop();
                }
                Operator::All(tests)
            }
            "$regex" | "$regexi" => {
                if operand.as_str().is_none() {
                    self.report("expects a regular expression string");
                }
                match Pattern::new(&to_js_string(operand), name == "$regexi") {
                    Ok(pattern) => Operator::Regex(pattern),
                    Err(e) => {
                        let mut message = String::from("invalid regular expression: ");
                        message.push_str(&e.message);
                        self.report(&message);
                        Operator::Never
                    }
                }
            }
            "$type" => match operand.as_str() {
                Some(t) if TYPE_NAMES.contains(&t) => Operator::Type(t.to_owned()),
                _ => {
                    self.report("expects one of string, number, boolean, object, array, null");
                    Operator::Never
                }
            },
            "$veq" | "$vne" | "$vgt" | "$vgte" | "$vlt" | "$vlte" => {
                if operand.as_str().is_none() {
                    self.report("expects a version string");
                }
                let relation = match name {
                    "$veq" => Relation::Eq,
                    "$vne" => Relation::Ne,
                    "$vgt" => Relation::Gt,
                    "$vgte" => Relation::Gte,
                    "$vlt" => Relation::Lt,
                    _ => Relation::Lte,
                };
                Operator::Version(relation, padded_version(&version_text(operand)))
            }
            _ => {
                self.report("unknown operator");
                Operator::Never
            }
        }
    }
}

fn fold_string(item: &Value) -> Value {
    match item {
        Value::String(s) => Value::String(to_lower(s).into_owned()),
        other => other.clone(),
    }
}
