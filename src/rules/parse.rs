//! Reading a rule set from a [`Value`]: the rule fields, each checked, with errors and warnings
//! that name the rule and the JSON path.

use super::action::parse_actions;
use super::payload::parse_data;
use super::scope::{parse_time, PagePattern};
use super::text::{dotted, indexed, push_number};
use super::{Cap, Rule, RuleError, RuleSet, Schedule, Warning};
use crate::condition::Condition;
use crate::float;
use crate::prelude::*;
use crate::Value;

/// Everything found while parsing: the rules that parsed, every error, every warning.
#[derive(Debug, Clone, Default)]
pub struct ParseReport {
    pub rules: RuleSet,
    pub errors: Vec<RuleError>,
    pub warnings: Vec<Warning>,
}

/// Priorities are whole numbers in this range, so explanations never print a fraction.
const MAX_PRIORITY: f64 = 1_000_000.0;

/// Which rules have an id an earlier rule has (the first one is kept): one pass over an
/// open-addressing table of first indices, linear in the number of rules, where asking every
/// earlier rule was quadratic (16,000 rules took a second). A table, not a sort or a `HashMap`:
/// both would add kilobytes of generic code to the wasm (a sort here cost +3.5 KB gzip).
fn duplicates(ids: &[Option<&str>]) -> Vec<bool> {
    let size = (ids.len() * 2).next_power_of_two();
    let mut first = vec![usize::MAX; size];
    let mut duplicate = vec![false; ids.len()];
    for (i, id) in ids.iter().enumerate() {
        let Some(id) = id else { continue };
        // FNV-1a over the id's bytes.
        let mut hash: u32 = 0x811c_9dc5;
        for &b in id.as_bytes() {
            hash = (hash ^ u32::from(b)).wrapping_mul(0x0100_0193);
        }
        let mut slot = hash as usize & (size - 1);
        loop {
            match first[slot] {
                usize::MAX => {
                    first[slot] = i;
                    break;
                }
                j if ids[j] == Some(*id) => {
                    duplicate[i] = true;
                    break;
                }
                _ => slot = (slot + 1) & (size - 1),
            }
        }
    }
    duplicate
}

pub(super) fn parse_report(value: &Value) -> ParseReport {
    let mut report = ParseReport::default();
    let list = match value {
        Value::Array(items) => items.as_slice(),
        Value::Object(_) => {
            report.rules.version = match value.get("version") {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(n)) => {
                    let mut s = String::new();
                    push_number(&mut s, *n);
                    Some(s)
                }
                _ => None,
            };
            match value.get("rules").and_then(Value::as_array) {
                Some(list) => list,
                None => {
                    report
                        .errors
                        .push(set_error("rules", "expected a \"rules\" array"));
                    return report;
                }
            }
        }
        _ => {
            report.errors.push(set_error(
                "",
                "expected an object with a \"rules\" array, or an array of rules",
            ));
            return report;
        }
    };
    let prefix = if value.as_array().is_some() {
        ""
    } else {
        "rules"
    };
    let parsed: Vec<_> = list
        .iter()
        .enumerate()
        .map(|(index, raw)| {
            let path = indexed("", prefix, index);
            let result = parse_rule(raw, &path, &mut report.warnings);
            (path, result)
        })
        .collect();
    let ids: Vec<Option<&str>> = parsed
        .iter()
        .map(|(_, r)| r.as_ref().ok().map(|r| r.id.as_str()))
        .collect();
    let duplicate = duplicates(&ids);
    for (index, ((path, result), raw)) in parsed.into_iter().zip(list).enumerate() {
        let id = raw.get("id").and_then(Value::as_str).map(str::to_owned);
        let fail = |at: String, message: String| RuleError {
            rule_index: Some(index),
            rule_id: id.clone(),
            path: at,
            message,
        };
        match result {
            Err((at, message)) => report.errors.push(fail(at, message)),
            Ok(_) if duplicate[index] => {
                report
                    .errors
                    .push(fail(dotted(&path, "id"), "duplicate rule id".to_owned()));
            }
            Ok(rule) => report.rules.rules.push(rule),
        }
    }
    report
}

fn set_error(path: &str, message: &str) -> RuleError {
    RuleError {
        rule_index: None,
        rule_id: None,
        path: path.to_owned(),
        message: message.to_owned(),
    }
}

type Failure = (String, String);

fn fail(path: String, message: &str) -> Failure {
    (path, message.to_owned())
}

fn parse_rule(raw: &Value, path: &str, warnings: &mut Vec<Warning>) -> Result<Rule, Failure> {
    if raw.as_object().is_none() {
        return Err(fail(path.to_owned(), "a rule must be an object"));
    }
    let id = match raw.get("id") {
        Some(Value::String(s)) if !s.trim_ascii().is_empty() && s.len() <= 200 => s.clone(),
        _ => {
            return Err(fail(
                dotted(path, "id"),
                "needs a non-empty string \"id\" (at most 200 bytes)",
            ))
        }
    };
    let condition_source = raw
        .get("condition")
        .cloned()
        .unwrap_or(Value::Object(Vec::new()));
    let condition = Condition::parse(&condition_source).map_err(|e| {
        let mut at = dotted(path, "condition");
        if !e.path.is_empty() {
            at.push('.');
            at.push_str(&e.path);
        }
        (at, e.message)
    })?;
    let priority = match raw.get("priority") {
        None => 0,
        Some(Value::Number(n)) if float::fract(*n) == 0.0 && n.abs() <= MAX_PRIORITY => *n as i32,
        Some(_) => {
            return Err(fail(
                dotted(path, "priority"),
                "priority must be a whole number between -1000000 and 1000000",
            ))
        }
    };
    let slot = match raw.get("slot") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.trim_ascii().is_empty() => Some(s.clone()),
        Some(_) => {
            return Err(fail(
                dotted(path, "slot"),
                "slot must be a non-empty string",
            ))
        }
    };
    let cap = match raw.get("cap") {
        None => Cap::default(),
        Some(v) => parse_cap(v, &dotted(path, "cap"))?,
    };
    let holdout = match raw.get("holdout") {
        None => 0.0,
        Some(Value::Number(n)) if (0.0..=1.0).contains(n) => *n,
        Some(_) => {
            return Err(fail(
                dotted(path, "holdout"),
                "holdout must be a share between 0 and 1 (0.1 = 10% of visitors)",
            ))
        }
    };
    let schedule = match raw.get("schedule") {
        None => Schedule::default(),
        Some(v) => parse_schedule(v, &dotted(path, "schedule"))?,
    };
    let pages = match raw.get("pages") {
        None => Vec::new(),
        Some(Value::Array(items)) => {
            let mut pages = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let at = indexed(path, "pages", i);
                let text = item
                    .as_str()
                    .ok_or_else(|| fail(at.clone(), "a page pattern must be a string"))?;
                pages.push(PagePattern::parse(text).map_err(|m| fail(at, m))?);
            }
            pages
        }
        Some(_) => {
            return Err(fail(
                dotted(path, "pages"),
                "pages must be an array of patterns",
            ))
        }
    };
    let data_path = dotted(path, "data");
    let data = match raw.get("data") {
        None => None,
        Some(v) => {
            Some(parse_data(v, &data_path, &id, warnings).map_err(|m| fail(data_path.clone(), m))?)
        }
    };
    if data.is_some() && slot.is_none() {
        warnings.push(Warning {
            rule_id: id.clone(),
            action: None,
            path: data_path,
            reason: "data is read per slot: without a \"slot\" the page can never read it",
        });
    }
    let actions_path = dotted(path, "actions");
    let actions = match raw.get("actions") {
        Some(Value::Array(list)) => parse_actions(list, &actions_path, &id, warnings),
        None if data.is_some() => Vec::new(),
        None => {
            warnings.push(Warning {
                rule_id: id.clone(),
                action: None,
                path: actions_path,
                reason: "no actions: the rule only records exposures",
            });
            Vec::new()
        }
        Some(_) => return Err(fail(actions_path, "actions must be an array")),
    };
    for (key, _) in raw.as_object().unwrap_or(&[]) {
        if !KNOWN_KEYS.contains(&key.as_str()) {
            warnings.push(Warning {
                rule_id: id.clone(),
                action: None,
                path: dotted(path, key),
                reason: "unknown rule key; ignored",
            });
        }
    }
    let summary = summarize(&condition_source);
    Ok(Rule {
        id,
        condition,
        condition_source,
        summary,
        priority,
        slot,
        cap,
        holdout,
        schedule,
        pages,
        actions,
        data,
    })
}

const KNOWN_KEYS: [&str; 12] = [
    "id",
    "condition",
    "priority",
    "slot",
    "cap",
    "holdout",
    "schedule",
    "pages",
    "actions",
    "data",
    "description",
    "name",
];

fn parse_cap(v: &Value, path: &str) -> Result<Cap, Failure> {
    let Some(members) = v.as_object() else {
        return Err(fail(path.to_owned(), "cap must be an object"));
    };
    let mut cap = Cap::default();
    for (key, value) in members {
        let field = match key.as_str() {
            "session" => &mut cap.session,
            "day" => &mut cap.day,
            "lifetime" => &mut cap.lifetime,
            "minIntervalMinutes" => &mut cap.min_interval_minutes,
            _ => {
                return Err(fail(
                    dotted(path, key),
                    "unknown cap field (session, day, lifetime, minIntervalMinutes)",
                ))
            }
        };
        *field = match value {
            Value::Number(n) if float::fract(*n) == 0.0 && (0.0..=4_294_967_295.0).contains(n) => {
                Some(*n as u32)
            }
            _ => {
                return Err(fail(
                    dotted(path, key),
                    "a cap is a whole number of exposures (or minutes), 0 or more",
                ))
            }
        };
    }
    Ok(cap)
}

fn parse_schedule(v: &Value, path: &str) -> Result<Schedule, Failure> {
    let Some(members) = v.as_object() else {
        return Err(fail(
            path.to_owned(),
            "schedule must be an object with start and/or end",
        ));
    };
    let mut schedule = Schedule::default();
    for (key, value) in members {
        let at = dotted(path, key);
        let field = match key.as_str() {
            "start" => &mut schedule.start,
            "end" => &mut schedule.end,
            _ => return Err(fail(at, "unknown schedule field (start, end)")),
        };
        let ms = parse_time(value).map_err(|m| fail(at, m))?;
        let text = match value {
            Value::String(s) => s.trim_ascii().to_owned(),
            _ => {
                let mut s = String::new();
                push_number(&mut s, ms);
                s.push_str(" ms");
                s
            }
        };
        *field = Some((ms, text));
    }
    if let (Some((start, _)), Some((end, _))) = (&schedule.start, &schedule.end) {
        if end <= start {
            return Err(fail(
                dotted(path, "end"),
                "the schedule ends before it starts",
            ));
        }
    }
    Ok(schedule)
}

/// A short human summary of a condition for explanations: `pet = cat, visits >= 3`. Clauses
/// that do not read well in a line (`$or`, `$elemMatch`, ...) are named by their attribute or
/// operator only.
fn summarize(condition: &Value) -> String {
    let mut out = String::new();
    let Some(members) = condition.as_object() else {
        return out;
    };
    for (key, value) in members.iter().take(6) {
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str(key);
        if key.starts_with('$') {
            out.push_str("(…)");
            continue;
        }
        match value {
            Value::Object(ops) if ops.len() == 1 && ops[0].0.starts_with('$') => {
                let (op, operand) = &ops[0];
                let symbol = match op.as_str() {
                    "$eq" => " = ",
                    "$ne" => " != ",
                    "$gt" => " > ",
                    "$gte" => " >= ",
                    "$lt" => " < ",
                    "$lte" => " <= ",
                    "$in" => " in ",
                    "$nin" => " not in ",
                    "$exists" => " exists: ",
                    "$regex" => " ~ ",
                    _ => {
                        out.push(' ');
                        out.push_str(op);
                        out.push_str(" …");
                        continue;
                    }
                };
                out.push_str(symbol);
                push_operand(&mut out, operand);
            }
            Value::Object(_) | Value::Array(_) => out.push_str(" = {…}"),
            scalar => {
                out.push_str(" = ");
                push_operand(&mut out, scalar);
            }
        }
    }
    if members.len() > 6 {
        out.push_str(", …");
    }
    out
}

fn push_operand(out: &mut String, v: &Value) {
    match v {
        Value::String(s) => out.push_str(&crate::context::clip(s, 40)),
        Value::Number(n) => push_number(out, *n),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Null => out.push_str("null"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().take(5).enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                match item {
                    Value::Array(_) | Value::Object(_) => out.push('…'),
                    _ => push_operand(out, item),
                }
            }
            if items.len() > 5 {
                out.push_str(", …");
            }
            out.push(']');
        }
        Value::Object(_) => out.push_str("{…}"),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn report(json: &str) -> ParseReport {
        parse_report(&Value::parse_json(json).unwrap())
    }

    fn first_error(json: &str) -> String {
        report(json).errors[0].to_string()
    }

    #[test]
    fn full_rule() {
        let r = report(
            r##"{"version":3,"rules":[{"id":"cat-hero","condition":{"pet":"cat","visits":{"$gte":2},"$or":[{"a":1}]},
                "priority":5,"slot":"hero","cap":{"session":1,"day":3,"lifetime":10,"minIntervalMinutes":30},
                "holdout":0.1,"schedule":{"start":"2024-12-01","end":1735689600000},"pages":["/cats/**","!/cats/admin"],
                "description":"x","actions":[{"selector":"#g","text":"Hi"}]}]}"##,
        );
        assert!(r.errors.is_empty() && r.warnings.is_empty(), "{r:?}");
        assert_eq!(r.rules.version.as_deref(), Some("3"));
        let rule = &r.rules.rules[0];
        assert_eq!(rule.summary, "pet = cat, visits >= 2, $or(…)");
        assert_eq!((rule.priority, rule.slot.as_deref()), (5, Some("hero")));
        assert_eq!(rule.cap.day, Some(3));
        assert_eq!(rule.cap.min_interval_minutes, Some(30));
        assert_eq!(rule.holdout, 0.1);
        assert_eq!(rule.schedule.start.as_ref().unwrap().1, "2024-12-01");
        assert_eq!(rule.schedule.end.as_ref().unwrap().1, "1735689600000 ms");
        assert_eq!(rule.pages.len(), 2);
    }

    #[test]
    fn structural_errors_name_the_rule_and_path() {
        assert_eq!(
            first_error("42"),
            "expected an object with a \"rules\" array, or an array of rules"
        );
        assert_eq!(
            first_error(r#"{"rulez":[]}"#),
            "at rules: expected a \"rules\" array"
        );
        assert_eq!(
            first_error(r#"[{"actions":[]}]"#),
            "at [0].id: needs a non-empty string \"id\" (at most 200 bytes)"
        );
        assert_eq!(
            first_error(r#"{"rules":[7]}"#),
            "at rules[0]: a rule must be an object"
        );
        assert_eq!(
            first_error(r#"[{"id":"a","condition":{"visits":{"$gte":true}}}]"#)
                .split(':')
                .next()
                .unwrap(),
            "rule \"a\" at [0].condition.visits.$gte"
        );
        assert!(first_error(r#"[{"id":"a","priority":1.5}]"#).contains("[0].priority"));
        assert!(first_error(r#"[{"id":"a","slot":3}]"#).contains("[0].slot"));
        assert!(first_error(r#"[{"id":"a","cap":{"week":1}}]"#).contains("[0].cap.week"));
        assert!(first_error(r#"[{"id":"a","cap":{"day":-1}}]"#).contains("[0].cap.day"));
        assert!(first_error(r#"[{"id":"a","holdout":1.5}]"#).contains("[0].holdout"));
        assert!(first_error(r#"[{"id":"a","schedule":{"start":"soon"}}]"#)
            .contains("[0].schedule.start"));
        assert!(
            first_error(r#"[{"id":"a","schedule":{"start":10,"end":5}}]"#).contains("ends before")
        );
        assert!(first_error(r#"[{"id":"a","pages":"/x"}]"#).contains("[0].pages"));
        assert!(first_error(r#"[{"id":"a","pages":[1]}]"#).contains("[0].pages[0]"));
        assert!(first_error(r#"[{"id":"a","actions":{}}]"#).contains("[0].actions"));
        // Every error is reported, and the good rules still parse.
        let r = report(r#"[{"id":"a"},{"id":""},{"id":"b","holdout":2},{"id":"a"},{"id":"c"}]"#);
        assert_eq!(r.errors.len(), 3);
        let ids: Vec<_> = r.rules.rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["a", "c"]);
    }

    #[test]
    fn many_rules_duplicate_check_is_not_quadratic() {
        // 40,000 rules (every id twice): asking every earlier rule took minutes here.
        let n = 20_000;
        let mut json = String::from("[");
        for i in 0..2 * n {
            if i > 0 {
                json.push(',');
            }
            json.push_str(&format!(r#"{{"id":"r{}","actions":[]}}"#, i % n));
        }
        json.push(']');
        let started = std::time::Instant::now();
        let r = report(&json);
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
        assert_eq!(r.rules.rules.len(), n);
        assert_eq!(r.errors.len(), n);
        assert_eq!(r.errors[0].rule_index, Some(n));
        assert_eq!(r.errors[0].message, "duplicate rule id");
        assert_eq!(r.rules.rules[7].id, "r7");
    }

    #[test]
    fn unknown_rule_keys_and_missing_actions_warn() {
        let r = report(r#"[{"id":"a","conditon":{"pet":"cat"}}]"#);
        let paths: Vec<_> = r.warnings.iter().map(|w| w.path.as_str()).collect();
        assert_eq!(paths, ["[0].actions", "[0].conditon"]);
    }
}
