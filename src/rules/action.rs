//! DOM actions: what a rule changes on the page, parsed and checked, and resolved for one visitor.
//!
//! An action object names a `selector` and one or more changes to every element it matches:
//! `text` (a [`Template`]), `attributes` (allow-listed names only, URLs checked), `addClass` /
//! `removeClass` (a string of space-separated classes, or an array), `show` / `hide` (`true`),
//! `template` (the id of a `<template>` in the site's own page, whose content replaces the
//! element's children). `items` holds options: item *i* applies its changes to the *i*-th
//! element the selector matches, so a rule can fill several recommendation cards and the
//! visitor keeps a choice.
//!
//! A change that is refused (an `onclick`, a `javascript:` URL, an unknown key) becomes a
//! [`Warning`] and is left out; the action's other changes, and the rule's other actions, stay.

use super::template::Template;
use super::text::{dotted, indexed};
use super::url::{attribute_allowed, check_value, keeps_origin, AttributeKind};
use super::Warning;
use crate::prelude::*;
use crate::Value;

/// One change to the elements a selector matches.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub selector: String,
    /// For options (`items`): only the `index`-th match (0-based) of the selector.
    pub index: Option<u32>,
    /// Position of the action in the rule's `actions` (what warnings and explanations cite).
    pub action_index: u32,
    pub change: Change,
}

/// A parsed change. Text and attribute values are templates, rendered per visitor by `decide`.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Set the text (the shell uses `textContent`: never markup).
    Text(Template),
    /// Set an allow-listed attribute; URL kinds are checked again after rendering.
    Attribute {
        name: String,
        kind: AttributeKind,
        value: Template,
        /// The action's `offsiteUrls`: a visitor's value may send this URL to another origin.
        offsite: bool,
    },
    AddClass(Vec<String>),
    RemoveClass(Vec<String>),
    Show,
    Hide,
    /// Replace the element's children with a clone of `<template id="...">`'s content.
    Template(String),
}

/// An action resolved for one visitor: plain strings, ready for the DOM.
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    pub selector: String,
    pub index: Option<u32>,
    pub action_index: u32,
    pub change: Resolved,
}

/// A change resolved for one visitor.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    Text(String),
    Attribute { name: String, value: String },
    AddClass(Vec<String>),
    RemoveClass(Vec<String>),
    Show,
    Hide,
    Template(String),
}

impl Action {
    /// Renders the templates against `attributes`. `Err` when a rendered URL is refused (a
    /// visitor value such as `{{query.next}}` turned it into `javascript:`).
    pub fn resolve(&self, attributes: &Value) -> Result<Edit, &'static str> {
        let change = match &self.change {
            Change::Text(t) => Resolved::Text(t.render(attributes)),
            Change::Attribute {
                name,
                kind,
                value: template,
                offsite,
            } => {
                let value = template.render(attributes);
                check_value(*kind, &value)?;
                // A placeholder is a visitor's value (`{{query.next}}`): unless the rule says so,
                // it may not move the URL to another origin (`//evil.example`, `/\evil.example`).
                if *kind == AttributeKind::Url
                    && !*offsite
                    && !template.is_literal()
                    && !keeps_origin(template.leading_literal().len(), &value)
                {
                    return Err("URL refused: a visitor's value may not make the URL leave the site (the action's \"offsiteUrls\": true allows it)");
                }
                Resolved::Attribute {
                    name: name.clone(),
                    value,
                }
            }
            Change::AddClass(c) => Resolved::AddClass(c.clone()),
            Change::RemoveClass(c) => Resolved::RemoveClass(c.clone()),
            Change::Show => Resolved::Show,
            Change::Hide => Resolved::Hide,
            Change::Template(id) => Resolved::Template(id.clone()),
        };
        Ok(Edit {
            selector: self.selector.clone(),
            index: self.index,
            action_index: self.action_index,
            change,
        })
    }
}

/// Parses a rule's `actions` array (already known to be an array) at `path`.
pub(super) fn parse_actions(
    list: &[Value],
    path: &str,
    rule_id: &str,
    warnings: &mut Vec<Warning>,
) -> Vec<Action> {
    let mut out = Vec::new();
    for (i, raw) in list.iter().enumerate() {
        let mut ctx = Ctx {
            rule_id,
            action: i,
            warnings: &mut *warnings,
        };
        let path = indexed(path, "", i);
        parse_action(raw, &path, &mut ctx, &mut out);
    }
    out
}

struct Ctx<'a> {
    rule_id: &'a str,
    action: usize,
    warnings: &'a mut Vec<Warning>,
}

impl Ctx<'_> {
    fn warn(&mut self, path: String, reason: &'static str) {
        self.warnings.push(Warning {
            rule_id: self.rule_id.to_owned(),
            action: Some(self.action),
            path,
            reason,
        });
    }
}

fn parse_action(raw: &Value, path: &str, ctx: &mut Ctx<'_>, out: &mut Vec<Action>) {
    let Some(members) = raw.as_object() else {
        ctx.warn(path.to_owned(), "an action must be an object; refused");
        return;
    };
    let selector = match raw.get("selector") {
        Some(Value::String(s)) if !s.trim_ascii().is_empty() => s.trim_ascii(),
        _ => {
            ctx.warn(
                dotted(path, "selector"),
                "an action needs a non-empty string selector; refused",
            );
            return;
        }
    };
    let offsite = match raw.get("offsiteUrls") {
        None | Some(Value::Bool(false)) => false,
        Some(Value::Bool(true)) => true,
        Some(_) => {
            ctx.warn(
                dotted(path, "offsiteUrls"),
                "offsiteUrls must be true or false; taken as false",
            );
            false
        }
    };
    let mut changes = Vec::new();
    let mut items_out = Vec::new();
    for (key, value) in members {
        match key.as_str() {
            "selector" | "offsiteUrls" => {}
            "items" => {
                let Some(items) = value.as_array() else {
                    ctx.warn(dotted(path, "items"), "items must be an array; refused");
                    continue;
                };
                for (n, item) in items.iter().enumerate() {
                    let item_path = indexed(path, "items", n);
                    let Some(item_members) = item.as_object() else {
                        ctx.warn(item_path, "an item must be an object; refused");
                        continue;
                    };
                    let mut item_changes = Vec::new();
                    for (k, v) in item_members {
                        parse_change(k, v, &dotted(&item_path, k), ctx, &mut item_changes);
                    }
                    if item_changes.is_empty() {
                        ctx.warn(item_path, "this item changes nothing");
                    }
                    for change in item_changes {
                        items_out.push(Action {
                            selector: selector.to_owned(),
                            index: Some(n as u32),
                            action_index: ctx.action as u32,
                            change,
                        });
                    }
                }
            }
            _ => parse_change(key, value, &dotted(path, key), ctx, &mut changes),
        }
    }
    if changes.is_empty() && items_out.is_empty() {
        ctx.warn(path.to_owned(), "this action changes nothing");
        return;
    }
    if offsite {
        for change in changes
            .iter_mut()
            .chain(items_out.iter_mut().map(|a| &mut a.change))
        {
            if let Change::Attribute { offsite: o, .. } = change {
                *o = true;
            }
        }
    }
    // Whole-selector changes first, then the items, whatever the key order.
    for change in changes {
        out.push(Action {
            selector: selector.to_owned(),
            index: None,
            action_index: ctx.action as u32,
            change,
        });
    }
    out.append(&mut items_out);
}

/// Parses one change key of an action or item into `out`, or warns.
fn parse_change(key: &str, value: &Value, path: &str, ctx: &mut Ctx<'_>, out: &mut Vec<Change>) {
    // One push and one warning for every key (each inline push of a `Change` is a copy of it).
    let change = match key {
        "text" => match value.as_str() {
            Some(s) => Ok(Change::Text(Template::parse(s))),
            None => Err("text must be a string; refused"),
        },
        "attributes" => {
            let Some(attrs) = value.as_object() else {
                ctx.warn(path.to_owned(), "attributes must be an object; refused");
                return;
            };
            for (name, v) in attrs {
                let at = dotted(path, name);
                let kind = match attribute_allowed(name) {
                    Ok(kind) => kind,
                    Err(reason) => {
                        ctx.warn(at, reason);
                        continue;
                    }
                };
                let Some(text) = attribute_text(v) else {
                    ctx.warn(
                        at,
                        "an attribute value must be a string or a number; refused",
                    );
                    continue;
                };
                let template = Template::parse(&text);
                if kind != AttributeKind::Text {
                    // Check what is known now; decide checks again once placeholders are filled.
                    if let Err(reason) = check_value(kind, &template.sample()) {
                        ctx.warn(at, reason);
                        continue;
                    }
                }
                out.push(Change::Attribute {
                    name: name.clone(),
                    kind,
                    value: template,
                    offsite: false,
                });
            }
            return;
        }
        "addClass" | "removeClass" => classes(value).map(|list| {
            if key == "addClass" {
                Change::AddClass(list)
            } else {
                Change::RemoveClass(list)
            }
        }),
        "show" | "hide" => match value {
            Value::Bool(true) if key == "show" => Ok(Change::Show),
            Value::Bool(true) => Ok(Change::Hide),
            _ => Err("show and hide take the value true; refused"),
        },
        "template" => match value.as_str() {
            Some(id) if valid_token(id) => Ok(Change::Template(id.to_owned())),
            _ => Err("template must be the id of a <template> element (no spaces); refused"),
        },
        "items" | "selector" => Err("not allowed inside an item; ignored"),
        "html" | "innerHTML" | "outerHTML" | "script" | "eval" => {
            Err("markup and script are never inserted from data: use text or template; refused")
        }
        _ => Err("unknown action key; ignored"),
    };
    match change {
        Ok(change) => out.push(change),
        Err(reason) => ctx.warn(path.to_owned(), reason),
    }
}

fn attribute_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => {
            let mut s = String::new();
            super::text::push_number(&mut s, *n);
            Some(s)
        }
        _ => None,
    }
}

fn classes(value: &Value) -> Result<Vec<String>, &'static str> {
    const BAD: &str = "classes are a string of class names or an array of them; refused";
    let mut out: Vec<String> = Vec::new();
    let one = core::slice::from_ref(value);
    let list = match value {
        Value::String(_) => one,
        Value::Array(items) => items.as_slice(),
        _ => return Err(BAD),
    };
    for item in list {
        for class in item.as_str().ok_or(BAD)?.split_ascii_whitespace() {
            out.push(class.to_owned());
        }
    }
    if out.is_empty() {
        return Err("no class names given; refused");
    }
    Ok(out)
}

fn valid_token(s: &str) -> bool {
    !s.is_empty() && !s.bytes().any(|b| b.is_ascii_whitespace())
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn parse(json: &str) -> (Vec<Action>, Vec<Warning>) {
        let v = Value::parse_json(json).unwrap();
        let mut warnings = Vec::new();
        let actions = parse_actions(v.as_array().unwrap(), "actions", "r", &mut warnings);
        (actions, warnings)
    }

    #[test]
    fn every_kind_of_change() {
        let (actions, warnings) = parse(
            r##"[{"selector":"#cta","text":"Shop {{pet|pet}} food","attributes":{"href":"/{{pet|cats}}/food","aria-label":"Shop","width":300},
                  "addClass":"a b","removeClass":["c"],"show":true},
                 {"selector":"#x","hide":true,"template":"cat-promo"}]"##,
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        let kinds: Vec<_> = actions
            .iter()
            .map(|a| match &a.change {
                Change::Text(_) => "text",
                Change::Attribute { .. } => "attr",
                Change::AddClass(_) => "add",
                Change::RemoveClass(_) => "remove",
                Change::Show => "show",
                Change::Hide => "hide",
                Change::Template(_) => "template",
            })
            .collect();
        assert_eq!(
            kinds,
            ["text", "attr", "attr", "attr", "add", "remove", "show", "hide", "template"]
        );
        assert_eq!(
            actions[4].change,
            Change::AddClass(vec!["a".into(), "b".into()])
        );
        assert_eq!(actions[8].action_index, 1);
        let attrs = Value::parse_json(r#"{"pet":"cat"}"#).unwrap();
        assert_eq!(
            actions[1].resolve(&attrs).unwrap().change,
            Resolved::Attribute {
                name: "href".into(),
                value: "/cat/food".into()
            }
        );
        assert_eq!(
            actions[3].resolve(&attrs).unwrap().change,
            Resolved::Attribute {
                name: "width".into(),
                value: "300".into()
            }
        );
    }

    #[test]
    fn bad_changes_are_refused_and_the_rest_stays() {
        let (actions, warnings) = parse(
            r##"[{"selector":"#hero img","attributes":{"src":"javascript:alert(1)","alt":"A cat","onclick":"alert(1)",
                   "style":"color:red","srcset":"/a.jpg 1x, data:x 2x"},"text":"ok","html":"<b>x</b>","color":"red"},
                 {"text":"no selector"},
                 {"selector":"#y","show":false},
                 "not an object"]"##,
        );
        assert_eq!(actions.len(), 2, "{actions:?}");
        let paths: Vec<_> = warnings
            .iter()
            .map(|w| (w.path.as_str(), w.action))
            .collect();
        assert_eq!(
            paths,
            [
                ("actions[0].attributes.src", Some(0)),
                ("actions[0].attributes.onclick", Some(0)),
                ("actions[0].attributes.style", Some(0)),
                ("actions[0].attributes.srcset", Some(0)),
                ("actions[0].html", Some(0)),
                ("actions[0].color", Some(0)),
                ("actions[1].selector", Some(1)),
                ("actions[2].show", Some(2)),
                ("actions[2]", Some(2)),
                ("actions[3]", Some(3)),
            ]
        );
    }

    #[test]
    fn a_visitor_value_cannot_make_a_url_evil() {
        let (actions, warnings) =
            parse(r##"[{"selector":"a","attributes":{"href":"{{query.next|/home}}"}}]"##);
        assert!(warnings.is_empty());
        let evil = Value::parse_json(r#"{"query":{"next":"javascript:alert(1)"}}"#).unwrap();
        assert!(actions[0].resolve(&evil).is_err());
        let fine = Value::parse_json(r#"{"query":{"next":"/cats"}}"#).unwrap();
        assert!(actions[0].resolve(&fine).is_ok());
        // Every spelling the WHATWG parser reads as another host, from the visitor's value.
        for next in [
            "//evil.example/x",
            "\\\\evil.example\\x",
            "/\\evil.example/x",
            "\\/evil.example/x",
            "https:evil.example/x",
            "https://evil.example/x",
            "http:/evil.example/x",
            "HTTPS:\\\\evil.example",
        ] {
            let evil = Value::parse_json(&format!(
                r#"{{"query":{{"next":"{}"}}}}"#,
                next.replace('\\', "\\\\")
            ))
            .unwrap();
            assert!(actions[0].resolve(&evil).is_err(), "{next}");
        }
        for next in ["/cats?x=//y", "cats/toys", "?q=1", "#top", "/a\\b"] {
            let fine = Value::parse_json(&format!(
                r#"{{"query":{{"next":"{}"}}}}"#,
                next.replace('\\', "\\\\")
            ))
            .unwrap();
            assert!(actions[0].resolve(&fine).is_ok(), "{next}");
        }
        // A fixed origin in the rule's own text stays fixed; a value cannot extend the host.
        let (actions, _) = parse(
            r##"[{"selector":"a","attributes":{"href":"https://shop.example/p/{{id}}","data-url":"https://shop.example{{id}}","src":"/{{id}}"}}]"##,
        );
        let v = Value::parse_json(r#"{"id":".evil.example/x"}"#).unwrap();
        assert!(actions[0].resolve(&v).is_ok());
        assert!(actions[1].resolve(&v).is_err());
        let v = Value::parse_json(r#"{"id":"/evil.example/x"}"#).unwrap();
        assert!(actions[2].resolve(&v).is_err());
        // The rule may opt in, for the whole action and its items.
        let (actions, warnings) = parse(
            r##"[{"selector":"a","offsiteUrls":true,"attributes":{"href":"{{query.next|/home}}"},"items":[{"attributes":{"href":"{{u}}"}}]}]"##,
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        let v = Value::parse_json(
            r#"{"query":{"next":"//partner.example/"},"u":"https://partner.example/"}"#,
        )
        .unwrap();
        assert!(actions[0].resolve(&v).is_ok());
        assert!(actions[1].resolve(&v).is_ok());
        let (_, warnings) =
            parse(r##"[{"selector":"a","attributes":{"href":"java{{x}}script:1"}}]"##);
        let reasons: Vec<_> = warnings.iter().map(|w| w.reason).collect();
        assert!(reasons[0].starts_with("URL refused"), "{reasons:?}");
        assert_eq!(reasons[1], "this action changes nothing");
    }

    #[test]
    fn items_fill_the_nth_matches() {
        let (actions, warnings) = parse(
            r##"[{"selector":".rec","items":[{"text":"Toys","attributes":{"href":"/cats/toys"}},{"text":"Food"},{"nope":1},3],"addClass":"rec--cat"}]"##,
        );
        let summary: Vec<_> = actions.iter().map(|a| a.index).collect();
        assert_eq!(summary, [None, Some(0), Some(0), Some(1)]);
        let paths: Vec<_> = warnings.iter().map(|w| w.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "actions[0].items[2].nope",
                "actions[0].items[2]",
                "actions[0].items[3]"
            ]
        );
    }
}
