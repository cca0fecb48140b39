//! The published rule format: every example rule file parses cleanly with the engine, and the
//! JSON Schema file is valid JSON with the structure the build and the CLI rely on. (Validating
//! the examples against the schema itself happens in `server/tests/cli_rules.rs`, through
//! `tailor check`, which uses a JSON Schema validator.)

#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;
use tailor::rules::RuleSet;
use tailor::Value;

fn read(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    Value::parse_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_example_parses_without_errors_or_warnings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let (set, warnings) =
            RuleSet::parse(&read(&path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(warnings.is_empty(), "{}: {warnings:?}", path.display());
        assert!(!set.rules.is_empty(), "{}", path.display());
        seen += 1;
    }
    assert!(seen >= 2, "examples missing in {}", dir.display());
}

#[test]
fn the_schema_is_draft_2020_12_and_describes_rules_and_actions() {
    let schema = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/rules.schema.json"));
    assert_eq!(
        schema.get("$schema").and_then(Value::as_str),
        Some("https://json-schema.org/draft/2020-12/schema")
    );
    // An array is the rules themselves; otherwise an object with "rules". (if/then/else rather
    // than oneOf, so that a validator reports the deepest problem, not "matches neither".)
    assert_eq!(
        schema.get_path("then.$ref").and_then(Value::as_str),
        Some("#/$defs/rules")
    );
    assert_eq!(
        schema
            .get("else")
            .and_then(|e| e.get("properties"))
            .and_then(|p| p.get("rules")),
        Some(&Value::parse_json(r##"{"$ref":"#/$defs/rules"}"##).unwrap())
    );
    let defs = schema.get("$defs").expect("$defs");
    for def in [
        "rules", "rule", "cap", "schedule", "time", "changes", "action", "item", "classes",
    ] {
        assert!(defs.get(def).is_some(), "$defs.{def} missing");
    }
    let rule_props = defs
        .get_path("rule.properties")
        .unwrap()
        .as_object()
        .unwrap();
    let keys: Vec<_> = rule_props.iter().map(|(k, _)| k.as_str()).collect();
    for key in [
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
    ] {
        assert!(keys.contains(&key), "rule.{key} missing from the schema");
    }
    let change_props = defs
        .get_path("changes.properties")
        .unwrap()
        .as_object()
        .unwrap();
    let keys: Vec<_> = change_props.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "text",
            "attributes",
            "addClass",
            "removeClass",
            "show",
            "hide",
            "template"
        ]
    );
}
