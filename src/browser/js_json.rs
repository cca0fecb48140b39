//! Converts between JavaScript values and the engine's [`Value`] without JSON text, and between
//! JSON text and [`Value`] without JavaScript objects.
//!
//! Values from page code (config, rules, attributes) arrive already parsed or built, so walking
//! them here costs no parser and no float formatting in the wasm. Values that JSON cannot hold
//! (functions, symbols, `undefined`, non-finite numbers) become `null`, as `JSON.stringify` would
//! make them; nesting deeper than [`MAX_DEPTH`] is cut to `null`, so a cyclic object from page
//! code cannot overflow the stack.
//!
//! Text the shell stores (profile, consent, outbox) goes through [`parse_text`] and [`to_text`]
//! instead: the same result as `JSON.parse` + [`from_js`] and `JSON.stringify` of [`to_js`], but
//! the text crosses once rather than every member crossing several times (for a heavy profile
//! that was most of a page's load + save). The browser's own `Number` and `String` still do the
//! float work that `json_text` has no exact fast path for.

use crate::prelude::*;
use crate::value::json_text::{self, MAX_DEPTH};
use crate::Value;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

#[wasm_bindgen]
extern "C" {
    /// `Number(text)`.
    #[wasm_bindgen(js_name = Number)]
    fn number_of(text: &str) -> f64;

    /// `String(n)`.
    #[wasm_bindgen(js_name = String)]
    fn string_of(n: f64) -> String;
}

/// JSON text as `from_js(JSON.parse(text))` would give it; `None` where `JSON.parse` throws.
pub fn parse_text(text: &str) -> Option<Value> {
    json_text::parse(text, number_of)
}

/// The text `JSON.stringify(to_js(value))` would print.
pub fn to_text(value: &Value) -> String {
    json_text::write(value, string_of)
}

pub fn from_js(value: &JsValue) -> Value {
    convert_in(value, 0)
}

fn convert_in(value: &JsValue, depth: usize) -> Value {
    if depth > MAX_DEPTH || value.is_null() || value.is_undefined() {
        return Value::Null;
    }
    if let Some(b) = value.as_bool() {
        return Value::Bool(b);
    }
    if let Some(n) = value.as_f64() {
        return if n.is_finite() {
            Value::Number(n)
        } else {
            Value::Null
        };
    }
    if let Some(s) = value.as_string() {
        return Value::String(s);
    }
    // Index loops rather than js-sys's array iterator behind `map` and `filter_map`: 0.5 KB of
    // wasm for the same walk.
    if let Some(array) = value.dyn_ref::<Array>() {
        let mut items = Vec::with_capacity(array.length() as usize);
        for i in 0..array.length() {
            items.push(convert_in(&array.get(i), depth + 1));
        }
        return Value::Array(items);
    }
    if value.is_object() && !value.is_function() {
        let object: &Object = value.unchecked_ref();
        let keys = Object::keys(object);
        let mut members = Vec::with_capacity(keys.length() as usize);
        for i in 0..keys.length() {
            let key = keys.get(i);
            let (Some(name), Ok(member)) = (key.as_string(), Reflect::get(object, &key)) else {
                continue;
            };
            members.push((name, convert_in(&member, depth + 1)));
        }
        return Value::Object(members);
    }
    Value::Null
}

/// `value` as a JavaScript value. It crosses as JSON text that the browser's own `JSON.parse`
/// builds, rather than one crossing per member (building a page's report and events member by
/// member took about 0.6 ms of its start-up in Chromium).
pub fn to_js(value: &Value) -> JsValue {
    match value {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Number(n) => JsValue::from_f64(*n),
        Value::String(s) => JsValue::from_str(s),
        // The text is well-formed JSON (`to_text` prints nothing else), so parsing cannot fail.
        _ => js_sys::JSON::parse(&to_text(value)).unwrap_or(JsValue::NULL),
    }
}
