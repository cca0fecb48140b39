//! Compiled rules: a rule set that `tailor compile` has parsed and checked, written in a
//! positional JSON form that the browser reads without the validating parser.
//!
//! The validating parser (every field checked, errors and warnings that name the rule and the
//! JSON path) is about 12 KB gzip of the engine; a page that ships compiled rules can use the
//! engine built without it (`tailor_lean.wasm`, docs/size.md). Compiling changes nothing a
//! visitor sees: [`read`] gives the rule set that [`RuleSet::parse`] gave `tailor compile`, and
//! the parse's warnings travel with it, worded, so the browser's console says what it said for
//! the JSON rules.
//!
//! ```json
//! { "format": "tailor-compiled/1", "version": "2024-12-01",
//!   "selectors": ["#greeting"],
//!   "warnings": ["rule \"a\" at rules[0].actions[1].attributes.onclick: ..."],
//!   "compiled": [
//!     ["welcome", {"pageViews": {"$gte": 2}}, "pageViews >= 2", 0, "greeting",
//!      [null, null, null, null], 0, null, null, ["/", "!/admin/**"],
//!      [["#greeting", null, 0, "text", ["Welcome back, ", ["name", "friend"], "!"]]],
//!      null, [[4, ["pageViews"], [6, [[2, 5, 2]]]]]] ] }
//! ```
//!
//! A rule is `[id, condition, summary, priority, slot, cap, holdout, start, end, pages, actions,
//! data, parsed condition]`: `condition` is as written (for explanations), the parsed condition
//! its evaluable form (`condition::compiled`: the lean engine has no condition parser); `cap` is `[session, day, lifetime, minIntervalMinutes]`, `start`/`end` are `[ms, text
//! as written]` or null, `pages` the patterns as written. An action is `[selector, index,
//! actionIndex, change...]`, the change one of `"text", template`, `"attribute", name, template,
//! offsiteUrls`, `"addClass", [names]`, `"removeClass", [names]`, `"show"`, `"hide"`,
//! `"template", id`. A template is a list of literal strings and `[path, fallback]`
//! placeholders; `data` is `[[key, template], ...]` or null. `selectors` is for the loader, which
//! pre-hides them before the engine arrives (it never reads the rest).
//!
//! Reading trusts `tailor compile` only where trusting cannot hurt a visitor: an attribute's
//! kind (text, URL, `srcset`) is found again from its name by the allow-list, never read from the
//! file, and URLs are checked when rendered as always. So a hand-edited file can change what a
//! rule means but never make Tailor write an event handler or a script URL. Anything of the wrong
//! shape refuses the whole set, as a broken JSON rule does, naming the rule.

use super::template::{Segment, Template};
use super::{Action, Cap, Change, PagePattern, Rule, RuleSet, Schedule, Warning};
use crate::condition::Condition;
use crate::prelude::*;
use crate::Value;

/// The `format` member of compiled rules this engine reads.
pub const FORMAT: &str = "tailor-compiled/1";

/// Whether `value` is compiled rules (of any format version), not JSON rules.
pub fn is_compiled(value: &Value) -> bool {
    value
        .get("format")
        .and_then(Value::as_str)
        .is_some_and(|f| f.starts_with("tailor-compiled/"))
}

/// Writes `set` (and the warnings its parse gave) as compiled rules.
pub fn compile(set: &RuleSet, warnings: &[Warning]) -> Value {
    let mut out = vec![(String::from("format"), Value::from(FORMAT))];
    if let Some(version) = &set.version {
        out.push(("version".into(), Value::from(version.as_str())));
    }
    let selectors = set.selectors().into_iter().map(Value::from).collect();
    out.push(("selectors".into(), Value::Array(selectors)));
    let worded = warnings.iter().map(|w| Value::String(w.describe()));
    out.push(("warnings".into(), Value::Array(worded.collect())));
    let rules = set.rules.iter().map(compile_rule).collect();
    out.push(("compiled".into(), Value::Array(rules)));
    Value::Object(out)
}

fn compile_rule(rule: &Rule) -> Value {
    let whole = |n: Option<u32>| n.map_or(Value::Null, |n| Value::Number(f64::from(n)));
    let cap = &rule.cap;
    let time = |t: &Option<(f64, String)>| match t {
        Some((ms, text)) => Value::Array(vec![Value::Number(*ms), Value::from(text.as_str())]),
        None => Value::Null,
    };
    let data = match &rule.data {
        Some(payload) => Value::Array(
            payload
                .iter()
                .map(|(key, t)| Value::Array(vec![Value::from(key.as_str()), template(t)]))
                .collect(),
        ),
        None => Value::Null,
    };
    Value::Array(vec![
        Value::from(rule.id.as_str()),
        rule.condition_source.clone(),
        Value::from(rule.summary.as_str()),
        Value::Number(f64::from(rule.priority)),
        rule.slot.as_deref().map_or(Value::Null, Value::from),
        Value::Array(vec![
            whole(cap.session),
            whole(cap.day),
            whole(cap.lifetime),
            whole(cap.min_interval_minutes),
        ]),
        Value::Number(rule.holdout),
        time(&rule.schedule.start),
        time(&rule.schedule.end),
        Value::Array(
            rule.pages
                .iter()
                .map(|p| Value::from(p.source.as_str()))
                .collect(),
        ),
        Value::Array(rule.actions.iter().map(compile_action).collect()),
        data,
        rule.condition.compiled(),
    ])
}

fn compile_action(action: &Action) -> Value {
    let mut out = vec![
        Value::from(action.selector.as_str()),
        action
            .index
            .map_or(Value::Null, |i| Value::Number(f64::from(i))),
        Value::Number(f64::from(action.action_index)),
    ];
    let names =
        |list: &[String]| Value::Array(list.iter().map(|n| Value::from(n.as_str())).collect());
    match &action.change {
        Change::Text(t) => out.extend([Value::from("text"), template(t)]),
        Change::Attribute {
            name,
            value,
            offsite,
            ..
        } => out.extend([
            Value::from("attribute"),
            Value::from(name.as_str()),
            template(value),
            Value::Bool(*offsite),
        ]),
        Change::AddClass(list) => out.extend([Value::from("addClass"), names(list)]),
        Change::RemoveClass(list) => out.extend([Value::from("removeClass"), names(list)]),
        Change::Show => out.push(Value::from("show")),
        Change::Hide => out.push(Value::from("hide")),
        Change::Template(id) => out.extend([Value::from("template"), Value::from(id.as_str())]),
    }
    Value::Array(out)
}

fn template(t: &Template) -> Value {
    let segments = t.segments.iter().map(|s| match s {
        Segment::Literal(text) => Value::from(text.as_str()),
        Segment::Attribute { path, fallback } => Value::Array(vec![
            Value::from(path.as_str()),
            fallback.as_deref().map_or(Value::Null, Value::from),
        ]),
    });
    Value::Array(segments.collect())
}

/// Reads compiled rules: the rule set and the worded warnings of its parse, or why not.
pub fn read(value: &Value) -> Result<(RuleSet, Vec<String>), String> {
    let format = value.get("format").and_then(Value::as_str).unwrap_or("");
    if format != FORMAT {
        return Err(crate::text::concat(&[
            "these compiled rules are \"",
            format,
            "\"; this version of Tailor reads \"",
            FORMAT,
            "\": compile them again with `tailor compile`",
        ]));
    }
    let damaged = |at: &str| {
        crate::text::concat(&[
            "the compiled rules are damaged (",
            at,
            "): compile them again with `tailor compile`",
        ])
    };
    let version = match value.get("version") {
        None => None,
        Some(v) => Some(string(v).ok_or_else(|| damaged("version"))?),
    };
    let mut warnings = Vec::new();
    for w in list(value.get("warnings")).ok_or_else(|| damaged("warnings"))? {
        warnings.push(string(w).ok_or_else(|| damaged("warnings"))?);
    }
    let raw = list(value.get("compiled")).ok_or_else(|| damaged("compiled"))?;
    let mut rules = Vec::with_capacity(raw.len());
    for item in raw {
        let rule = read_rule(item).ok_or_else(|| {
            let mut at = String::from("rule ");
            crate::text::push_u64(&mut at, rules.len() as u64);
            damaged(&at)
        })?;
        rules.push(rule);
    }
    Ok((RuleSet { version, rules }, warnings))
}

fn list(value: Option<&Value>) -> Option<&[Value]> {
    value?.as_array()
}

fn string(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}

/// A string or null.
fn optional(value: &Value) -> Option<Option<String>> {
    match value {
        Value::Null => Some(None),
        other => string(other).map(Some),
    }
}

/// A whole number from 0 to `u32::MAX`, or null.
fn count(value: &Value) -> Option<Option<u32>> {
    match value {
        Value::Null => Some(None),
        Value::Number(n) if *n >= 0.0 && *n <= f64::from(u32::MAX) && *n as u32 as f64 == *n => {
            Some(Some(*n as u32))
        }
        _ => None,
    }
}

fn time(value: &Value) -> Option<Option<(f64, String)>> {
    match value {
        Value::Null => Some(None),
        Value::Array(pair) => match pair.as_slice() {
            [Value::Number(ms), Value::String(text)] => Some(Some((*ms, text.clone()))),
            _ => None,
        },
        _ => None,
    }
}

fn read_rule(value: &Value) -> Option<Rule> {
    let [id, condition, summary, priority, slot, cap, holdout, start, end, pages, actions, data, parsed_condition] =
        value.as_array()?
    else {
        return None;
    };
    let priority = match priority {
        Value::Number(n) if n.abs() <= 1_000_000.0 && *n as i32 as f64 == *n => *n as i32,
        _ => return None,
    };
    let holdout = match holdout {
        Value::Number(n) if (0.0..=1.0).contains(n) => *n,
        _ => return None,
    };
    let [session, day, lifetime, interval] = cap.as_array()? else {
        return None;
    };
    let cap = Cap {
        session: count(session)?,
        day: count(day)?,
        lifetime: count(lifetime)?,
        min_interval_minutes: count(interval)?,
    };
    let mut patterns = Vec::new();
    for page in pages.as_array()? {
        patterns.push(PagePattern::parse(page.as_str()?).ok()?);
    }
    let mut parsed = Vec::new();
    for action in actions.as_array()? {
        parsed.push(read_action(action)?);
    }
    let data = match data {
        Value::Null => None,
        Value::Array(entries) => {
            let mut payload = Vec::with_capacity(entries.len());
            for entry in entries {
                let [key, t] = entry.as_array()? else {
                    return None;
                };
                payload.push((string(key)?, read_template(t)?));
            }
            Some(payload)
        }
        _ => return None,
    };
    Some(Rule {
        id: string(id)?,
        condition: Condition::from_compiled(parsed_condition)?,
        condition_source: condition.clone(),
        summary: string(summary)?,
        priority,
        slot: optional(slot)?,
        cap,
        holdout,
        schedule: Schedule {
            start: time(start)?,
            end: time(end)?,
        },
        pages: patterns,
        actions: parsed,
        data,
    })
}

fn read_action(value: &Value) -> Option<Action> {
    let items = value.as_array()?;
    let [selector, index, action_index, kind, rest @ ..] = items else {
        return None;
    };
    let names = |v: &Value| -> Option<Vec<String>> {
        let mut out = Vec::new();
        for name in v.as_array()? {
            out.push(string(name)?);
        }
        Some(out)
    };
    let change = match (kind.as_str()?, rest) {
        ("text", [t]) => Change::Text(read_template(t)?),
        ("attribute", [name, t, Value::Bool(offsite)]) => {
            let name = string(name)?;
            Change::Attribute {
                kind: super::attribute_allowed(&name).ok()?,
                name,
                value: read_template(t)?,
                offsite: *offsite,
            }
        }
        ("addClass", [list]) => Change::AddClass(names(list)?),
        ("removeClass", [list]) => Change::RemoveClass(names(list)?),
        ("show", []) => Change::Show,
        ("hide", []) => Change::Hide,
        ("template", [id]) => Change::Template(string(id)?),
        _ => return None,
    };
    Some(Action {
        selector: string(selector)?,
        index: count(index)?,
        action_index: count(action_index)??,
        change,
    })
}

fn read_template(value: &Value) -> Option<Template> {
    let mut segments = Vec::new();
    for segment in value.as_array()? {
        segments.push(match segment {
            Value::String(text) => Segment::Literal(text.clone()),
            Value::Array(pair) => match pair.as_slice() {
                [path, fallback] => Segment::Attribute {
                    path: string(path)?,
                    fallback: optional(fallback)?,
                },
                _ => return None,
            },
            _ => return None,
        });
    }
    Some(Template { segments })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn parse(json: &str) -> (RuleSet, Vec<Warning>) {
        RuleSet::parse(&Value::parse_json(json).unwrap()).unwrap()
    }

    /// The compiled form read back is the parsed rule set, field for field (conditions included:
    /// their parsed form prints in `Debug`), and carries the parse's warnings as worded.
    fn round_trips(json: &str) {
        let (set, warnings) = parse(json);
        let compiled = compile(&set, &warnings);
        // Through JSON text, as a page or a file carries it.
        let text = compiled.to_json_string();
        let (back, worded) = read(&Value::parse_json(&text).unwrap()).unwrap();
        assert_eq!(format!("{back:?}"), format!("{set:?}"));
        let expected: Vec<String> = warnings.iter().map(Warning::describe).collect();
        assert_eq!(worded, expected);
    }

    #[test]
    fn every_field_round_trips() {
        round_trips(
            r##"{"version": "2024-12-01", "rules": [
              {"id": "cat-hero", "condition": {"pet": "cat", "visits": {"$gte": 3},
                 "$or": [{"geo.country": {"$in": ["JP", "KR"]}}, {"name": {"$regex": "^a", "$exists": true}}]},
               "slot": "hero", "priority": -10,
               "cap": {"session": 1, "day": 3, "lifetime": 20, "minIntervalMinutes": 30},
               "holdout": 0.25,
               "schedule": {"start": "2024-12-01", "end": "2025-01-06T00:00:00+09:00"},
               "pages": ["/", "/cats/**", "!/cats/admin/**"],
               "actions": [
                 {"selector": "#greeting", "text": "Welcome back, {{name|friend}}! {{ geo.region }}"},
                 {"selector": "#hero img", "attributes": {"src": "/img/{{pet}}.jpg", "alt": "A cat", "srcset": "/a.jpg 1x, /b.jpg 2x"}},
                 {"selector": "#out", "offsiteUrls": true, "attributes": {"href": "{{query.next|/home}}"}},
                 {"selector": "#hero", "addClass": "hero--cat big", "removeClass": ["hero--dog"]},
                 {"selector": "#dog-banner", "hide": true},
                 {"selector": "#cat-banner", "show": true},
                 {"selector": "#promo", "template": "cat-promo"},
                 {"selector": ".rec", "items": [{"text": "Cat toys"}, {"text": "Cat food"}]}],
               "data": {"cta": "Shop {{pet}} food", "src": "/img/cat.jpg"}},
              {"id": "plain", "actions": [{"selector": "#x", "text": "{{ unclosed"}]},
              {"id": "timed", "schedule": {"start": 1733011200000}, "actions": []}]}"##,
        );
    }

    #[test]
    fn warnings_travel_worded_and_refused_actions_stay_out() {
        let json = r##"[{"id": "a", "actions": [
            {"selector": "#x", "text": "ok", "attributes": {"onclick": "x", "href": "javascript:alert(1)"}},
            {"selector": "#y", "colour": "red"}]},
            {"id": "b", "slot": "s", "data": {"": "x", "ok": "y"}, "extra": 1}]"##;
        let (set, warnings) = parse(json);
        assert!(warnings.len() >= 4, "{warnings:?}");
        round_trips(json);
        let compiled = compile(&set, &warnings);
        let (back, _) = read(&compiled).unwrap();
        assert_eq!(back.rules[0].actions.len(), set.rules[0].actions.len());
    }

    #[test]
    fn a_bare_array_has_no_version_and_selectors_are_listed_once() {
        let (set, warnings) = parse(
            r##"[{"id": "a", "actions": [{"selector": "#g", "text": "1"}, {"selector": "#h", "hide": true}]},
                 {"id": "b", "actions": [{"selector": "#g", "text": "2"}]}]"##,
        );
        let compiled = compile(&set, &warnings);
        assert!(compiled.get("version").is_none());
        assert_eq!(
            compiled.get("selectors").unwrap().to_json_string(),
            r##"["#g","#h"]"##
        );
        assert!(is_compiled(&compiled));
        assert!(!is_compiled(
            &Value::parse_json(r#"{"rules": []}"#).unwrap()
        ));
        let (back, _) = read(&compiled).unwrap();
        assert_eq!(back.version, None);
    }

    fn compiled_of(json: &str) -> Value {
        let (set, warnings) = parse(json);
        compile(&set, &warnings)
    }

    fn with_rule(rule: &str) -> Value {
        Value::parse_json(&format!(
            r#"{{"format": "tailor-compiled/1", "warnings": [], "compiled": [{rule}]}}"#
        ))
        .unwrap()
    }

    #[test]
    fn another_format_asks_for_a_new_compile() {
        let mut compiled = compiled_of(r#"[{"id": "a", "actions": []}]"#);
        compiled.insert("format", Value::from("tailor-compiled/2"));
        let err = read(&compiled).unwrap_err();
        assert_eq!(
            err,
            "these compiled rules are \"tailor-compiled/2\"; this version of Tailor reads \
             \"tailor-compiled/1\": compile them again with `tailor compile`"
        );
    }

    #[test]
    fn damaged_rules_are_refused_naming_the_rule() {
        let good =
            r#"["a", {}, "", 0, null, [null, null, null, null], 0, null, null, [], [], null, []]"#;
        assert!(read(&with_rule(good)).is_ok());
        let bad = [
            r#"["a"]"#,
            r#"[1, {}, "", 0, null, [null, null, null, null], 0, null, null, [], [], null, []]"#,
            r#"["a", {}, "", 0.5, null, [null, null, null, null], 0, null, null, [], [], null, []]"#,
            r#"["a", {}, "", 2000000, null, [null, null, null, null], 0, null, null, [], [], null, []]"#,
            r#"["a", {}, "", 0, null, [null, null, null, -1], 0, null, null, [], [], null, []]"#,
            r#"["a", {}, "", 0, null, [null, null, null], 0, null, null, [], [], null, []]"#,
            r#"["a", {}, "", 0, null, [null, null, null, null], 1.5, null, null, [], [], null, []]"#,
            r#"["a", {}, "", 0, null, [null, null, null, null], 0, [1], null, [], [], null, []]"#,
            r#"["a", {}, "", 0, null, [null, null, null, null], 0, null, null, ["!"], [], null, []]"#,
            r##"["a", {}, "", 0, null, [null, null, null, null], 0, null, null, [], [["#x", null, 0, "text"]], null, []]"##,
            r##"["a", {}, "", 0, null, [null, null, null, null], 0, null, null, [], [["#x", null, 0, "blink", []]], null, []]"##,
            r#"["a", {}, "", 0, null, [null, null, null, null], 0, null, null, [], [], [["k", [1]]], []]"#,
        ];
        for rule in bad {
            let err = read(&with_rule(&format!("{good}, {rule}"))).unwrap_err();
            assert_eq!(
                err,
                "the compiled rules are damaged (rule 1): compile them again with `tailor compile`",
                "{rule}"
            );
        }
        let mut no_list = with_rule(good);
        no_list.insert("compiled", Value::from("x"));
        assert!(read(&no_list).unwrap_err().contains("damaged (compiled)"));
    }

    #[test]
    fn a_hand_edited_attribute_is_checked_by_its_name_not_trusted() {
        let rule = |name: &str, value: &str| {
            format!(
                r##"["a", {{}}, "", 0, null, [null, null, null, null], 0, null, null, [],
                   [["#x", null, 0, "attribute", "{name}", ["{value}"], false]], null, []]"##
            )
        };
        // An event handler is refused outright.
        assert!(read(&with_rule(&rule("onclick", "alert(1)"))).is_err());
        assert!(read(&with_rule(&rule("style", "x"))).is_err());
        // A script URL gets in only to be refused when rendered, as a JSON rule's would be.
        let (set, _) = read(&with_rule(&rule("href", "javascript:alert(1)"))).unwrap();
        let action = &set.rules[0].actions[0];
        assert!(matches!(
            action.change,
            Change::Attribute {
                kind: super::super::AttributeKind::Url,
                ..
            }
        ));
        assert!(action.resolve(&Value::Object(Vec::new())).is_err());
    }
}
