//! JavaScript's value semantics, as far as GrowthBook's conditions lean on them.
//!
//! GrowthBook's reference evaluator is JavaScript, and several of its operators are plain
//! JavaScript expressions (`value + "" === condition`, `actual < expected`,
//! `expected.includes(actual)`). To agree with it case for case this module reproduces the
//! conversions those expressions perform on JSON values: `ToString`, `ToNumber`, truthiness,
//! strict equality, `SameValueZero`, the abstract relational comparison, `JSON.stringify`
//! equality and string ordering by UTF-16 code units.
//!
//! Number ↔ text conversion is the one place where JavaScript's exact behaviour needs real float
//! code. Natively it is written here on top of Rust's shortest round-trip formatting and float
//! parser; in the browser build it is the browser's own `Number` (`String(n)`, `Number(s)`), so no
//! float formatter or parser ships in the wasm. Nothing here panics.

use crate::prelude::*;
use crate::Value;
use alloc::borrow::Cow;
use core::cmp::Ordering;

/// The missing value. GrowthBook's `getPath` returns `null` for a missing attribute, so a missing
/// attribute and an explicit `null` are the same thing to every operator.
pub(crate) static NULL: Value = Value::Null;

/// Compares two strings the way JavaScript's `<` does: by UTF-16 code units.
///
/// UTF-8 byte order equals code point order, which differs from UTF-16 order only when a
/// character outside the Basic Multilingual Plane (a surrogate pair, `0xD800..`) meets one in
/// `U+E000..=U+FFFF`. So the common prefix is skipped bytewise and only the first differing
/// characters are compared as UTF-16.
pub(crate) fn utf16_cmp(a: &str, b: &str) -> Ordering {
    let (ab, bb) = (a.as_bytes(), b.as_bytes());
    let Some(first_diff) = ab.iter().zip(bb).position(|(x, y)| x != y) else {
        return ab.len().cmp(&bb.len());
    };
    // The equal prefix holds whole characters, so backing up to a boundary of `a` lands on a
    // boundary of `b` too.
    let mut start = first_diff;
    while !a.is_char_boundary(start) {
        start -= 1;
    }
    let (ra, rb) = (a.get(start..).unwrap_or(""), b.get(start..).unwrap_or(""));
    match (ra.chars().next(), rb.chars().next()) {
        (Some(ca), Some(cb)) => {
            let (mut ua, mut ub) = ([0u16; 2], [0u16; 2]);
            let ua: &[u16] = ca.encode_utf16(&mut ua);
            let ub: &[u16] = cb.encode_utf16(&mut ub);
            ua.cmp(ub)
        }
        _ => ab.len().cmp(&bb.len()),
    }
}

/// JavaScript's `ToString` (what `value + ""` and `String(value)` give).
pub(crate) fn to_js_string(value: &Value) -> Cow<'_, str> {
    match value {
        Value::String(s) => Cow::Borrowed(s),
        Value::Null => Cow::Borrowed("null"),
        Value::Bool(true) => Cow::Borrowed("true"),
        Value::Bool(false) => Cow::Borrowed("false"),
        Value::Number(n) => Cow::Owned(number_to_string(*n)),
        Value::Array(items) => {
            // Array.prototype.join: null items become empty strings.
            let mut out = String::new();
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if !item.is_null() {
                    out.push_str(&to_js_string(item));
                }
            }
            Cow::Owned(out)
        }
        Value::Object(_) => Cow::Borrowed("[object Object]"),
    }
}

/// JavaScript's `ToNumber` (what `value * 1` gives).
pub(crate) fn to_number(value: &Value) -> f64 {
    match value {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => *n,
        Value::String(s) => string_to_number(s),
        Value::Array(_) | Value::Object(_) => string_to_number(&to_js_string(value)),
    }
}

/// JavaScript's truthiness (`!!value`).
pub(crate) fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => *n != 0.0 && !n.is_nan(),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// JavaScript's `===` between a value from the attributes and one from the condition. Arrays and
/// objects are compared by identity in JavaScript, and the two sides are never the same object,
/// so they are never equal.
pub(crate) fn strict_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        _ => false,
    }
}

/// JavaScript's `SameValueZero` (what `Array.prototype.includes` uses): `===` except that `NaN`
/// equals itself.
pub(crate) fn same_value_zero(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || (x.is_nan() && y.is_nan()),
        _ => strict_eq(a, b),
    }
}

/// `JSON.stringify(a) === JSON.stringify(b)`, without building the text: key order matters,
/// numbers compare by value (`-0` prints as `0`) and non-finite numbers print as `null`.
pub(crate) fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_finite() && y.is_finite() => x == y,
        (Value::Number(x), Value::Number(y)) => !x.is_finite() && !y.is_finite(),
        (Value::Number(x), Value::Null) | (Value::Null, Value::Number(x)) => !x.is_finite(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kp, p), (kq, q))| kp == kq && json_eq(p, q))
        }
        _ => strict_eq(a, b),
    }
}

/// A primitive after JavaScript's `ToPrimitive`, ready for a relational comparison.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Primitive<'a> {
    Text(Cow<'a, str>),
    Number(f64),
}

impl Primitive<'_> {
    pub(crate) fn of(value: &Value) -> Primitive<'_> {
        match value {
            Value::String(s) => Primitive::Text(Cow::Borrowed(s)),
            Value::Array(_) | Value::Object(_) => Primitive::Text(to_js_string(value)),
            other => Primitive::Number(to_number(other)),
        }
    }

    pub(crate) fn into_owned(self) -> Primitive<'static> {
        match self {
            Primitive::Text(t) => Primitive::Text(Cow::Owned(t.into_owned())),
            Primitive::Number(n) => Primitive::Number(n),
        }
    }

    fn number(&self) -> f64 {
        match self {
            Primitive::Text(t) => string_to_number(t),
            Primitive::Number(n) => *n,
        }
    }
}

/// JavaScript's abstract relational comparison: two strings compare by UTF-16 code units,
/// anything else compares as numbers. `None` is JavaScript's `undefined` (a `NaN` was involved),
/// which makes every one of `< <= > >=` false.
pub(crate) fn js_compare(a: &Primitive<'_>, b: &Primitive<'_>) -> Option<Ordering> {
    match (a, b) {
        (Primitive::Text(x), Primitive::Text(y)) => Some(utf16_cmp(x, y)),
        _ => a.number().partial_cmp(&b.number()),
    }
}

/// JavaScript's `toLowerCase`, with a shortcut for ASCII. Beyond ASCII the browser build asks
/// the browser (exact, and no Unicode case tables in the wasm); natively Rust's `to_lowercase`
/// applies the same Unicode default case mapping.
pub(crate) fn to_lower(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(s.to_ascii_lowercase())
        } else {
            Cow::Borrowed(s)
        }
    } else {
        #[cfg(not(target_arch = "wasm32"))]
        return Cow::Owned(s.to_lowercase());
        #[cfg(target_arch = "wasm32")]
        return Cow::Owned(String::from(js_sys::JsString::from(s).to_lower_case()));
    }
}

/// JavaScript's white space and line terminators, which `Number(text)` trims.
fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// JavaScript's `Number(text)`.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn string_to_number(text: &str) -> f64 {
    let t = text.trim_matches(is_js_space);
    if t.is_empty() {
        return 0.0;
    }
    let b = t.as_bytes();
    if b.len() > 2 && b[0] == b'0' {
        let radix = match b[1] {
            b'x' | b'X' => 16,
            b'o' | b'O' => 8,
            b'b' | b'B' => 2,
            _ => 0,
        };
        if radix != 0 {
            return t
                .get(2..)
                .unwrap_or("")
                .chars()
                .try_fold(0.0f64, |acc, c| {
                    c.to_digit(radix)
                        .map(|d| acc * f64::from(radix) + f64::from(d))
                })
                .unwrap_or(f64::NAN);
        }
    }
    let (sign, body) = match b[0] {
        b'-' => (-1.0, t.get(1..).unwrap_or("")),
        b'+' => (1.0, t.get(1..).unwrap_or("")),
        _ => (1.0, t),
    };
    if body == "Infinity" {
        return sign * f64::INFINITY;
    }
    if !is_decimal_literal(body) {
        return f64::NAN;
    }
    body.parse::<f64>().map_or(f64::NAN, |n| sign * n)
}

#[cfg(target_arch = "wasm32")]
pub(crate) fn string_to_number(text: &str) -> f64 {
    // `Number(text)` itself: exact by definition, and no float parser in the wasm.
    let t = text.trim_matches(is_js_space);
    if t.is_empty() {
        return 0.0;
    }
    browser::number_of(t)
}

/// The browser's own conversions, called as plain functions so they return primitives.
#[cfg(target_arch = "wasm32")]
mod browser {
    use crate::prelude::*;
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        /// `Number(text)`.
        #[wasm_bindgen(js_name = Number)]
        pub(super) fn number_of(text: &str) -> f64;

        /// `String(n)`.
        #[wasm_bindgen(js_name = String)]
        pub(super) fn string_of(n: f64) -> String;
    }
}

/// `digits [. digits] [e [+-] digits]` with at least one digit before the exponent: the
/// unsigned decimal literal of JavaScript's `StringNumericLiteral` (Rust's parser also accepts
/// `inf`, `nan` and more, which JavaScript does not).
#[cfg(not(target_arch = "wasm32"))]
fn is_decimal_literal(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let int_end = digits(0);
    let mut i = int_end;
    let mut mantissa_digits = int_end;
    if i < b.len() && b[i] == b'.' {
        let frac_end = digits(i + 1);
        mantissa_digits += frac_end - i - 1;
        i = frac_end;
    }
    if mantissa_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let exp_end = digits(i);
        if exp_end == i {
            return false;
        }
        i = exp_end;
    }
    i == b.len()
}

/// JavaScript's `String(n)` for a number: the shortest digits that round-trip, in fixed notation
/// for `1e-7 < |n| < 1e21` and exponent notation outside.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn number_to_string(n: f64) -> String {
    if n.is_nan() {
        return "NaN".to_owned();
    }
    if n == 0.0 {
        return "0".to_owned();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    // Rust's `{:e}` prints the shortest round-trip digits, e.g. `1.2345e-7`.
    let sci = format!("{:e}", n.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    // `point` is where the decimal point goes relative to the digits (JavaScript's `n`).
    let point = exponent.parse::<i32>().unwrap_or(0) + 1;
    let mut out = String::new();
    if n < 0.0 {
        out.push('-');
    }
    if k <= point && point <= 21 {
        out.push_str(&digits);
        out.push_str(&"0".repeat((point - k) as usize));
    } else if 0 < point && point <= 21 {
        out.push_str(&digits[..point as usize]);
        out.push('.');
        out.push_str(&digits[point as usize..]);
    } else if -6 < point && point <= 0 {
        out.push_str("0.");
        out.push_str(&"0".repeat((-point) as usize));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if point > 0 { '+' } else { '-' });
        out.push_str(&(point - 1).abs().to_string());
    }
    out
}

#[cfg(target_arch = "wasm32")]
pub(crate) fn number_to_string(n: f64) -> String {
    // `String(n)` itself: exact by definition, and no float formatter in the wasm.
    browser::string_of(n)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn strings_order_by_utf16_code_units_not_code_points() {
        // U+FF5E (fullwidth tilde) is one code unit 0xFF5E; U+1F436 (dog) is 0xD83D 0xDC36.
        // By code point the dog is larger; by UTF-16 code unit (JavaScript) it is smaller.
        assert_eq!(utf16_cmp("🐶", "～"), Ordering::Less);
        assert!("🐶" > "～", "Rust's own order is by code point");
        assert_eq!(utf16_cmp("a", "b"), Ordering::Less);
        assert_eq!(utf16_cmp("ab", "a"), Ordering::Greater);
        assert_eq!(utf16_cmp("訪問者", "訪問者"), Ordering::Equal);
        assert_eq!(utf16_cmp("Z", "a"), Ordering::Less);
        assert_eq!(utf16_cmp("é", "z"), Ordering::Greater);
    }

    #[test]
    fn numbers_print_as_javascript_prints_them() {
        let cases = [
            (1.0, "1"),
            (-1.5, "-1.5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e21, "1e+21"),
            (123456789012345680000.0, "123456789012345680000"),
            (1e-7, "1e-7"),
            (0.000001, "0.000001"),
            (1.5e-10, "1.5e-10"),
            (-0.0, "0"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
            (100.0, "100"),
            (2.5e25, "2.5e+25"),
        ];
        for (n, text) in cases {
            assert_eq!(number_to_string(n), text, "{n}");
        }
    }

    #[test]
    fn text_converts_to_numbers_as_javascript_converts_it() {
        assert_eq!(string_to_number(" 42\n"), 42.0);
        assert_eq!(string_to_number(""), 0.0);
        assert_eq!(string_to_number("0x1A"), 26.0);
        assert_eq!(string_to_number("-Infinity"), f64::NEG_INFINITY);
        assert_eq!(string_to_number(".5"), 0.5);
        assert_eq!(string_to_number("5."), 5.0);
        assert_eq!(string_to_number("1e3"), 1000.0);
        for nan in [
            "inf",
            "nan",
            "1_000",
            "-0x10",
            "1e",
            "e5",
            ".",
            "12px",
            "Infinityx",
        ] {
            assert!(string_to_number(nan).is_nan(), "{nan}");
        }
    }

    #[test]
    fn values_convert_like_javascript() {
        let v = Value::parse_json(r#"[1,null,[2,"x"],true]"#).unwrap();
        assert_eq!(to_js_string(&v), "1,,2,x,true");
        assert_eq!(to_number(&Value::parse_json("[5]").unwrap()), 5.0);
        assert_eq!(to_number(&Value::Array(vec![])), 0.0);
        assert!(to_number(&Value::Object(vec![])).is_nan());
        assert_eq!(to_number(&Value::Null), 0.0);
        assert!(!truthy(&Value::String(String::new())));
        assert!(truthy(&Value::Array(vec![])));
    }

    #[test]
    fn relational_comparison_mixes_types_like_javascript() {
        let p = |t: &str| Primitive::of(&Value::parse_json(t).unwrap()).into_owned();
        assert_eq!(js_compare(&p(r#""8""#), &p("10")), Some(Ordering::Less));
        assert_eq!(
            js_compare(&p(r#""8""#), &p(r#""10""#)),
            Some(Ordering::Greater)
        );
        assert_eq!(js_compare(&p("null"), &p("0")), Some(Ordering::Equal));
        assert_eq!(js_compare(&p(r#""x""#), &p("1")), None);
    }

    #[test]
    fn json_equality_follows_stringify() {
        let v = |t: &str| Value::parse_json(t).unwrap();
        assert!(json_eq(
            &v(r#"{"a":1,"b":[1,2]}"#),
            &v(r#"{"a":1.0,"b":[1,2]}"#)
        ));
        assert!(!json_eq(&v(r#"{"a":1,"b":2}"#), &v(r#"{"b":2,"a":1}"#)));
        assert!(json_eq(&Value::Number(f64::NAN), &Value::Null));
    }
}

/// The browser's `Number` and `String`, run by `wasm-bindgen-test`.
#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn browser_conversions_are_javascripts() {
        assert_eq!(number_to_string(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(number_to_string(1e21), "1e+21");
        assert_eq!(string_to_number(" 0x1A "), 26.0);
        assert!(string_to_number("12px").is_nan());
        assert_eq!(to_js_string(&Value::Number(-1.5)), "-1.5");
        assert_eq!(to_lower("ÀB訪Σ"), "àb訪σ");
    }
}
