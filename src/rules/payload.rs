//! A rule's `data`: the payload its slot hands to the page, for frameworks that render
//! personalized content themselves instead of having their DOM edited behind their back.
//!
//! `"data": {"src": "/img/cat.jpg", "cta": "Shop {{pet}} food"}` is an object of text values,
//! each a [`Template`] rendered per visitor by `decide` exactly like an action's text: the result
//! is plain text, never markup and never a template again. This module parses and renders the
//! payload; it never decides who sees it (that is `decide`) and never touches the page (the
//! shell exposes it as `{ rule, data }` per slot).

use super::template::Template;
use super::text::dotted;
use super::Warning;
use crate::prelude::*;
use crate::Value;

/// At most this many keys in one rule's `data`.
pub const MAX_DATA_KEYS: usize = 64;
/// A key is 1 to this many bytes (as a rule id).
pub const MAX_DATA_KEY_BYTES: usize = 200;
/// A value (its template, as written) is at most this many bytes.
pub const MAX_DATA_VALUE_BYTES: usize = 10_000;

/// A parsed payload: (key, template) in the order written.
pub type Payload = Vec<(String, Template)>;

/// Parses `data` at `path`. `Err` (a structural error of the rule) when it is not an object;
/// a bad entry (a value that is not a string, an empty or too long key, one key too many) is refused alone with a [`Warning`], like a bad action.
pub(super) fn parse_data(
    raw: &Value,
    path: &str,
    rule_id: &str,
    warnings: &mut Vec<Warning>,
) -> Result<Payload, &'static str> {
    let Some(members) = raw.as_object() else {
        return Err("data must be an object of text values, like {\"cta\": \"Shop {{pet}} food\"}");
    };
    let mut out: Payload = Vec::new();
    for (key, value) in members {
        let refuse = |reason| Warning {
            rule_id: rule_id.to_owned(),
            action: None,
            path: dotted(path, key),
            reason,
        };
        let reason = if key.trim_ascii().is_empty() || key.len() > MAX_DATA_KEY_BYTES {
            "a data key must be 1 to 200 bytes, not blank; refused"
        } else if out.len() == MAX_DATA_KEYS {
            "at most 64 data keys; refused"
        } else {
            match value {
                Value::String(s) if s.len() <= MAX_DATA_VALUE_BYTES => {
                    out.push((key.clone(), Template::parse(s)));
                    continue;
                }
                Value::String(_) => "a data value is at most 10000 bytes; refused",
                _ => "a data value must be a string (templates allowed); refused",
            }
        };
        warnings.push(refuse(reason));
    }
    Ok(out)
}

/// The payload for these attributes: every template rendered to plain text.
pub fn render(payload: &Payload, attributes: &Value) -> Vec<(String, String)> {
    payload
        .iter()
        .map(|(key, template)| (key.clone(), template.render(attributes)))
        .collect()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    fn parse(json: &str) -> (Result<Payload, &'static str>, Vec<Warning>) {
        let mut warnings = Vec::new();
        let v = Value::parse_json(json).unwrap();
        (parse_data(&v, "[0].data", "r", &mut warnings), warnings)
    }

    #[test]
    fn text_values_render_like_action_text() {
        let (data, warnings) = parse(
            r#"{"src":"/img/{{pet|dog}}.jpg","cta":"Shop {{pet}} food","hi":"Hi {{name|friend}}"}"#,
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        let attrs = Value::parse_json(r#"{"pet":"cat","name":"<b>Hana</b>"}"#).unwrap();
        let rendered = render(&data.unwrap(), &attrs);
        let pairs: Vec<(&str, &str)> = rendered
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("src", "/img/cat.jpg"),
                ("cta", "Shop cat food"),
                ("hi", "Hi <b>Hana</b>")
            ],
            "keys keep their order; a visitor's value stays text"
        );
    }

    #[test]
    fn bad_entries_are_refused_alone_with_their_path() {
        let long_key = "k".repeat(201);
        let long_value = "v".repeat(10_001);
        let json = crate::text::concat(&[
            r#"{"ok":"yes","n":3,"list":["a"],"":"blank","#,
            "\"",
            &long_key,
            "\":\"x\",\"big\":\"",
            &long_value,
            "\"}",
        ]);
        let (data, warnings) = parse(&json);
        let data = data.unwrap();
        assert_eq!(data.len(), 1);
        assert_eq!(data[0].0, "ok");
        let paths: Vec<&str> = warnings.iter().map(|w| w.path.as_str()).collect();
        assert_eq!(paths.len(), 5, "{warnings:?}");
        assert_eq!(&paths[..3], ["[0].data.n", "[0].data.list", "[0].data."]);
        assert!(warnings[0].reason.contains("must be a string"));
        assert!(warnings[2].reason.contains("not blank"));
        assert!(warnings[3].reason.contains("200 bytes"));
        assert!(warnings[4].reason.contains("10000 bytes"));
        assert!(warnings
            .iter()
            .all(|w| w.rule_id == "r" && w.action.is_none()));
    }

    #[test]
    fn too_many_keys_are_refused_past_the_cap() {
        let mut json = String::from("{");
        for i in 0..(MAX_DATA_KEYS + 2) {
            if i > 0 {
                json.push(',');
            }
            json.push_str(&format!(r#""k{i}":"v""#));
        }
        json.push('}');
        let (data, warnings) = parse(&json);
        assert_eq!(data.unwrap().len(), MAX_DATA_KEYS);
        assert_eq!(warnings.len(), 2);
        assert_eq!(warnings[0].path, "[0].data.k64");
    }

    #[test]
    fn data_that_is_not_an_object_refuses_the_rule() {
        for bad in [r#""x""#, "[]", "3", "null"] {
            let json = crate::text::concat(&[r#"[{"id":"a","slot":"hero","data":"#, bad, "}]"]);
            let err = RuleSet::parse(&Value::parse_json(&json).unwrap()).unwrap_err();
            assert_eq!(err.path, "[0].data", "{bad}");
            assert!(err
                .to_string()
                .starts_with("rule \"a\" at [0].data: data must be an object"));
        }
    }

    #[test]
    fn a_rule_with_data_and_no_actions_is_valid_and_quiet() {
        let json = r#"[{"id":"cat-hero","slot":"hero","data":{"cta":"Shop"}}]"#;
        let (set, warnings) = RuleSet::parse(&Value::parse_json(json).unwrap()).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(set.rules[0].data.as_ref().unwrap().len(), 1);
        // Data without a slot can never be read: a warning, the rule still parses.
        let json = r#"[{"id":"lost","data":{"cta":"Shop"}}]"#;
        let (set, warnings) = RuleSet::parse(&Value::parse_json(json).unwrap()).unwrap();
        assert_eq!(set.rules.len(), 1);
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].path, "[0].data");
    }
}
