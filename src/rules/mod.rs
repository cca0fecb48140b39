//! Rules: what each visitor sees, decided as a pure function of rules, attributes and history.
//!
//! This module owns the rule format (parsed from a [`Value`], so the browser can hand over what
//! its own `JSON.parse` returned), the safety checks on actions (allow-listed attributes, URL
//! schemes, `srcset` candidates), templates, and [`decide`]. It must never touch the page, the
//! clock or storage: the browser shell applies the [`Decision`]s it returns, records exposures,
//! and passes the time and the exposure history in. It must never run data as code either:
//! templates only substitute attribute values as plain text, and actions are data the shell
//! applies with `textContent`, `setAttribute` on allow-listed names, `classList` and `<template>`
//! clones of the site's own markup.
//!
//! # The format (see `schema/rules.schema.json`)
//!
//! ```json
//! { "version": "2024-12-01",
//!   "rules": [
//!     { "id": "cat-hero",
//!       "condition": { "pet": "cat" },
//!       "slot": "hero", "priority": 10,
//!       "cap": { "session": 1, "day": 3, "lifetime": 20, "minIntervalMinutes": 30 },
//!       "holdout": 0.1,
//!       "schedule": { "start": "2024-12-01", "end": "2025-01-06T00:00:00+09:00" },
//!       "pages": ["/", "/cats/**", "!/cats/admin/**"],
//!       "actions": [
//!         { "selector": "#greeting", "text": "Welcome back, {{name|friend}}!" },
//!         { "selector": "#hero img", "attributes": { "src": "/img/cat.jpg", "alt": "A cat" } },
//!         { "selector": "#hero", "addClass": "hero--cat", "removeClass": ["hero--dog"] },
//!         { "selector": "#dog-banner", "hide": true },
//!         { "selector": "#promo", "template": "cat-promo" },
//!         { "selector": ".rec", "items": [ { "text": "Cat toys" }, { "text": "Cat food" } ] } ] } ] }
//! ```
//!
//! A rule may also carry `"data"`: text values for its slot (`{"cta": "Shop {{pet}} food"}`),
//! rendered like action text and handed to the page instead of (or besides) editing it; a rule
//! with `data` needs no actions. See `payload`.
//!
//! A bare array of rules is accepted too. A structurally broken rule (not an object, no id, a
//! duplicate id, an invalid condition, or an invalid `priority`, `slot`, `cap`, `holdout`,
//! `schedule` or `pages`) is a [`RuleError`]: running a promotion outside its schedule or pages
//! is worse than not running it. A bad *action* (a `javascript:` URL, an `onclick` attribute, an
//! unknown key) is only refused, with a [`Warning`], and the rule's other actions still apply.
//!
//! URLs from visitors: a URL attribute (`src`, `href`, `data-*url`, ...) with a placeholder
//! (`"href": "{{query.next|/home}}"`) is checked again once it is filled, and the visitor's value
//! may not change its origin: the filled URL must be a path, `?query` or `#fragment` on the page's
//! own origin, or keep the scheme and host written in the rule's own text before the first
//! placeholder (`https://shop.example/p/{{id}}`). Origins are read as the browser's URL parser
//! reads them (`\` is `/`, so `//x`, `\\x`, `/\x`, `\/x` and `https:x` all name host `x`). An
//! action with `"offsiteUrls": true` (on the action; it covers its items) lets visitor values
//! point anywhere http(s).
//!
//! Page patterns (`pages`): a pattern starting with `/` matches the URL's path (no query, no
//! fragment); any other pattern matches the whole URL without its fragment. `*` matches any run of
//! characters except `/`, `**` any run including `/`; everything else matches itself, case
//! sensitively. A pattern starting with `!` excludes. A rule is in scope when no exclusion matches
//! and either there is no inclusion or one matches. Schedules take ISO 8601 (`2024-12-01`, which is
//! midnight UTC, or `2024-12-01T09:00:00+09:00`; a time needs `Z` or an offset) or milliseconds
//! since the epoch; `start` is inclusive, `end` exclusive.

use crate::prelude::*;
mod action;
pub mod compiled;
mod decide;
mod lint;
mod parse;
mod payload;
mod scope;
mod template;
/// Number and path text helpers live at the crate root ([`crate::text`]), below every module.
pub(crate) use crate::text;
mod url;

pub use action::{Action, Change, Edit, Resolved};
pub use decide::{decide, DecideInput, Decision, Decisions, Outcome, RuleReport};
pub use lint::{attribute_paths, is_known_attribute, unreachable_rules, KNOWN_ATTRIBUTES};
pub use parse::ParseReport;
pub use payload::{Payload, MAX_DATA_KEYS, MAX_DATA_KEY_BYTES, MAX_DATA_VALUE_BYTES};
pub use scope::{glob_matches, parse_time, PagePattern};
pub use template::{Segment, Template};
/// Elements no rule may change, by local name: they run script, load content or style the page.
/// The browser shell refuses them (and anything inside `<svg>` or `<math>`) when applying, and
/// `tailor check` reports selectors that name them.
pub const REFUSED_TAGS: [&str; 18] = [
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "link",
    "base",
    "meta",
    "template",
    "noscript",
    "frame",
    "frameset",
    "svg",
    "math",
    "foreignobject",
    "animate",
    "set",
    "use",
];

pub use url::{attribute_allowed, is_safe_srcset, is_safe_url, AttributeKind};

pub use crate::profile::ExposureCounts;

use crate::condition::Condition;
use crate::Value;
use core::fmt;

/// A parsed rule set, as loaded from `rules.json` or the page's inline `#tailor-rules` block.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    /// The set's `version` (a string or number as written), for caching; `None` for a bare array.
    pub version: Option<String>,
    pub rules: Vec<Rule>,
}

/// One rule. Fields are public for the shell's debug view; build them with [`RuleSet::parse`].
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub condition: Condition,
    /// The condition as written (`{}` when absent), for explanations and `tailor check`.
    pub condition_source: Value,
    /// A short human summary of the condition (`pet = cat, visits >= 3`), empty for none.
    pub summary: String,
    /// Higher wins within a slot (default 0).
    pub priority: i32,
    /// At most one rule wins each slot; `None`: the rule competes with nobody.
    pub slot: Option<String>,
    pub cap: Cap,
    /// Share of visitors (0–1) who keep the default and are counted as control.
    pub holdout: f64,
    pub schedule: Schedule,
    pub pages: Vec<PagePattern>,
    pub actions: Vec<Action>,
    /// The slot's payload (`data`), templates unrendered; `None` when the rule has none.
    pub data: Option<Payload>,
}

/// A frequency cap: the rule is not shown once any limit is reached.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cap {
    pub session: Option<u32>,
    pub day: Option<u32>,
    pub lifetime: Option<u32>,
    /// Minimum time between two exposures, in minutes.
    pub min_interval_minutes: Option<u32>,
}

impl Cap {
    pub fn is_none(&self) -> bool {
        *self == Cap::default()
    }
}

/// When a rule runs: `start` inclusive, `end` exclusive, ms since the epoch. The texts are kept
/// as written for explanations.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schedule {
    pub start: Option<(f64, String)>,
    pub end: Option<(f64, String)>,
}

/// Why a rule set (or one rule of it) was refused.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleError {
    /// The rule's position in the list, when the problem is in one rule.
    pub rule_index: Option<usize>,
    pub rule_id: Option<String>,
    /// Where, as a JSON path (`rules[2].cap.day`).
    pub path: String,
    pub message: String,
}

impl RuleError {
    /// `rule "hero" at rules[2].cap.day: ...`, built without `core::fmt` (docs/size.md).
    pub fn describe(&self) -> String {
        let mut out = String::new();
        if let Some(id) = &self.rule_id {
            out.push_str("rule \"");
            out.push_str(id);
            out.push_str("\" ");
        }
        if !self.path.is_empty() {
            out.push_str("at ");
            out.push_str(&self.path);
            out.push_str(": ");
        }
        out.push_str(&self.message);
        out
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl std::error::Error for RuleError {}

/// An action (or part of one) that was refused; the rest of the rule still applies.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    pub rule_id: String,
    /// Index in the rule's `actions`, when the warning is about an action.
    pub action: Option<usize>,
    /// Where, as a JSON path (`rules[0].actions[1].attributes.onclick`).
    pub path: String,
    pub reason: &'static str,
}

impl Warning {
    /// `rule "hero" at rules[0].actions[1]: ...`, built without `core::fmt` (docs/size.md).
    pub fn describe(&self) -> String {
        let at = &self.path;
        crate::text::concat(&["rule \"", &self.rule_id, "\" at ", at, ": ", self.reason])
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl RuleSet {
    /// Parses `{"version": ..., "rules": [...]}` or a bare array of rules. Returns the rule set
    /// and the refused actions, or the first structural error.
    pub fn parse(value: &Value) -> Result<(RuleSet, Vec<Warning>), RuleError> {
        let report = parse::parse_report(value);
        match report.errors.into_iter().next() {
            Some(error) => Err(error),
            None => Ok((report.rules, report.warnings)),
        }
    }

    /// The rules a page gives the engine: compiled rules (`tailor compile`), or JSON rules,
    /// parsed and checked. Returns the rule set and its warnings, worded, or why it was refused.
    ///
    /// Natively and in the site owner's tools engine both forms are read. Each visitors' engine
    /// in the browser reads one, and the loader gives it only that one: `tailor_core` JSON rules,
    /// `tailor_lean` (cargo feature `compiled-only`) compiled rules, so neither downloads the
    /// other's reader (the compiled reader is 2.5 KB gzip, the JSON parser 12 KB: docs/size.md).
    pub fn load(value: &Value) -> Result<(RuleSet, Vec<String>), String> {
        let browser = cfg!(target_arch = "wasm32");
        let lean = cfg!(feature = "compiled-only");
        if compiled::is_compiled(value) {
            if browser && !lean && !cfg!(feature = "tools") {
                return Err(String::from(
                    "compiled rules are read by the lean engine (tailor_lean.wasm)",
                ));
            }
            return compiled::read(value);
        }
        if browser && lean {
            return Err(String::from(
                "the lean engine reads compiled rules only (`tailor compile`)",
            ));
        }
        let (set, warnings) = RuleSet::parse(value).map_err(|e| e.describe())?;
        Ok((set, warnings.iter().map(Warning::describe).collect()))
    }

    /// Parses and keeps going after errors (for `tailor check`): every error, every warning,
    /// and the rules that did parse.
    pub fn parse_report(value: &Value) -> ParseReport {
        parse::parse_report(value)
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Every selector any rule may change, each once, in rule order: what the loader pre-hides
    /// against flicker.
    pub fn selectors(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for rule in &self.rules {
            for selector in rule.selectors() {
                if !out.contains(&selector) {
                    out.push(selector);
                }
            }
        }
        out
    }
}

impl Rule {
    /// The selectors this rule's actions change, each once.
    pub fn selectors(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for action in &self.actions {
            if !out.contains(&action.selector.as_str()) {
                out.push(&action.selector);
            }
        }
        out
    }

    /// Whether the rule applies to everyone, everywhere, always (no condition, schedule, pages
    /// or cap): a rule of the same slot behind it can never win.
    pub fn is_catch_all(&self) -> bool {
        self.condition_source
            .as_object()
            .is_some_and(<[_]>::is_empty)
            && self.schedule == Schedule::default()
            && self.pages.is_empty()
            && self.cap.is_none()
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn rules(json: &str) -> Result<(RuleSet, Vec<Warning>), RuleError> {
        RuleSet::parse(&Value::parse_json(json).unwrap())
    }

    #[test]
    fn selectors_are_listed_once_in_rule_order() {
        let (set, warnings) = rules(
            r##"[{"id":"a","actions":[{"selector":"#g","text":"x"},{"selector":".r","items":[{"text":"1"},{"text":"2"}]}]},
                 {"id":"b","actions":[{"selector":"#g","hide":true},{"selector":"#h","show":true}]}]"##,
        )
        .unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(set.selectors(), ["#g", ".r", "#h"]);
        assert_eq!(set.get("b").unwrap().selectors(), ["#g", "#h"]);
    }

    #[test]
    fn errors_and_warnings_name_the_rule_and_the_path() {
        let err = rules(r#"[{"id":"a","actions":[]},{"id":"a","actions":[]}]"#).unwrap_err();
        assert_eq!(err.to_string(), "rule \"a\" at [1].id: duplicate rule id");
        let (_, warnings) = rules(
            r##"[{"id":"a","actions":[{"selector":"#x","text":"ok","attributes":{"onclick":"x"}}]}]"##,
        )
        .unwrap();
        assert_eq!(
            warnings[0].to_string(),
            "rule \"a\" at [0].actions[0].attributes.onclick: \
             event handler attributes (on*) are never allowed"
        );
        assert_eq!(warnings[0].action, Some(0));
    }
}
