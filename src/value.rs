//! The engine's JSON value: what rules, conditions and profiles are made of.
//!
//! No float parser or formatter ships in the wasm. In the browser, values that page code hands
//! over arrive as JavaScript values (`browser::js_json` walks them), and JSON text in storage is
//! read and printed by [`json_text`], which leaves the float work to the browser's own `Number`;
//! natively `serde_json` does the same through the `From` conversions at the bottom of this file. Objects keep their keys in insertion order, because
//! GrowthBook compares plain objects by their JSON text, where order matters.

use crate::prelude::*;
pub mod json_text;

/// A JSON value. Objects are ordered key/value lists: they are small, and a `Vec` costs far less
/// code in the wasm than a map.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

/// Appends the member `key: value`. Out of line on purpose: an allocation, a copy and a push
/// repeated inline at each of the many places that build objects cost the wasm kilobytes.
#[inline(never)]
pub(crate) fn put(members: &mut Vec<(String, Value)>, key: &str, value: Value) {
    members.push((key.to_owned(), value));
}

impl Value {
    /// The member `key` of an object; `None` for a missing key or a non-object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Follows a dot path (`geo.country`) through nested objects.
    pub fn get_path(&self, path: &str) -> Option<&Value> {
        path.split('.').try_fold(self, |v, key| v.get(key))
    }

    /// Sets `key` on an object (replacing an existing member in place); does nothing on other
    /// kinds of value.
    pub fn insert(&mut self, key: &str, value: Value) {
        if let Value::Object(members) = self {
            match members.iter_mut().find(|(k, _)| k == key) {
                Some(slot) => slot.1 = value,
                None => members.push((key.to_owned(), value)),
            }
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[(String, Value)]> {
        match self {
            Value::Object(members) => Some(members),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The JSON type name, as JavaScript's `typeof` would say it with `null` and `array` apart.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod native_json {
    use super::Value;

    impl From<&serde_json::Value> for Value {
        fn from(v: &serde_json::Value) -> Self {
            match v {
                serde_json::Value::Null => Value::Null,
                serde_json::Value::Bool(b) => Value::Bool(*b),
                serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
                serde_json::Value::String(s) => Value::String(s.clone()),
                serde_json::Value::Array(a) => Value::Array(a.iter().map(Value::from).collect()),
                serde_json::Value::Object(o) => {
                    Value::Object(o.iter().map(|(k, v)| (k.clone(), Value::from(v))).collect())
                }
            }
        }
    }

    impl From<&Value> for serde_json::Value {
        fn from(v: &Value) -> Self {
            match v {
                Value::Null => serde_json::Value::Null,
                Value::Bool(b) => serde_json::Value::Bool(*b),
                // Whole numbers print without a fraction, as JavaScript's JSON.stringify does.
                Value::Number(n) if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 => {
                    serde_json::Value::from(*n as i64)
                }
                Value::Number(n) => serde_json::Number::from_f64(*n)
                    .map(serde_json::Value::Number)
                    .unwrap_or(serde_json::Value::Null),
                Value::String(s) => serde_json::Value::String(s.clone()),
                Value::Array(a) => serde_json::Value::Array(a.iter().map(Into::into).collect()),
                Value::Object(o) => serde_json::Value::Object(
                    o.iter().map(|(k, v)| (k.clone(), v.into())).collect(),
                ),
            }
        }
    }

    impl Value {
        /// Parses JSON text (native builds only; the browser uses its own `JSON.parse`).
        pub fn parse_json(text: &str) -> Result<Value, String> {
            serde_json::from_str::<serde_json::Value>(text)
                .map(|v| Value::from(&v))
                .map_err(|e| format!("invalid JSON: {e}"))
        }

        /// Prints compact JSON text (native builds only).
        pub fn to_json_string(&self) -> String {
            serde_json::Value::from(self).to_string()
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn dot_paths_reach_nested_members() {
        let v =
            Value::parse_json(r#"{"geo":{"country":"JP","region":"JP-01"},"visits":3}"#).unwrap();
        assert_eq!(
            v.get_path("geo.region").and_then(Value::as_str),
            Some("JP-01")
        );
        assert_eq!(v.get_path("visits").and_then(Value::as_f64), Some(3.0));
        assert!(v.get_path("geo.city").is_none());
        assert!(v.get_path("visits.x").is_none());
    }

    #[test]
    fn objects_keep_key_order_through_json() {
        let text = r#"{"b":1,"a":[true,null,"x"],"c":{"z":1.5,"y":-2}}"#;
        assert_eq!(Value::parse_json(text).unwrap().to_json_string(), text);
    }

    #[test]
    fn insert_replaces_in_place() {
        let mut v = Value::Object(vec![]);
        v.insert("a", 1.0.into());
        v.insert("b", "x".into());
        v.insert("a", true.into());
        assert_eq!(v.to_json_string(), r#"{"a":true,"b":"x"}"#);
    }
}
