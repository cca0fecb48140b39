//! Converts between JavaScript values and the engine's [`Value`] without JSON text.
//!
//! The browser has already parsed (or built) the value, so walking it here costs no parser and
//! no float formatting in the wasm. Values that JSON cannot hold (functions, symbols, `undefined`,
//! non-finite numbers) become `null`, as `JSON.stringify` would make them; nesting deeper than
//! [`MAX_DEPTH`] is cut to `null`, so a cyclic object from page code cannot overflow the stack.

use crate::Value;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

const MAX_DEPTH: usize = 64;

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
    if let Some(array) = value.dyn_ref::<Array>() {
        return Value::Array(array.iter().map(|v| convert_in(&v, depth + 1)).collect());
    }
    if value.is_object() && !value.is_function() {
        let object: &Object = value.unchecked_ref();
        let members = Object::keys(object)
            .iter()
            .filter_map(|key| {
                let name = key.as_string()?;
                let member = Reflect::get(object, &key).ok()?;
                Some((name, convert_in(&member, depth + 1)))
            })
            .collect();
        return Value::Object(members);
    }
    Value::Null
}

pub fn to_js(value: &Value) -> JsValue {
    match value {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Number(n) => JsValue::from_f64(*n),
        Value::String(s) => JsValue::from_str(s),
        Value::Array(items) => items.iter().map(to_js).collect::<Array>().into(),
        Value::Object(members) => {
            let object = Object::new();
            for (key, member) in members {
                // Setting a data property on a fresh plain object cannot fail.
                let _ = Reflect::set(&object, &JsValue::from_str(key), &to_js(member));
            }
            object.into()
        }
    }
}
