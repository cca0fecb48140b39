//! Rules: what each visitor sees, decided as a pure function of rules and attributes.
//!
//! This module owns the rule format and `decide`. It must never touch the page: the browser
//! shell applies the decisions it returns. (Walking-skeleton scope: id, condition and text
//! actions; slots, caps, holdouts and the other actions come with the DOM-rules work.)

use crate::condition::Condition;
use crate::Value;
use std::fmt;

/// A rule set as loaded from `rules.json` or the page's inline `#tailor-rules` block.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub condition: Condition,
    pub actions: Vec<Action>,
}

/// One change to the page: which elements, and what to do to them.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub selector: String,
    pub change: Change,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Replace the element's text (always as text, never as markup).
    Text(String),
}

/// Why a rule set was refused, naming the rule (by index, and by id when it has one).
#[derive(Debug, Clone, PartialEq)]
pub struct RuleError {
    pub rule_index: Option<usize>,
    pub rule_id: Option<String>,
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.rule_id, self.rule_index) {
            (Some(id), _) => write!(f, "rule \"{id}\": {}", self.message),
            (None, Some(i)) => write!(f, "rule #{i}: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for RuleError {}

/// A rule that matched, with the actions to apply.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision<'a> {
    pub rule_id: &'a str,
    pub actions: &'a [Action],
}

impl RuleSet {
    /// Parses `{"rules": [...]}` or a bare array of rules.
    pub fn parse(value: &Value) -> Result<RuleSet, RuleError> {
        let list = match value {
            Value::Array(items) => items.as_slice(),
            Value::Object(_) => value
                .get("rules")
                .and_then(Value::as_array)
                .ok_or_else(|| set_error("expected a \"rules\" array"))?,
            _ => return Err(set_error("expected an object with a \"rules\" array")),
        };
        let mut rules = Vec::with_capacity(list.len());
        for (index, raw) in list.iter().enumerate() {
            let rule = parse_rule(raw).map_err(|message| RuleError {
                rule_index: Some(index),
                rule_id: raw.get("id").and_then(Value::as_str).map(str::to_owned),
                message,
            })?;
            if rules.iter().any(|r: &Rule| r.id == rule.id) {
                return Err(RuleError {
                    rule_index: Some(index),
                    rule_id: Some(rule.id),
                    message: "duplicate rule id".to_owned(),
                });
            }
            rules.push(rule);
        }
        Ok(RuleSet { rules })
    }

    /// Every rule whose condition matches, in rule order.
    pub fn decide(&self, attributes: &Value) -> Vec<Decision<'_>> {
        self.rules
            .iter()
            .filter(|rule| rule.condition.matches(attributes))
            .map(|rule| Decision {
                rule_id: &rule.id,
                actions: &rule.actions,
            })
            .collect()
    }
}

fn set_error(message: &str) -> RuleError {
    RuleError {
        rule_index: None,
        rule_id: None,
        message: message.to_owned(),
    }
}

fn parse_rule(raw: &Value) -> Result<Rule, String> {
    let id = raw
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .ok_or("needs a non-empty string \"id\"")?;
    let condition = match raw.get("condition") {
        None => Condition::parse(&Value::Object(Vec::new())),
        Some(c) => Condition::parse(c),
    }
    .map_err(|e| e.to_string())?;
    let actions = raw
        .get("actions")
        .and_then(Value::as_array)
        .ok_or("needs an \"actions\" array")?
        .iter()
        .enumerate()
        .map(|(i, a)| parse_action(a).map_err(|m| format!("action #{i}: {m}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Rule {
        id: id.to_owned(),
        condition,
        actions,
    })
}

fn parse_action(raw: &Value) -> Result<Action, String> {
    let selector = raw
        .get("selector")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or("needs a non-empty string \"selector\"")?;
    let text = raw
        .get("text")
        .and_then(Value::as_str)
        .ok_or("needs a string \"text\"")?;
    Ok(Action {
        selector: selector.to_owned(),
        change: Change::Text(text.to_owned()),
    })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn rules(json: &str) -> Result<RuleSet, RuleError> {
        RuleSet::parse(&Value::parse_json(json).unwrap())
    }

    const WELCOME: &str = r##"{"rules":[{"id":"welcome-back",
        "condition":{"visits":{"$gte":2}},
        "actions":[{"selector":"#greeting","text":"Welcome back!"}]}]}"##;

    #[test]
    fn second_visit_matches_and_first_does_not() {
        let set = rules(WELCOME).unwrap();
        let first = Value::parse_json(r#"{"visits":1}"#).unwrap();
        let second = Value::parse_json(r#"{"visits":2}"#).unwrap();
        assert!(set.decide(&first).is_empty());
        let decided = set.decide(&second);
        assert_eq!(decided.len(), 1);
        assert_eq!(decided[0].rule_id, "welcome-back");
        assert_eq!(
            decided[0].actions[0].change,
            Change::Text("Welcome back!".into())
        );
    }

    #[test]
    fn errors_name_the_rule_and_the_problem() {
        let err = rules(r##"[{"id":"a","actions":[{"selector":"#x"}]}]"##).unwrap_err();
        assert_eq!(
            err.to_string(),
            "rule \"a\": action #0: needs a string \"text\""
        );
        let err = rules(r#"[{"actions":[]}]"#).unwrap_err();
        assert_eq!(err.to_string(), "rule #0: needs a non-empty string \"id\"");
        let err = rules(r#"[{"id":"a","actions":[]},{"id":"a","actions":[]}]"#).unwrap_err();
        assert_eq!(err.to_string(), "rule \"a\": duplicate rule id");
        assert!(rules("42").is_err());
        assert!(rules(r#"{"rulez":[]}"#).is_err());
    }
}
