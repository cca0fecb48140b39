//! `tailor eval`: evaluates one targeting condition against one set of visitor attributes.
//!
//! ```text
//! tailor eval --condition '{"pet":"cat","visits":{"$gte":3}}' --attributes '{"pet":"cat","visits":4}'
//! true
//! ```
//!
//! Prints `true` or `false` and exits 0. The condition is parsed strictly (an unknown operator or
//! an invalid regular expression is an error naming where it is), so that a site owner learns of
//! a mistake here rather than from a rule that silently never matches; `--lenient` evaluates as
//! GrowthBook and the browser do instead, reporting each problem as a warning. Bad arguments,
//! invalid JSON and invalid conditions print a message to stderr and exit 2. This module only
//! reads its arguments and prints: the meaning of conditions is `tailor::condition`'s.

use tailor::condition::Condition;
use tailor::Value;
use tailor_server::cli_args;

const USAGE: &str = "\
usage: tailor eval --condition JSON --attributes JSON [--groups JSON] [--lenient]

  --condition JSON    a targeting condition, e.g. '{\"pet\":\"cat\",\"visits\":{\"$gte\":3}}'
  --attributes JSON   the visitor's attributes, a JSON object
  --groups JSON       saved groups for $inGroup/$notInGroup: {\"group id\": [members...]}
  --lenient           evaluate invalid clauses as false (GrowthBook's behaviour) instead of failing

Prints true or false.";

#[derive(Debug, Default)]
struct Args {
    condition: Option<String>,
    attributes: Option<String>,
    groups: Option<String>,
    lenient: bool,
}

/// Runs `tailor eval` with the arguments after `eval`; returns the exit code.
pub fn run(args: &[String]) -> i32 {
    match evaluate(args) {
        Ok(result) => {
            println!("{result}");
            0
        }
        Err(message) => {
            eprintln!("tailor eval: {message}");
            2
        }
    }
}

fn evaluate(args: &[String]) -> Result<bool, String> {
    let args = parse_args(args)?;
    let condition_text = args
        .condition
        .ok_or_else(|| format!("--condition is required\n\n{USAGE}"))?;
    let attributes_text = args
        .attributes
        .ok_or_else(|| format!("--attributes is required\n\n{USAGE}"))?;
    let condition_json = json_arg("--condition", &condition_text)?;
    let attributes = json_object_arg("--attributes", &attributes_text)?;
    let groups = match args.groups {
        Some(text) => json_object_arg("--groups", &text)?,
        None => Value::Object(Vec::new()),
    };
    let condition = if args.lenient {
        for problem in Condition::problems(&condition_json) {
            eprintln!("tailor eval: warning: {problem} (evaluated as false)");
        }
        Condition::parse_lenient(&condition_json)
    } else {
        Condition::parse(&condition_json).map_err(|e| format!("invalid --condition: {e}"))?
    };
    Ok(condition.matches_with_groups(&attributes, &groups))
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut parsed = Args::default();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let (name, inline) = cli_args::split(arg);
        if name == "--lenient" && inline.is_none() {
            parsed.lenient = true;
            continue;
        }
        if name == "--help" || name == "-h" {
            return Err(USAGE.to_owned());
        }
        let slot = match name {
            "--condition" => &mut parsed.condition,
            "--attributes" => &mut parsed.attributes,
            "--groups" => &mut parsed.groups,
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}")),
        };
        cli_args::set_once(slot, name, inline, &mut rest)?;
    }
    Ok(parsed)
}

fn json_arg(name: &str, text: &str) -> Result<Value, String> {
    Value::parse_json(text).map_err(|e| format!("{name} is not valid JSON: {e}"))
}

fn json_object_arg(name: &str, text: &str) -> Result<Value, String> {
    let value = json_arg(name, text)?;
    match value {
        Value::Object(_) => Ok(value),
        other => Err(format!(
            "{name} must be a JSON object, not {}",
            other.type_name()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn evaluates_and_accepts_inline_values() {
        let a = args(&[
            "--condition",
            r#"{"pet":"cat"}"#,
            r#"--attributes={"pet":"cat"}"#,
        ]);
        assert_eq!(evaluate(&a), Ok(true));
        let a = args(&[
            "--attributes",
            r#"{"pet":"dog"}"#,
            "--condition",
            r#"{"pet":"cat"}"#,
        ]);
        assert_eq!(evaluate(&a), Ok(false));
    }

    #[test]
    fn problems_are_clear_errors() {
        let err = |list: &[&str]| evaluate(&args(list)).unwrap_err();
        assert!(err(&["--attributes", "{}"]).starts_with("--condition is required"));
        assert!(err(&["--condition", "{", "--attributes", "{}"]).contains("not valid JSON"));
        assert!(err(&["--condition", "{}", "--attributes", "[]"]).contains("must be a JSON object"));
        assert!(
            err(&["--condition", "{}", "--attributes"]).contains("`--attributes` needs a value")
        );
        assert!(err(&["--bogus"]).contains("unknown argument `--bogus`"));
        let e = err(&[
            "--condition",
            r#"{"a":{"$gte":true}}"#,
            "--attributes",
            "{}",
        ]);
        assert!(e.contains("`a.$gte`"), "{e}");
    }

    #[test]
    fn lenient_evaluates_invalid_clauses_as_false() {
        let a = args(&[
            "--lenient",
            "--condition",
            r#"{"$or":[{"a":{"$regex":"("}},{"b":1}]}"#,
            "--attributes",
            r#"{"b":1}"#,
        ]);
        assert_eq!(evaluate(&a), Ok(true));
    }
}
