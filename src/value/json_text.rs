//! JSON text ↔ [`Value`], giving exactly what the browser's `JSON.parse` followed by
//! `js_json::from_js` gives, and what `JSON.stringify` of `js_json::to_js` prints.
//!
//! Why it exists: the shell reads and writes the stored profile on every page. Walking the
//! browser's parsed object member by member (`Object.keys`, `Reflect.get`, a string copy for each
//! key and string) and building one back for `JSON.stringify` crossed between wasm and JavaScript
//! about ten times per value, which was most of a heavy profile's load + save. The text crosses
//! once instead.
//!
//! Where JavaScript's object model shows through, it is reproduced: members whose key is an array
//! index (`"0"`…`"4294967294"`) come first in ascending order, a repeated key keeps its first
//! place with its last value, a lone surrogate becomes U+FFFD (as every string that enters the
//! wasm does), numbers out of range and nesting deeper than [`MAX_DEPTH`] become `null`. What
//! needs real float code does not ship here: the caller passes the platform's own conversions
//! (the browser's `Number(text)` for numbers with no exact fast path, `String(n)` for fractions).
//! The parser keeps its own stack, so hostile text nested a million deep cannot overflow the wasm
//! stack.

use super::Value;
use crate::prelude::*;

/// JavaScript's `Number(text)`, called with a valid JSON number that needs real float parsing.
pub type ParseNumber = fn(&str) -> f64;
/// JavaScript's `String(n)`, called with a finite number that is not a small whole number.
pub type PrintNumber = fn(f64) -> String;

/// Values nested deeper than this become `null` (as `js_json::from_js` cuts them).
pub const MAX_DEPTH: usize = 64;

/// Parses JSON text; `None` where `JSON.parse` would throw.
pub fn parse(text: &str, number: ParseNumber) -> Option<Value> {
    let mut p = Parser {
        text,
        s: text.as_bytes(),
        i: 0,
        number,
    };
    let mut open: Vec<Container> = Vec::new();
    loop {
        p.skip_space();
        let mut value = match p.peek()? {
            b'{' | b'[' => {
                let object = p.bump_checked() == Some(b'{');
                p.skip_space();
                if p.eat(if object { b'}' } else { b']' }) {
                    empty(object)
                } else {
                    open.push(if object {
                        Container::Object(Vec::new(), p.key()?)
                    } else {
                        Container::Array(Vec::new())
                    });
                    continue;
                }
            }
            b'"' => {
                p.i += 1;
                Value::String(p.string()?)
            }
            b't' => p.word("true", Value::Bool(true))?,
            b'f' => p.word("false", Value::Bool(false))?,
            b'n' => p.word("null", Value::Null)?,
            _ => p.number()?,
        };
        // A value is complete: hand it to its container, and close every container that ends.
        loop {
            if open.len() > MAX_DEPTH {
                value = Value::Null;
            }
            p.skip_space();
            let Some(container) = open.last_mut() else {
                return (p.i == p.s.len()).then_some(value);
            };
            let next = p.bump_checked()?;
            match container {
                Container::Array(items) => {
                    items.push(value);
                    match next {
                        b',' => break,
                        b']' => {}
                        _ => return None,
                    }
                }
                Container::Object(members, key) => {
                    members.push((core::mem::take(key), value));
                    match next {
                        b',' => {
                            p.skip_space();
                            *key = p.key()?;
                            break;
                        }
                        b'}' => {}
                        _ => return None,
                    }
                }
            }
            value = match open.pop()? {
                Container::Array(items) => Value::Array(items),
                Container::Object(mut members, _) if needs_js_order(&members) => {
                    let order = js_order(&members, false);
                    let take = |(k, v): (usize, usize)| {
                        (
                            core::mem::take(&mut members[k].0),
                            core::mem::take(&mut members[v].1),
                        )
                    };
                    Value::Object(order.into_iter().map(take).collect())
                }
                Container::Object(members, _) => Value::Object(members),
            };
        }
    }
}

/// Prints `value` as compact JSON text.
pub fn write(value: &Value, number: PrintNumber) -> String {
    let mut out = String::with_capacity(256);
    write_into(value, &mut out, number);
    out
}

fn write_into(value: &Value, out: &mut String, number: PrintNumber) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => write_number(*n, out, number),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_into(item, out, number);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            let mut member =
                |i: usize, (key, _): &(String, Value), (_, value): &(String, Value)| {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(key, out);
                    out.push(':');
                    write_into(value, out, number);
                };
            if needs_js_order(members) {
                for (i, (k, v)) in js_order(members, true).into_iter().enumerate() {
                    member(i, &members[k], &members[v]);
                }
            } else {
                for (i, m) in members.iter().enumerate() {
                    member(i, m, m);
                }
            }
            out.push('}');
        }
    }
}

/// What `JSON.stringify` prints for a number: whole numbers directly, others as `String(n)`.
fn write_number(n: f64, out: &mut String, number: PrintNumber) {
    if !n.is_finite() {
        out.push_str("null");
    } else if crate::float::fract(n) == 0.0 && n.abs() < 1e15 {
        // -0 prints as 0.
        if n < 0.0 {
            out.push('-');
        }
        crate::text::push_u64(out, n.abs() as u64);
    } else {
        out.push_str(&number(n));
    }
}

/// A JSON string as `JSON.stringify` quotes it (a Rust string holds no lone surrogates).
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    let mut plain = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        // `get`, not indexing: the slice can never fail here, and a panicking slice of a `str`
        // would pull its message formatting (char tables and all) into the wasm.
        out.push_str(s.get(plain..i).unwrap_or_default());
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        } else {
            out.push_str(escape);
        }
        plain = i + 1;
    }
    out.push_str(s.get(plain..).unwrap_or_default());
    out.push('"');
}

fn empty(object: bool) -> Value {
    if object {
        Value::Object(Vec::new())
    } else {
        Value::Array(Vec::new())
    }
}

/// An array or an object being parsed; an object holds the key of the member being parsed.
enum Container {
    Array(Vec<Value>),
    Object(Vec<(String, Value)>, String),
}

struct Parser<'a> {
    text: &'a str,
    s: &'a [u8],
    i: usize,
    number: ParseNumber,
}

impl Parser<'_> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    #[inline]
    fn bump_checked(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.i += 1;
        Some(b)
    }

    #[inline]
    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        self.i += usize::from(hit);
        hit
    }

    /// JSON's white space only (not JavaScript's).
    #[inline]
    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn word(&mut self, word: &str, value: Value) -> Option<Value> {
        let end = self.i + word.len();
        (self.s.get(self.i..end)? == word.as_bytes()).then(|| {
            self.i = end;
            value
        })
    }

    /// `"key"` and the `:` after it.
    fn key(&mut self) -> Option<String> {
        if !self.eat(b'"') {
            return None;
        }
        let key = self.string()?;
        self.skip_space();
        self.eat(b':').then_some(key)
    }

    /// The rest of a string whose opening quote is read.
    fn string(&mut self) -> Option<String> {
        let mut out = String::new();
        loop {
            let rest = self.s.get(self.i..)?;
            let run = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
            let plain = self.text.get(self.i..self.i + run)?;
            self.i += run + 1;
            match rest[run] {
                // No escape so far (each one adds a character): one copy.
                b'"' if out.is_empty() => return Some(plain.to_owned()),
                b'"' => {
                    out.push_str(plain);
                    return Some(out);
                }
                b'\\' => {
                    out.push_str(plain);
                    out.push(match self.bump_checked()? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.escaped_char()?,
                        _ => return None,
                    });
                }
                _ => return None,
            }
        }
    }

    /// The character of a `\uXXXX` escape (its `\u` read), joining a surrogate pair; a lone
    /// surrogate becomes U+FFFD.
    fn escaped_char(&mut self) -> Option<char> {
        let unit = self.hex4()?;
        if (0xd800..0xdc00).contains(&unit) && self.s.get(self.i..self.i + 2) == Some(b"\\u") {
            let save = self.i;
            self.i += 2;
            let low = self.hex4()?;
            if (0xdc00..0xe000).contains(&low) {
                return char::from_u32(0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00));
            }
            self.i = save;
        }
        Some(char::from_u32(unit).unwrap_or('\u{fffd}'))
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.s.get(self.i..self.i + 4)?;
        self.i += 4;
        digits
            .iter()
            .try_fold(0, |n, &d| Some(n * 16 + char::from(d).to_digit(16)?))
    }

    /// Reads digits, adding them to `mantissa` while it stays exact; how many there were.
    fn digits(&mut self, mantissa: &mut u64, exact: &mut bool) -> usize {
        let start = self.i;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            if *mantissa < 1 << 53 {
                *mantissa = *mantissa * 10 + u64::from(d - b'0');
            } else {
                *exact = false;
            }
            self.i += 1;
        }
        self.i - start
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`; out of range is `null`.
    ///
    /// Read exactly with one rounding where Clinger's fast path applies (at most 2^53 as digits,
    /// times or divided by a power of ten up to 10^22, both exact); otherwise by the platform.
    fn number(&mut self) -> Option<Value> {
        let start = self.i;
        let negative = self.eat(b'-');
        let (mut mantissa, mut exact) = (0u64, true);
        let leading_zero = self.peek() == Some(b'0');
        let int_digits = self.digits(&mut mantissa, &mut exact);
        if int_digits == 0 || (leading_zero && int_digits > 1) {
            return None;
        }
        let mut exponent = 0i32;
        if self.eat(b'.') {
            let frac_digits = self.digits(&mut mantissa, &mut exact);
            if frac_digits == 0 {
                return None;
            }
            exponent = -(frac_digits.min(1000) as i32);
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            let sign = if self.eat(b'-') {
                -1
            } else {
                self.eat(b'+');
                1
            };
            let (mut e, mut e_exact) = (0u64, true);
            if self.digits(&mut e, &mut e_exact) == 0 {
                return None;
            }
            exponent += sign * e.min(100_000) as i32;
            exact &= e_exact;
        }
        let n = if exact && mantissa <= 1 << 53 && (-22..=22).contains(&exponent) {
            let power = (0..exponent.unsigned_abs()).fold(1.0, |p, _| p * 10.0);
            let n = if exponent < 0 {
                mantissa as f64 / power
            } else {
                mantissa as f64 * power
            };
            if negative {
                -n
            } else {
                n
            }
        } else {
            (self.number)(self.text.get(start..self.i)?)
        };
        Some(if n.is_finite() {
            Value::Number(n)
        } else {
            Value::Null
        })
    }
}

/// The key as a JavaScript array index (`0`…`2^32 - 2`, canonical digits), which objects list
/// before their other keys.
fn array_index(key: &str) -> Option<u32> {
    let b = key.as_bytes();
    if !b.first()?.is_ascii_digit() || b.len() > 10 || (b[0] == b'0' && b.len() > 1) {
        return None;
    }
    let n = b.iter().try_fold(0u64, |n, &d| {
        d.is_ascii_digit().then(|| n * 10 + u64::from(d - b'0'))
    })?;
    u32::try_from(n).ok().filter(|n| *n != u32::MAX)
}

/// Whether a JavaScript object built from these members (in order) would list them differently:
/// an array-index key, a repeated key, or `__proto__`. A 256-bit filter of key hashes keeps the
/// common case (no repeats) from comparing every pair.
fn needs_js_order(members: &[(String, Value)]) -> bool {
    let mut seen = [0u64; 4];
    for (i, (key, _)) in members.iter().enumerate() {
        if array_index(key).is_some() || key == "__proto__" {
            return true;
        }
        // Keys of one object tend to differ at the end (`rule-7`, `rule-8`): the length and the
        // last four bytes, mixed by one multiplication, are hash enough.
        let tail = key
            .bytes()
            .rev()
            .take(4)
            .fold(key.len() as u64, |h, b| h << 8 | u64::from(b));
        let hash = tail.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let (word, bit) = ((hash >> 62) as usize, 1u64 << ((hash >> 56) & 63));
        if seen[word] & bit != 0 && members[..i].iter().any(|(k, _)| k == key) {
            return true;
        }
        seen[word] |= bit;
    }
    false
}

/// The members as a JavaScript object lists them, as (index of the key, index of the value)
/// pairs: a repeated key keeps its first place and its last value; array indices first,
/// ascending; the other keys in insertion order. `JSON.parse` makes `__proto__` an own member;
/// assigning it (as `js_json::to_js` did, with `Reflect.set`) sets the prototype instead, so
/// `JSON.stringify` never printed it: `assigned` drops it.
fn js_order(members: &[(String, Value)], assigned: bool) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(members.len());
    for (i, (key, _)) in members.iter().enumerate() {
        if assigned && key == "__proto__" {
            continue;
        }
        match out.iter_mut().find(|(k, _)| members[*k].0 == *key) {
            Some(slot) => slot.1 = i,
            None => out.push((i, i)),
        }
    }
    // A stable insertion sort: this path is rare and small, and the standard stable sort would
    // add kilobytes to the wasm.
    let rank = |k: usize| array_index(&members[k].0).map_or(u64::MAX, u64::from);
    for i in 1..out.len() {
        let mut j = i;
        while j > 0 && rank(out[j - 1].0) > rank(out[j].0) {
            out.swap(j - 1, j);
            j -= 1;
        }
    }
    out
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    // Rust's own float code stands in for the browser's here (the browser tests compare with
    // the browser itself): the same digits, printed as JavaScript prints them.
    fn parse(text: &str) -> Option<Value> {
        super::parse(text, |t| t.parse().unwrap_or(f64::NAN))
    }

    fn write(value: &Value) -> String {
        super::write(value, js_string)
    }

    fn js_string(n: f64) -> String {
        let sci = format!("{n:e}");
        let (mantissa, exponent) = sci.split_once('e').unwrap();
        let exponent: i32 = exponent.parse().unwrap();
        if (-6..21).contains(&exponent) {
            return n.to_string();
        }
        let sign = if exponent < 0 { "-" } else { "+" };
        format!("{mantissa}e{sign}{}", exponent.abs())
    }

    fn round_trip(text: &str) -> String {
        write(&parse(text).unwrap_or_else(|| panic!("rejected {text}")))
    }

    #[test]
    fn agrees_with_serde_json_on_ordinary_documents() {
        for text in [
            r#"{"b":1.5,"a":[true,null,"猫 🐱"],"c":{"z":-2,"y":{}}}"#,
            r#"[0,-0.5,1e-7,123456789012,5e-324,0.1,0.30000000000000004]"#,
            r#"{"v":2,"topics":{"topic-1":3.47,"topic-2":0.01},"x":[[],[{}]]}"#,
            r#""plain""#,
            "null",
        ] {
            let ours = parse(text).unwrap();
            assert_eq!(ours, Value::parse_json(text).unwrap(), "{text}");
            assert_eq!(write(&ours), ours.to_json_string(), "{text}");
        }
    }

    #[test]
    fn numbers_read_exactly_and_print_as_javascript_does() {
        for (text, printed) in [
            ("-0", "0"),
            ("1E2", "100"),
            ("1e21", "1e+21"),
            ("12345678901234567890", "12345678901234567000"),
            ("0.000001", "0.000001"),
            ("0.0000001", "1e-7"),
            ("2.5e-3", "0.0025"),
            ("9007199254740993", "9007199254740992"),
            ("123.456e-2", "1.23456"),
            ("1e400", "null"),
            ("-1e400", "null"),
            ("1e-400", "0"),
        ] {
            assert_eq!(round_trip(text), printed, "{text}");
        }
        for text in ["0.1", "3.47", "1e22", "4.35", "1.7976931348623157e308"] {
            let expected: f64 = text.parse().unwrap();
            assert_eq!(parse(text), Some(Value::Number(expected)), "{text}");
        }
        assert!(matches!(parse("-0"), Some(Value::Number(n)) if n.is_sign_negative()));
    }

    #[test]
    fn strings_escape_and_unescape_as_json_stringify_does() {
        let text = r#""q\" b\\ s\/ \b\f\n\r\t \u0001\u001F\u007f é\u00e9 \ud83d\udc31 \u2028""#;
        let value = parse(text).unwrap();
        assert_eq!(
            value.as_str(),
            Some("q\" b\\ s/ \u{8}\u{c}\n\r\t \u{1}\u{1f}\u{7f} éé 🐱 \u{2028}")
        );
        assert_eq!(
            write(&value),
            "\"q\\\" b\\\\ s/ \\b\\f\\n\\r\\t \\u0001\\u001f\u{7f} éé 🐱 \u{2028}\""
        );
        // Lone surrogates become U+FFFD, as they do on their way into the wasm.
        assert_eq!(
            parse(r#""\ud800 \udc00 \ud800\ud800\udc00 \ud800\u0041""#).unwrap(),
            Value::from("\u{fffd} \u{fffd} \u{fffd}\u{10000} \u{fffd}A")
        );
    }

    #[test]
    fn objects_list_members_as_javascript_objects_do() {
        assert_eq!(
            round_trip(r#"{"b":1,"10":2,"a":3,"2":4,"01":5,"-1":6,"4294967295":7,"4294967294":8}"#),
            r#"{"2":4,"10":2,"4294967294":8,"b":1,"a":3,"01":5,"-1":6,"4294967295":7}"#
        );
        assert_eq!(
            round_trip(r#"{"a":1,"b":2,"a":3,"__proto__":4}"#),
            r#"{"a":3,"b":2}"#
        );
        assert_eq!(
            parse(r#"{"__proto__":{"x":1}}"#).unwrap().get("__proto__"),
            Some(&Value::Object(vec![("x".into(), Value::Number(1.0))]))
        );
        let built = Value::Object(vec![
            ("z".into(), Value::Null),
            ("7".into(), Value::Null),
            ("z".into(), true.into()),
        ]);
        assert_eq!(write(&built), r#"{"7":null,"z":true}"#);
        // Many distinct keys pass the repeat filter without being taken for repeats.
        let many: Vec<_> = (0..200)
            .map(|i| (format!("k{i}"), Value::Number(f64::from(i))))
            .collect();
        assert!(!needs_js_order(&many));
        assert_eq!(
            parse(&write(&Value::Object(many.clone()))),
            Some(Value::Object(many))
        );
    }

    #[test]
    fn rejects_what_json_parse_rejects() {
        for text in [
            "",
            " ",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "{'a':1}",
            "[01]",
            "[1.]",
            "[.5]",
            "[+1]",
            "[1e]",
            "[-]",
            "[0x10]",
            "NaN",
            "[Infinity]",
            "tru",
            "nul",
            "\"a",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\t\"",
            "[1] 2",
            "{\"a\" 1}",
            "{1:2}",
            "\u{feff}1",
            "[1\u{a0}]",
            "[\"a\"\"b\"]",
            "{\"a\":1\"b\":2}",
        ] {
            assert_eq!(parse(text), None, "accepted {text:?}");
        }
        assert_eq!(
            parse(" \t\r\n[ 1 , {} ]\n"),
            Value::parse_json("[1,{}]").ok()
        );
    }

    #[test]
    fn deep_nesting_is_cut_to_null_without_recursion() {
        let deep = |n: usize| "[".repeat(n) + &"]".repeat(n);
        let mut value = parse(&deep(200_000)).unwrap();
        let mut depth = 0;
        while let Value::Array(items) = value {
            value = items.into_iter().next().unwrap_or(Value::Null);
            depth += 1;
        }
        assert_eq!(depth, MAX_DEPTH + 1);
        assert_eq!(parse(&("[".repeat(100_000) + "]")), None);
        let within = "[".repeat(MAX_DEPTH) + "1" + &"]".repeat(MAX_DEPTH);
        assert_eq!(round_trip(&within), within);
    }
}
