//! `tailor check`: validates a rules file before it ships.
//!
//! ```text
//! tailor check rules.json [--page page.html]... [--strict]
//! ```
//!
//! Checks, in order: the published JSON Schema (`schema/rules.schema.json`, compiled into the
//! binary); the engine's own parse (every structural error, and every action the browser would
//! refuse: here those are errors, since a refused action in a file is always a mistake); rules
//! that can never win because a catch-all of the same slot comes first; selectors that are not
//! valid CSS; and, for each `--page`, selectors that match nothing in that HTML page, options
//! with more items than elements, and `<template>` ids missing from it. Attributes the rules
//! read that Tailor does not provide are warnings (they may be custom attributes set with
//! `tailor.set`); `--strict` makes every warning an error.
//!
//! Prints one line per finding, naming the rule and the JSON path, then a summary. Exit codes:
//! 0 no errors, 1 errors in the rules (including a file that is not JSON), 2 bad usage or an
//! unreadable file. This module reads files and prints; the meaning of rules is
//! `tailor::rules`'s.

use scraper::{Html, Selector};
use tailor::rules::{attribute_paths, is_known_attribute, unreachable_rules, Change, RuleSet};
use tailor::Value;

/// The published schema, the same file the build copies to `dist/`.
pub const SCHEMA: &str = include_str!("../../schema/rules.schema.json");

const USAGE: &str = "\
usage: tailor check RULES.json [--page PAGE.html]... [--strict]

  --page PAGE.html   also check that every selector matches an element of this page
                     (and every template id exists); may be given more than once
  --strict           treat warnings (unknown attributes, ...) as errors

Exit status: 0 no errors, 1 errors in the rules, 2 bad usage or unreadable file.";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One problem found, for one rule (or the file).
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub severity: Severity,
    pub rule: Option<String>,
    /// JSON path (`rules[2].actions[0].selector`), empty for the whole file or rule.
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{level}: ")?;
        if let Some(rule) = &self.rule {
            write!(f, "rule \"{rule}\" ")?;
        }
        if !self.path.is_empty() {
            write!(f, "at {} ", self.path)?;
        }
        write!(f, "- {}", self.message)
    }
}

/// The arguments of `tailor check` (and of `tailor compile`, which adds `out`).
pub struct Args {
    pub rules: String,
    pub pages: Vec<String>,
    pub strict: bool,
    /// `--out FILE` (`-o`), taken only when the command has one.
    pub out: Option<String>,
}

/// Runs `tailor check` with the arguments after `check`; returns the exit code.
pub fn run(args: &[String]) -> i32 {
    let args = match parse_args(args, USAGE, false) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("tailor check: {message}");
            return 2;
        }
    };
    let Some((text, pages)) = read_inputs("tailor check", &args.rules, &args.pages) else {
        return 2;
    };
    let (findings, rule_count) = check(&text, &pages, args.strict);
    for finding in &findings {
        println!("{}: {finding}", args.rules);
    }
    let errors = error_count(&findings);
    let warnings = findings.len() - errors;
    println!(
        "{}: {rule_count} rules, {errors} error{}, {warnings} warning{}",
        args.rules,
        plural(errors),
        plural(warnings)
    );
    i32::from(errors > 0)
}

/// The rules file's text and each page as `(path, html)`; `None`, after saying which file `tool`
/// cannot read, when one is unreadable.
pub fn read_inputs(
    tool: &str,
    rules: &str,
    pages: &[String],
) -> Option<(String, Vec<(String, String)>)> {
    let read = |path: &str| {
        std::fs::read_to_string(path)
            .map_err(|e| eprintln!("{tool}: cannot read {path}: {e}"))
            .ok()
    };
    let text = read(rules)?;
    let mut html = Vec::new();
    for path in pages {
        html.push((path.clone(), read(path)?));
    }
    Some((text, html))
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// How many of `findings` are errors.
pub fn error_count(findings: &[Finding]) -> usize {
    findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count()
}

/// Reads `RULES.json [--page PAGE]... [--strict]`, and `--out FILE` when `with_out`; `usage` is
/// the command's own, shown with every mistake.
pub fn parse_args(args: &[String], usage: &str, with_out: bool) -> Result<Args, String> {
    let mut rules = None;
    let mut pages = Vec::new();
    let mut strict = false;
    let mut out = None;
    let mut rest = args.iter();
    let value = |arg: &str, rest: &mut core::slice::Iter<'_, String>| {
        rest.next()
            .cloned()
            .ok_or_else(|| format!("{arg} needs a file\n\n{usage}"))
    };
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--help" | "-h" => return Err(usage.to_owned()),
            "--strict" => strict = true,
            "--page" => pages.push(value(arg, &mut rest)?),
            a if a.starts_with("--page=") => pages.push(a["--page=".len()..].to_owned()),
            "--out" | "-o" if with_out => out = Some(value(arg, &mut rest)?),
            a if a.starts_with('-') && a.len() > 1 => {
                return Err(format!("unknown argument `{a}`\n\n{usage}"))
            }
            file if rules.is_none() => rules = Some(file.to_owned()),
            extra => return Err(format!("one rules file at a time (`{extra}`)\n\n{usage}")),
        }
    }
    let rules = rules.ok_or_else(|| format!("which rules file?\n\n{usage}"))?;
    Ok(Args {
        rules,
        pages,
        strict,
        out,
    })
}

/// Every finding for the rules `text`, checked against `pages` (`(name, html)`), and the number
/// of rules that parsed.
pub fn check(text: &str, pages: &[(String, String)], strict: bool) -> (Vec<Finding>, usize) {
    let mut findings = Vec::new();
    let json: serde_json::Value = match serde_json::from_str(text) {
        Ok(json) => json,
        Err(e) => {
            findings.push(Finding {
                severity: Severity::Error,
                rule: None,
                path: String::new(),
                message: format!("not valid JSON: {e}"),
            });
            return (findings, 0);
        }
    };
    let value = Value::from(&json);
    if tailor::rules::compiled::is_compiled(&value) {
        findings.push(Finding {
            severity: Severity::Error,
            rule: None,
            path: String::new(),
            message: "these are compiled rules (`tailor compile`): check the JSON rules they \
                      were compiled from"
                .to_owned(),
        });
        return (findings, 0);
    }
    let report = RuleSet::parse_report(&value);
    let rule_id_at = |index: usize| -> Option<String> {
        let list = json.get("rules").unwrap_or(&json);
        list.get(index)?.get("id")?.as_str().map(str::to_owned)
    };

    // The engine's findings come first: their messages say the most.
    let mut flagged: Vec<Option<usize>> = Vec::new();
    for error in &report.errors {
        flagged.push(error.rule_index);
        findings.push(Finding {
            severity: Severity::Error,
            rule: error.rule_id.clone(),
            path: error.path.clone(),
            message: error.message.clone(),
        });
    }
    for warning in &report.warnings {
        if let Some(index) = rule_index_of(&warning.path) {
            flagged.push(Some(index));
        }
        // A refused action or an unknown key is a mistake in a file; a rule without actions
        // may be meant (it only measures exposures).
        let severity = if warning.action.is_none() && warning.path.ends_with(".actions") {
            Severity::Warning
        } else {
            Severity::Error
        };
        findings.push(Finding {
            severity,
            rule: Some(warning.rule_id.clone()),
            path: warning.path.clone(),
            message: warning.reason.to_owned(),
        });
    }

    // The schema, for whatever the engine accepted but the published format does not.
    match schema_errors(&json) {
        Ok(errors) => {
            for (pointer, message) in errors {
                let index = pointer_rule_index(&pointer, json.is_array());
                if index.is_some() && flagged.contains(&index) {
                    continue;
                }
                if index.is_none() && flagged.contains(&None) {
                    continue;
                }
                findings.push(Finding {
                    severity: Severity::Error,
                    rule: index.and_then(rule_id_at),
                    path: pointer_to_path(&pointer),
                    message: format!("schema: {message}"),
                });
            }
        }
        Err(message) => findings.push(Finding {
            severity: Severity::Error,
            rule: None,
            path: String::new(),
            message: format!("the built-in schema is broken: {message}"),
        }),
    }

    let set = &report.rules;
    for (index, shadow) in unreachable_rules(set) {
        let (rule, by) = (&set.rules[index], &set.rules[shadow]);
        findings.push(Finding {
            severity: Severity::Error,
            rule: Some(rule.id.clone()),
            path: String::new(),
            message: format!(
                "unreachable: rule \"{}\" applies to everyone in slot \"{}\" with priority {} (this rule: {}), so this rule never wins",
                by.id,
                by.slot.as_deref().unwrap_or_default(),
                by.priority,
                rule.priority
            ),
        });
    }

    let warn = if strict {
        Severity::Error
    } else {
        Severity::Warning
    };
    for rule in &set.rules {
        for path in attribute_paths(rule) {
            if !is_known_attribute(&path) {
                findings.push(Finding {
                    severity: warn,
                    rule: Some(rule.id.clone()),
                    path: String::new(),
                    message: format!(
                        "reads attribute \"{path}\", which Tailor does not provide (fine only for a custom attribute set with tailor.set)"
                    ),
                });
            }
        }
    }

    check_selectors(set, pages, &mut findings);
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    (findings, set.rules.len())
}

fn check_selectors(set: &RuleSet, pages: &[(String, String)], findings: &mut Vec<Finding>) {
    let documents: Vec<(&str, Html)> = pages
        .iter()
        .map(|(name, html)| (name.as_str(), Html::parse_document(html)))
        .collect();
    let error = |rule: &str, message: String| Finding {
        severity: Severity::Error,
        rule: Some(rule.to_owned()),
        path: String::new(),
        message,
    };
    for rule in &set.rules {
        for selector_text in rule.selectors() {
            let selector = match Selector::parse(selector_text) {
                Ok(selector) => selector,
                Err(e) => {
                    findings.push(error(
                        &rule.id,
                        format!("invalid CSS selector `{selector_text}`: {e}"),
                    ));
                    continue;
                }
            };
            if let Some(tag) = refused_tag(selector_text) {
                findings.push(error(
                    &rule.id,
                    format!(
                        "selector `{selector_text}` names <{tag}>: the browser refuses every action on it"
                    ),
                ));
            }
            let items = rule
                .actions
                .iter()
                .filter(|a| a.selector == selector_text)
                .filter_map(|a| a.index)
                .max()
                .map_or(0, |i| i as usize + 1);
            for (name, document) in &documents {
                let found = document.select(&selector).count();
                if found == 0 {
                    findings.push(error(
                        &rule.id,
                        format!("selector `{selector_text}` matches nothing in {name}"),
                    ));
                } else if found < items {
                    findings.push(Finding {
                        severity: Severity::Warning,
                        rule: Some(rule.id.clone()),
                        path: String::new(),
                        message: format!(
                            "selector `{selector_text}` has {items} items but matches {found} element{} in {name}",
                            plural(found)
                        ),
                    });
                }
            }
        }
        for action in &rule.actions {
            let Change::Template(id) = &action.change else {
                continue;
            };
            for (name, document) in &documents {
                let exists = Selector::parse("template[id]").ok().is_some_and(|s| {
                    document
                        .select(&s)
                        .any(|t| t.value().attr("id") == Some(id.as_str()))
                });
                if !exists {
                    findings.push(error(
                        &rule.id,
                        format!("no <template id=\"{id}\"> in {name}"),
                    ));
                }
            }
        }
    }
}

/// The first tag the browser shell never changes (script, style, embedded content, SVG, ...)
/// that `selector` names as a type selector.
fn refused_tag(selector: &str) -> Option<String> {
    let bytes = selector.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'\\';
    let mut i = 0;
    while i < bytes.len() {
        if !word(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && word(bytes[i]) {
            i += 1;
        }
        // A type selector starts the selector or follows a combinator, a comma or a `(`.
        let before = start.checked_sub(1).map(|j| bytes[j]);
        let type_position = before.is_none_or(|b| b" \t\n>+~,(|*".contains(&b));
        let name = selector[start..i].to_ascii_lowercase();
        if type_position && tailor::rules::REFUSED_TAGS.contains(&name.as_str()) {
            return Some(name);
        }
    }
    None
}

/// Schema violations as (JSON pointer, message).
fn schema_errors(json: &serde_json::Value) -> Result<Vec<(String, String)>, String> {
    let schema: serde_json::Value = serde_json::from_str(SCHEMA).map_err(|e| e.to_string())?;
    let validator = jsonschema::validator_for(&schema).map_err(|e| e.to_string())?;
    Ok(validator
        .iter_errors(json)
        .map(|e| (e.instance_path().to_string(), e.to_string()))
        .collect())
}

/// `/rules/3/actions/0` → rule 3 (or `/3/...` for a bare array).
fn pointer_rule_index(pointer: &str, bare: bool) -> Option<usize> {
    let mut parts = pointer.split('/').skip(1);
    if !bare && parts.next()? != "rules" {
        return None;
    }
    parts.next()?.parse().ok()
}

/// `/rules/3/actions/0/text` → `rules[3].actions[0].text`.
fn pointer_to_path(pointer: &str) -> String {
    let mut out = String::new();
    for part in pointer.split('/').skip(1) {
        let part = part.replace("~1", "/").replace("~0", "~");
        if part.parse::<usize>().is_ok() {
            out.push_str(&format!("[{part}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&part);
        }
    }
    out
}

/// The rule index at the start of an engine path (`rules[3]...` or `[3]...`).
fn rule_index_of(path: &str) -> Option<usize> {
    let rest = path
        .strip_prefix("rules")
        .unwrap_or(path)
        .strip_prefix('[')?;
    rest[..rest.find(']')?].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_pointers() {
        assert_eq!(pointer_rule_index("/rules/3/actions/0", false), Some(3));
        assert_eq!(pointer_rule_index("/3/id", true), Some(3));
        assert_eq!(pointer_rule_index("/version", false), None);
        assert_eq!(
            pointer_to_path("/rules/3/actions/0/attributes/on~1x"),
            "rules[3].actions[0].attributes.on/x"
        );
        assert_eq!(rule_index_of("rules[12].actions[0]"), Some(12));
        assert_eq!(rule_index_of("[2].id"), Some(2));
        assert_eq!(rule_index_of("rules"), None);
    }

    #[test]
    fn the_built_in_schema_compiles() {
        assert_eq!(schema_errors(&serde_json::json!({"rules": []})), Ok(vec![]));
        let errors =
            schema_errors(&serde_json::json!({"rules": [{"id": "a", "holdout": 2}]})).unwrap();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, "/rules/0/holdout");
    }

    #[test]
    fn findings_name_rules() {
        let rules = r##"{"rules":[
            {"id":"all","slot":"hero","priority":5,"actions":[{"selector":"#hero","text":"Hi"}]},
            {"id":"cat","slot":"hero","condition":{"pets":"cat"},"actions":[{"selector":"#hero","text":"Cat"}]},
            {"id":"bad","actions":[{"selector":"a[","text":"x"},{"selector":"#x","attributes":{"onclick":"x"},"hide":true}]}]}"##;
        let page = ("page.html".to_owned(), "<div id=hero></div>".to_owned());
        let (findings, count) = check(rules, &[page], false);
        assert_eq!(count, 3);
        let lines: Vec<_> = findings.iter().map(ToString::to_string).collect();
        let text = lines.join("\n");
        assert!(
            text.contains(
                "error: rule \"bad\" at rules[2].actions[1].attributes.onclick - event handler"
            ),
            "{text}"
        );
        assert!(
            text.contains("error: rule \"cat\" - unreachable: rule \"all\""),
            "{text}"
        );
        assert!(
            text.contains("error: rule \"bad\" - invalid CSS selector `a[`"),
            "{text}"
        );
        assert!(
            text.contains("error: rule \"bad\" - selector `#x` matches nothing in page.html"),
            "{text}"
        );
        assert!(
            text.contains("warning: rule \"cat\" - reads attribute \"pets\""),
            "{text}"
        );
        let (findings, _) = check(
            r##"{"rules":[{"id":"s","actions":[{"selector":"#a, body > SCRIPT","text":"x"},{"selector":".script #style[data-x=iframe]","text":"y"}]}]}"##,
            &[],
            false,
        );
        let tags: Vec<_> = findings.iter().map(ToString::to_string).collect();
        assert_eq!(tags.len(), 1, "{tags:?}");
        assert!(tags[0].contains("names <script>"), "{tags:?}");
        // The schema's own complaint about the same onclick is not repeated.
        assert!(!text.contains("schema:"), "{text}");
    }
}
