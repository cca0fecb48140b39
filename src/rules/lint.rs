//! Semantic checks for authors (`tailor check`): attribute names a condition or template reads
//! that Tailor never sets, and rules that can never win their slot. Nothing here runs when
//! deciding; in the wasm build the linker drops it.

use super::action::Change;
use super::{Rule, RuleSet};
use crate::prelude::*;
use crate::Value;

/// The attributes Tailor provides (`profile::attributes` and `context::PageContext`). A trailing
/// `.*` means any key below (`topics.cat-toys`); other dotted names list the known children.
pub const KNOWN_ATTRIBUTES: [&str; 39] = [
    "id",
    "visits",
    "pageViews",
    "stage",
    "pet",
    "petSource",
    "petConfidence",
    "name",
    "geo",
    "geo.country",
    "geo.region",
    "geo.hemisphere",
    "geo.timeZone",
    "geo.source",
    "topics.*",
    "events.*",
    "utm",
    "utm.source",
    "utm.medium",
    "utm.campaign",
    "utm.term",
    "utm.content",
    "utm.referrer",
    "firstUtm",
    "firstUtm.source",
    "firstUtm.medium",
    "firstUtm.campaign",
    "firstUtm.term",
    "firstUtm.content",
    "firstUtm.referrer",
    "url",
    "path",
    "query.*",
    "referrer",
    "device",
    "lang",
    "hour",
    "weekday",
    "season",
];

/// Whether `path` (`geo.region`, `topics.cat-toys`) is an attribute Tailor provides. Custom
/// attributes (`tailor.set`) are not known here: report them as warnings, not errors.
pub fn is_known_attribute(path: &str) -> bool {
    KNOWN_ATTRIBUTES
        .iter()
        .any(|known| match known.strip_suffix(".*") {
            Some(root) => {
                path == root
                    || path
                        .strip_prefix(root)
                        .is_some_and(|rest| rest.len() > 1 && rest.starts_with('.'))
            }
            None => *known == path,
        })
}

/// Every attribute path a rule reads: condition keys (through `$and`, `$or`, `$nor`, `$not`)
/// and template placeholders, each once, in order of appearance.
pub fn attribute_paths(rule: &Rule) -> Vec<String> {
    let mut out = Vec::new();
    condition_paths(&rule.condition_source, &mut out);
    for action in &rule.actions {
        let template = match &action.change {
            Change::Text(t) => t,
            Change::Attribute { value, .. } => value,
            _ => continue,
        };
        for path in template.paths() {
            if !out.iter().any(|p| p == path) {
                out.push(path.to_owned());
            }
        }
    }
    out
}

fn condition_paths(condition: &Value, out: &mut Vec<String>) {
    let Some(members) = condition.as_object() else {
        return;
    };
    for (key, value) in members {
        match key.as_str() {
            "$and" | "$or" | "$nor" => {
                for item in value.as_array().unwrap_or(&[]) {
                    condition_paths(item, out);
                }
            }
            "$not" => condition_paths(value, out),
            k if k.starts_with('$') => {}
            k => {
                if !out.iter().any(|p| p == k) {
                    out.push(k.to_owned());
                }
            }
        }
    }
}

/// Rules that can never win: `(rule index, index of the catch-all rule that shadows it)`. A
/// catch-all (no condition, schedule, pages or cap) wins its slot for everyone, always, against
/// every later rule of equal or lower priority and every earlier one of lower priority.
pub fn unreachable_rules(rules: &RuleSet) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (i, rule) in rules.rules.iter().enumerate() {
        let Some(slot) = rule.slot.as_deref() else {
            continue;
        };
        let shadow = rules.rules.iter().enumerate().find(|(j, other)| {
            *j != i
                && other.slot.as_deref() == Some(slot)
                && other.is_catch_all()
                && (other.priority > rule.priority || (other.priority == rule.priority && *j < i))
        });
        if let Some((j, _)) = shadow {
            out.push((i, j));
        }
    }
    out
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn set(json: &str) -> RuleSet {
        RuleSet::parse(&Value::parse_json(json).unwrap()).unwrap().0
    }

    #[test]
    fn known_attributes() {
        for ok in [
            "pet",
            "geo.region",
            "topics.cat-toys",
            "events.purchase",
            "utm.source",
            "firstUtm.campaign",
            "query.pet",
            "season",
            "topics",
        ] {
            assert!(is_known_attribute(ok), "{ok}");
        }
        for unknown in [
            "pets", "geo.city", "topics.", "sessions", "utm.x", "queryx.a",
        ] {
            assert!(!is_known_attribute(unknown), "{unknown}");
        }
    }

    #[test]
    fn paths_from_conditions_and_templates() {
        let s = set(
            r##"[{"id":"a","condition":{"pet":"cat","$or":[{"geo.region":"JP-01"},{"$not":{"visits":1}}],
                 "tags":{"$elemMatch":{"inner":1}}},"actions":[{"selector":"#g","text":"Hi {{name|x}} {{pet}}",
                 "attributes":{"alt":"{{stage}}"}}]}]"##,
        );
        assert_eq!(
            attribute_paths(&s.rules[0]),
            ["pet", "geo.region", "visits", "tags", "name", "stage"]
        );
    }

    #[test]
    fn rules_behind_a_catch_all_are_unreachable() {
        let s = set(
            r#"[{"id":"cat","slot":"hero","priority":5,"condition":{"pet":"cat"}},
                {"id":"default","slot":"hero","priority":1},
                {"id":"dog","slot":"hero","priority":1,"condition":{"pet":"dog"}},
                {"id":"low","slot":"hero","priority":0},
                {"id":"capped","slot":"side","cap":{"day":1}},
                {"id":"side","slot":"side"},
                {"id":"free"}]"#,
        );
        assert_eq!(unreachable_rules(&s), [(2, 1), (3, 1)]);
    }
}
