//! `tailor decide`: what would this visitor see? Runs the engine's `decide` on a rules file and a
//! profile, and prints every decision with its reasons as JSON.
//!
//! ```text
//! tailor decide --rules rules.json --profile visitor.json [--url URL] [--now TIME]
//!               [--utc-offset MINUTES] [--visitor ID]
//! ```
//!
//! `--profile` takes either of two files:
//! - a **stored profile**: what Tailor keeps in the visitor's browser (`localStorage`, or what
//!   `tailor.profile()` shows), recognised by its numeric schema version `"v"`. It is read with
//!   `tailor::profile::load` (migrated, bounded; expired after 180 days of inactivity as of
//!   `--now`, as the browser would), the attributes are built by `tailor::profile::attributes`
//!   for the page `--url` at `--now`, holdouts use its id, and frequency caps its exposure
//!   history;
//! - a **profile export**, `JSON.stringify(tailor.profile())`: `{"profile": {...}, "consent":
//!   ..., "persisted": ...}`, whose `"profile"` is a stored profile, read as above;
//! - a **plain attributes object** (`{"pet": "cat", "visits": 3, "geo": {"region": "JP-01"}}`),
//!   used as the attributes as they are, plus the page attributes of `--url` at `--now` (`url`,
//!   `path`, `query`, `hour`, `weekday`...) that it does not already have. There is no exposure history, and the visitor id is
//!   `--visitor`, else its `"id"`, else none (nobody is held out).
//!
//! Which of these it read is said on stderr, and in the output's `"profile"`.
//!
//! `--now` is milliseconds or ISO 8601 (default: the current time); `--url` defaults to `/`.
//! Exit codes: 0 printed, 1 the rules are invalid, 2 bad usage or unreadable input.

use serde_json::{json, Value as Json};
use tailor::context::PageContext;
use tailor::platform::SeededRandom;
use tailor::profile::{self, LoadStatus, Profile, ProfileConfig};
use tailor::rules::{parse_time, DecideInput, Edit, Resolved, RuleSet};
use tailor::Value;
use tailor_server::cli_args;

const USAGE: &str = "\
usage: tailor decide --rules RULES.json --profile PROFILE.json [--url URL] [--now TIME]
                     [--utc-offset MINUTES] [--visitor ID]

  --rules FILE        the rules (as for tailor check)
  --profile FILE      a stored profile (with its schema version \"v\"), the export
                      JSON.stringify(tailor.profile()), or a plain attributes object
  --url URL           the page (default /)
  --now TIME          milliseconds since 1970 or ISO 8601, e.g. 2024-12-24T18:00:00+09:00
                      (default: now)
  --utc-offset MIN    the visitor's time zone, minutes east of UTC (default 0): where a day
                      starts for daily caps
  --visitor ID        visitor id for holdouts (plain attributes only; default: their \"id\")

Prints the decisions and the reason for every rule as JSON.";

#[derive(Default)]
struct Args {
    rules: Option<String>,
    profile: Option<String>,
    url: Option<String>,
    now: Option<String>,
    utc_offset: Option<String>,
    visitor: Option<String>,
}

/// Runs `tailor decide` with the arguments after `decide`; returns the exit code.
pub fn run(args: &[String]) -> i32 {
    match decide(args) {
        Ok(output) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&output).unwrap_or_default()
            );
            0
        }
        Err((code, message)) => {
            eprintln!("tailor decide: {message}");
            code
        }
    }
}

type Failure = (i32, String);

fn usage(message: String) -> Failure {
    (2, message)
}

/// Whether `json` is a stored profile: an object with a numeric schema version `"v"`.
fn is_stored(json: &Value) -> bool {
    matches!(json.get("v"), Some(Value::Number(_)))
}

fn decide(args: &[String]) -> Result<Json, Failure> {
    let args = parse_args(args).map_err(usage)?;
    let rules_path = args
        .rules
        .ok_or_else(|| usage(format!("--rules is required\n\n{USAGE}")))?;
    let profile_path = args
        .profile
        .ok_or_else(|| usage(format!("--profile is required\n\n{USAGE}")))?;
    let url = args.url.unwrap_or_else(|| "/".to_owned());
    let now = match args.now {
        Some(text) => {
            let value = match text.parse::<f64>() {
                Ok(ms) => Value::Number(ms),
                Err(_) => Value::String(text.clone()),
            };
            parse_time(&value).map_err(|m| usage(format!("--now `{text}`: {m}")))?
        }
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_millis() as f64),
    };
    let utc_offset_min = match args.utc_offset {
        Some(text) => text
            .parse::<i32>()
            .ok()
            .filter(|m| m.abs() <= 18 * 60)
            .ok_or_else(|| {
                usage(format!(
                    "--utc-offset `{text}`: minutes between -1080 and 1080"
                ))
            })?,
        None => 0,
    };

    let rules_json = read_json(&rules_path)?;
    // JSON rules or compiled ones (`tailor compile`): the same rule set either way.
    let (rules, warnings) =
        RuleSet::load(&rules_json).map_err(|e| (1, format!("{rules_path}: invalid rules: {e}")))?;
    let mut profile_json = read_json(&profile_path)?;
    if profile_json.as_object().is_none() {
        return Err(usage(format!("{profile_path}: expected a JSON object")));
    }
    // The documented export, `JSON.stringify(tailor.profile())`, wraps the stored profile as
    // `{"profile": {...}, "consent": ..., "persisted": ...}`: read as attributes, it matched no
    // rule and said nothing.
    let export = profile_json
        .get("profile")
        .filter(|p| is_stored(p))
        .cloned();
    let exported = export.is_some();
    if let Some(inner) = export {
        profile_json = inner;
    }

    let mut ctx = PageContext::new(now, &url);
    ctx.utc_offset_min = utc_offset_min;
    let config = ProfileConfig::default();
    let stored = is_stored(&profile_json);
    let (attributes, visitor, loaded, kind): (Value, String, Option<Profile>, &str) = if stored {
        let (p, status) =
            profile::load(Some(&profile_json), &config, now, &mut SeededRandom::new(1));
        match status {
            LoadStatus::Discarded(reason) => {
                return Err(usage(format!("{profile_path}: {reason}")));
            }
            LoadStatus::Expired => eprintln!(
                "tailor decide: warning: the stored profile has expired by --now; deciding for a new visitor"
            ),
            _ => {}
        }
        let attributes = profile::attributes(&p, &ctx, &config);
        let kind = if exported {
            "profile export"
        } else {
            "stored profile"
        };
        (attributes, p.id.clone(), Some(p), kind)
    } else {
        let mut attributes = profile_json.clone();
        for (key, value) in ctx.attributes(None) {
            if attributes.get(&key).is_none() {
                attributes.insert(&key, value);
            }
        }
        let visitor = args
            .visitor
            .clone()
            .or_else(|| {
                profile_json
                    .get("id")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        (attributes, visitor, None, "attributes")
    };
    if args.visitor.is_some() && stored {
        return Err(usage(
            "--visitor is for plain attributes; a stored profile has its own id".to_owned(),
        ));
    }
    eprintln!(
        "tailor decide: read {profile_path} as {}",
        match kind {
            "profile export" => "a profile export (tailor.profile()): its stored profile",
            "stored profile" => "a stored profile",
            _ => "plain attributes",
        }
    );

    let today = ctx.day_number();
    let history = |rule: &str, day: i64| match &loaded {
        Some(p) => p.exposure_counts(rule, day),
        None => Default::default(),
    };
    let decisions = rules.decide(&DecideInput {
        attributes: &attributes,
        visitor_id: &visitor,
        now,
        today,
        url: &url,
        exposures: &history,
    });

    Ok(json!({
        "url": url,
        "now": now,
        "visitor": visitor,
        "profile": kind,
        "decisions": decisions.decisions.iter().map(|d| json!({
            "rule": d.rule_id,
            "slot": d.slot,
            "priority": d.priority,
            "holdout": d.holdout,
            "actions": d.actions.iter().map(edit_json).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "rules": decisions.reports.iter().map(|r| json!({
            "rule": r.rule_id,
            "outcome": r.outcome.as_str(),
            "reason": r.reason,
        })).collect::<Vec<_>>(),
        "warnings": warnings,
        "attributes": Json::from(&attributes),
    }))
}

fn edit_json(edit: &Edit) -> Json {
    let mut out = json!({ "selector": edit.selector, "action": edit.action_index });
    if let Some(index) = edit.index {
        out["index"] = json!(index);
    }
    let (kind, fields) = match &edit.change {
        Resolved::Text(text) => ("text", json!({ "text": text })),
        Resolved::Attribute { name, value } => {
            ("attribute", json!({ "name": name, "value": value }))
        }
        Resolved::AddClass(classes) => ("addClass", json!({ "classes": classes })),
        Resolved::RemoveClass(classes) => ("removeClass", json!({ "classes": classes })),
        Resolved::Show => ("show", json!({})),
        Resolved::Hide => ("hide", json!({})),
        Resolved::Template(id) => ("template", json!({ "template": id })),
    };
    out["change"] = json!(kind);
    if let (Some(target), Some(extra)) = (out.as_object_mut(), fields.as_object()) {
        for (k, v) in extra {
            target.insert(k.clone(), v.clone());
        }
    }
    out
}

fn read_json(path: &str) -> Result<Value, Failure> {
    let text =
        std::fs::read_to_string(path).map_err(|e| usage(format!("cannot read {path}: {e}")))?;
    Value::parse_json(&text).map_err(|e| usage(format!("{path}: {e}")))
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut parsed = Args::default();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let (name, inline) = cli_args::split(arg);
        let slot = match name {
            "--help" | "-h" => return Err(USAGE.to_owned()),
            "--rules" => &mut parsed.rules,
            "--profile" => &mut parsed.profile,
            "--url" => &mut parsed.url,
            "--now" => &mut parsed.now,
            "--utc-offset" => &mut parsed.utc_offset,
            "--visitor" => &mut parsed.visitor,
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}")),
        };
        cli_args::set_once(slot, name, inline, &mut rest)?;
    }
    Ok(parsed)
}
