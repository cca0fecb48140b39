//! The browser shell in headless Chromium (wasm-bindgen-test): conversion between JavaScript
//! values and the engine's values, the visit count in real localStorage, and DOM changes.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Object, Reflect, JSON};
use tailor::browser::{boot, js_json};
use tailor::Value;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn parse(text: &str) -> JsValue {
    JSON::parse(text).expect("test JSON")
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

/// Puts `<h1 id=...>` in the page with the original text and returns it.
fn greeting(id: &str) -> web_sys::Element {
    let doc = document();
    if let Some(old) = doc.get_element_by_id(id) {
        old.remove();
    }
    let el = doc.create_element("h1").unwrap();
    el.set_id(id);
    el.set_text_content(Some("Welcome!"));
    doc.body().unwrap().append_child(&el).unwrap();
    el
}

fn rules_for(id: &str, text: &str) -> JsValue {
    let rules = Value::Object(vec![(
        "rules".into(),
        Value::Array(vec![Value::Object(vec![
            ("id".into(), "welcome-back".into()),
            (
                "condition".into(),
                Value::Object(vec![(
                    "visits".into(),
                    Value::Object(vec![("$gte".into(), Value::Number(2.0))]),
                )]),
            ),
            (
                "actions".into(),
                Value::Array(vec![Value::Object(vec![
                    ("selector".into(), ["#", id].concat().into()),
                    ("text".into(), text.into()),
                ])]),
            ),
        ])]),
    )]);
    js_json::to_js(&rules)
}

fn field(report: &JsValue, name: &str) -> JsValue {
    Reflect::get(report, &name.into()).unwrap()
}

#[wasm_bindgen_test]
fn js_values_round_trip_through_the_engine_value() {
    let text = r#"{"b":1.5,"a":[true,null,"猫 🐱"],"c":{"z":-2,"y":{}}}"#;
    let value = js_json::from_js(&parse(text));
    assert_eq!(value.get_path("c.z"), Some(&Value::Number(-2.0)));
    assert_eq!(
        value.get("a").unwrap().as_array().unwrap()[2],
        "猫 🐱".into()
    );
    let back = JSON::stringify(&js_json::to_js(&value)).unwrap();
    assert_eq!(back, text);
}

#[wasm_bindgen_test]
fn values_json_cannot_hold_become_null_and_cycles_stop() {
    let object = Object::new();
    Reflect::set(&object, &"f".into(), &js_sys::Function::new_no_args("")).unwrap();
    Reflect::set(&object, &"u".into(), &JsValue::UNDEFINED).unwrap();
    Reflect::set(&object, &"nan".into(), &JsValue::from_f64(f64::NAN)).unwrap();
    Reflect::set(&object, &"self".into(), &object).unwrap();
    let value = js_json::from_js(&object);
    assert_eq!(value.get("f"), Some(&Value::Null));
    assert_eq!(value.get("u"), Some(&Value::Null));
    assert_eq!(value.get("nan"), Some(&Value::Null));
    // The cycle is cut at the depth limit instead of overflowing the stack.
    let mut depth = 0;
    let mut cursor = &value;
    while let Some(next) = cursor.get("self") {
        cursor = next;
        depth += 1;
    }
    assert!((60..=70).contains(&depth), "depth {depth}");
}

#[wasm_bindgen_test]
fn the_greeting_changes_from_the_second_visit_on() {
    storage().remove_item("tailor:visits").unwrap();
    let el = greeting("greet-visits");
    let rules = rules_for("greet-visits", "Welcome back!");

    let first = boot(rules.clone(), true).unwrap();
    assert_eq!(field(&first, "visits"), 1.0);
    assert_eq!(field(&first, "persisted"), true);
    assert_eq!(el.text_content().unwrap(), "Welcome!");

    let second = boot(rules, true).unwrap();
    assert_eq!(field(&second, "visits"), 2.0);
    assert_eq!(field(&second, "applied"), 1.0);
    let matched: Array = field(&second, "matched").unchecked_into();
    assert_eq!(matched.get(0), "welcome-back");
    assert_eq!(el.text_content().unwrap(), "Welcome back!");
    assert_eq!(storage().get_item("tailor:visits").unwrap().unwrap(), "2");
}

#[wasm_bindgen_test]
fn markup_in_text_is_shown_as_text_never_parsed() {
    storage().set_item("tailor:visits", "5").unwrap();
    let el = greeting("greet-hostile");
    let hostile = "<img src=x onerror=\"window.__pwned=1\">";
    boot(rules_for("greet-hostile", hostile), true).unwrap();
    assert_eq!(el.text_content().unwrap(), hostile);
    assert_eq!(el.child_element_count(), 0, "no element was created");
}

#[wasm_bindgen_test]
fn corrupt_storage_is_a_fresh_start_not_an_exception() {
    storage().set_item("tailor:visits", "{garbage").unwrap();
    let report = boot(rules_for("nowhere", "x"), true).unwrap();
    assert_eq!(field(&report, "visits"), 1.0);
}

#[wasm_bindgen_test]
fn apply_false_counts_the_visit_but_changes_nothing() {
    storage().set_item("tailor:visits", "9").unwrap();
    let el = greeting("greet-late");
    let report = boot(rules_for("greet-late", "Changed"), false).unwrap();
    assert_eq!(field(&report, "visits"), 10.0);
    assert_eq!(field(&report, "applied"), 0.0);
    assert_eq!(el.text_content().unwrap(), "Welcome!");
}

#[wasm_bindgen_test]
fn invalid_rules_are_a_javascript_error_naming_the_rule() {
    let error = boot(parse(r#"{"rules":[{"id":"r1","actions":"nope"}]}"#), true).unwrap_err();
    let error: JsValue = error.into();
    let error: js_sys::Error = error.dyn_into().expect("a real Error object");
    let message: String = error.message().into();
    assert_eq!(
        message,
        "Tailor: invalid rules: rule \"r1\": needs an \"actions\" array"
    );
}

#[wasm_bindgen_test]
fn an_invalid_selector_is_skipped_and_the_other_actions_apply() {
    storage().set_item("tailor:visits", "3").unwrap();
    let el = greeting("greet-mixed");
    let rules = parse(
        r##"{"rules":[{"id":"mixed","actions":[
            {"selector":"#[invalid","text":"x"},
            {"selector":"#greet-mixed","text":"Still applied"}]}]}"##,
    );
    let report = boot(rules, true).unwrap();
    assert_eq!(field(&report, "applied"), 1.0);
    assert_eq!(el.text_content().unwrap(), "Still applied");
}
