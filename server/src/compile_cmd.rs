//! `tailor compile`: checks a rules file as `tailor check` does and writes its compiled form,
//! which the lean engine reads without the validating parser (`tailor::rules::compiled`).
//!
//! ```text
//! tailor compile rules.json [--out rules.compiled.json] [--page page.html]... [--strict]
//! ```
//!
//! The output is one line of JSON, for a `data-rules` file or the page's `#tailor-rules` block.
//! Without `--out` it goes next to the input, `.json` becoming `.compiled.json` (the loader picks
//! the lean engine for a rules file by that name before it has fetched it); `--out -` prints it.
//! Nothing is written when the check finds an error. Exit codes as `tailor check`: 0 written,
//! 1 errors in the rules, 2 bad usage or an unreadable or unwritable file.

use crate::check_cmd::{check, error_count, parse_args, plural, read_inputs};
use tailor::rules::{compiled, RuleSet};
use tailor::Value;

const USAGE: &str = "\
usage: tailor compile RULES.json [--out FILE] [--page PAGE.html]... [--strict]

  --out FILE         where to write (default: RULES.compiled.json beside RULES.json; - prints)
  --page PAGE.html   check selectors against this page too, as `tailor check` does
  --strict           treat warnings as errors

Checks the rules as `tailor check` does and writes them compiled only when there is no error.
Exit status: 0 written, 1 errors in the rules, 2 bad usage or unreadable/unwritable file.";

/// Runs `tailor compile` with the arguments after `compile`; returns the exit code.
pub fn run(args: &[String]) -> i32 {
    let args = match parse_args(args, USAGE, true) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("tailor compile: {message}");
            return 2;
        }
    };
    let Some((text, pages)) = read_inputs("tailor compile", &args.rules, &args.pages) else {
        return 2;
    };
    let (findings, _) = check(&text, &pages, args.strict);
    for finding in &findings {
        eprintln!("{}: {finding}", args.rules);
    }
    let errors = error_count(&findings);
    if errors > 0 {
        eprintln!(
            "tailor compile: {}: {errors} error{}; nothing written",
            args.rules,
            plural(errors)
        );
        return 1;
    }
    // The check read it as JSON already.
    let value = Value::parse_json(&text).expect("checked rules are JSON");
    let Ok((set, warnings)) = RuleSet::parse(&value) else {
        unreachable!("rules the check passed parse");
    };
    let line = compiled::compile(&set, &warnings).to_json_string() + "\n";
    let out = args.out.unwrap_or_else(|| default_out(&args.rules));
    if out == "-" {
        print!("{line}");
        return 0;
    }
    if let Err(e) = std::fs::write(&out, line) {
        eprintln!("tailor compile: cannot write {out}: {e}");
        return 2;
    }
    eprintln!(
        "tailor compile: {} rules -> {out} ({} bytes)",
        set.rules.len(),
        std::fs::metadata(&out).map_or(0, |m| m.len())
    );
    0
}

/// `rules.json` -> `rules.compiled.json`; a name without `.json` gets `.compiled.json` added.
fn default_out(rules: &str) -> String {
    let stem = rules.strip_suffix(".json").unwrap_or(rules);
    format!("{stem}.compiled.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_output_sits_beside_the_input() {
        assert_eq!(default_out("site/rules.json"), "site/rules.compiled.json");
        assert_eq!(default_out("rules"), "rules.compiled.json");
    }

    #[test]
    fn arguments() {
        let args: Vec<String> = ["r.json", "--page", "p.html", "--strict", "-o", "-"]
            .map(String::from)
            .to_vec();
        let parsed = parse_args(&args, USAGE, true).unwrap();
        assert_eq!(parsed.rules, "r.json");
        assert_eq!(parsed.out.as_deref(), Some("-"));
        assert_eq!(parsed.pages, ["p.html"]);
        assert!(parsed.strict);
        assert!(parse_args(&["--out".to_owned()], USAGE, true).is_err());
        assert!(parse_args(&["a.json".to_owned(), "b.json".to_owned()], USAGE, true).is_err());
        assert!(parse_args(&[], USAGE, true).is_err());
        // `tailor check` has no --out.
        assert!(parse_args(
            &["a.json".to_owned(), "--out".to_owned(), "-".to_owned()],
            USAGE,
            false
        )
        .is_err());
    }
}
