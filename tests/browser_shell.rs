//! The browser shell in headless Chromium (wasm-bindgen-test), against the real localStorage and
//! DOM: values crossing between JavaScript and the engine, and the DOM changes of rules.
#![cfg(target_arch = "wasm32")]

use js_sys::{Object, Reflect, JSON};
use tailor::browser::{js_json, Tailor};
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

/// One page view as the loader runs it: a fresh engine decides and applies, then writes storage.
fn page_view(rules: JsValue, apply: bool) -> JsValue {
    let mut t = Tailor::new(JsValue::NULL, false);
    let report = t.start(rules, apply).unwrap();
    t.flush();
    report
}

fn field(object: &JsValue, name: &str) -> JsValue {
    Reflect::get(object, &name.into()).unwrap()
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
    let rule = Value::Object(vec![
        ("id".into(), "welcome-back".into()),
        (
            "condition".into(),
            Value::parse_json_for_test(r#"{"pageViews":{"$gte":2}}"#),
        ),
        (
            "actions".into(),
            Value::Array(vec![Value::Object(vec![
                ("selector".into(), ["#", id].concat().into()),
                ("text".into(), text.into()),
            ])]),
        ),
    ]);
    js_json::to_js(&Value::Object(vec![(
        "rules".into(),
        Value::Array(vec![rule]),
    )]))
}

trait ForTest {
    fn parse_json_for_test(text: &str) -> Value;
}

impl ForTest for Value {
    fn parse_json_for_test(text: &str) -> Value {
        js_json::from_js(&parse(text))
    }
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
fn the_greeting_changes_from_the_second_page_view_on() {
    storage().clear().unwrap();
    let el = greeting("greet-visits");
    let rules = rules_for("greet-visits", "Welcome back!");

    let first = page_view(rules.clone(), true);
    assert_eq!(field(&first, "pageViews"), 1.0);
    assert_eq!(field(&first, "persisted"), true);
    assert_eq!(el.text_content().unwrap(), "Welcome!");

    let second = page_view(rules, true);
    assert_eq!(field(&second, "pageViews"), 2.0);
    assert_eq!(field(&second, "applied"), 1.0);
    assert_eq!(el.text_content().unwrap(), "Welcome back!");
}

#[wasm_bindgen_test]
fn markup_in_text_is_shown_as_text_never_parsed() {
    storage().clear().unwrap();
    let el = greeting("greet-hostile");
    let hostile = "<img src=x onerror=\"window.__pwned=1\">";
    let rules = rules_for("greet-hostile", hostile);
    page_view(rules.clone(), true);
    page_view(rules, true);
    assert_eq!(el.text_content().unwrap(), hostile);
    assert_eq!(el.child_element_count(), 0, "no element was created");
}

#[wasm_bindgen_test]
fn apply_false_counts_the_page_view_but_changes_nothing() {
    storage().clear().unwrap();
    let el = greeting("greet-late");
    let rules = rules_for("greet-late", "Changed");
    page_view(rules.clone(), false);
    let report = page_view(rules, false);
    assert_eq!(field(&report, "pageViews"), 2.0);
    assert_eq!(field(&report, "applied"), 0.0);
    assert_eq!(el.text_content().unwrap(), "Welcome!");
}

#[wasm_bindgen_test]
fn invalid_rules_are_a_javascript_error_naming_the_rule() {
    let error = Tailor::new(JsValue::NULL, false)
        .start(parse(r#"{"rules":[{"id":"r1","actions":"nope"}]}"#), true)
        .unwrap_err();
    let error: JsValue = error.into();
    let error: js_sys::Error = error.dyn_into().expect("a real Error object");
    let message: String = error.message().into();
    assert!(
        message.starts_with("Tailor: invalid rules: rule \"r1\""),
        "{message}"
    );
}

#[wasm_bindgen_test]
fn an_invalid_selector_is_skipped_and_the_other_actions_apply() {
    storage().clear().unwrap();
    let el = greeting("greet-mixed");
    let rules = parse(
        r##"{"rules":[{"id":"mixed","actions":[
            {"selector":"#[invalid","text":"x"},
            {"selector":"#greet-mixed","text":"Still applied"}]}]}"##,
    );
    let report = page_view(rules, true);
    assert_eq!(field(&report, "applied"), 1.0);
    assert_eq!(el.text_content().unwrap(), "Still applied");
}
