//! Targeting conditions (placeholder until issue 3 lands the full GrowthBook language).
//!
//! Public interface that the rest of the engine relies on: `Condition::parse`, `matches`,
//! `matches_with_groups`, `ConditionError`.

use crate::Value;
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub struct ConditionError {
    /// Where in the condition the problem is, as a dot path (`$and.0.visits.$gte`).
    pub path: String,
    pub message: String,
}

impl fmt::Display for ConditionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "condition at `{}`: {}", self.path, self.message)
    }
}

impl std::error::Error for ConditionError {}

#[derive(Debug, Clone)]
pub struct Condition {
    clauses: Vec<(String, Value)>,
}

impl Condition {
    pub fn parse(condition: &Value) -> Result<Condition, ConditionError> {
        match condition {
            Value::Object(members) => Ok(Condition {
                clauses: members.clone(),
            }),
            other => Err(ConditionError {
                path: String::new(),
                message: format!("expected an object, found {}", other.type_name()),
            }),
        }
    }

    pub fn matches(&self, attributes: &Value) -> bool {
        self.matches_with_groups(attributes, &Value::Null)
    }

    pub fn matches_with_groups(&self, attributes: &Value, _saved_groups: &Value) -> bool {
        self.clauses.iter().all(|(path, expected)| {
            let actual = attributes.get_path(path);
            match expected.get("$gte").and_then(Value::as_f64) {
                Some(min) => actual.and_then(Value::as_f64).is_some_and(|n| n >= min),
                None => actual == Some(expected),
            }
        })
    }
}
