//! Tiny text helpers for reasons, paths and templates: numbers as decimal text without Rust's
//! formatting machinery (which would pull float formatting into the wasm), and JSON paths.

use crate::float;
use crate::prelude::*;

/// `parts` end to end, as `crate::text::concat(&[a, b])` gives them: core's `concat` and `join` share a generic
/// join (1 KB of wasm) for what one loop does.
pub fn concat(parts: &[&str]) -> String {
    join(parts, "")
}

/// `parts` with `separator` between them, as `parts.join(separator)` gives them.
pub fn join(parts: &[&str], separator: &str) -> String {
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        out.push_str(part);
    }
    out
}
/// Appends the decimal digits of `n`.
pub fn push_u64(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[start..] {
        out.push(char::from(d));
    }
}

pub fn push_i64(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_u64(out, n.unsigned_abs());
}

/// Appends a number as a person reads it: whole numbers without a fraction, others rounded to
/// two decimals with trailing zeros dropped (`0.5`, `4.25`); not-a-number and infinities as
/// JavaScript prints them.
pub fn push_number(out: &mut String, n: f64) {
    if n.is_nan() {
        out.push_str("NaN");
        return;
    }
    if n.is_infinite() {
        out.push_str(if n > 0.0 { "Infinity" } else { "-Infinity" });
        return;
    }
    let hundredths = float::round(n.abs() * 100.0);
    if hundredths >= 1.8e19 {
        // Beyond u64: rare enough that an approximate mantissa is fine.
        if n < 0.0 {
            out.push('-');
        }
        out.push_str("1e+19+");
        return;
    }
    let hundredths = hundredths as u64;
    if n < 0.0 && hundredths != 0 {
        out.push('-');
    }
    push_u64(out, hundredths / 100);
    let frac = hundredths % 100;
    if frac != 0 {
        out.push('.');
        let (tenths, hundredths) = (frac / 10, frac % 10);
        out.push(char::from(b'0' + tenths as u8));
        if hundredths != 0 {
            out.push(char::from(b'0' + hundredths as u8));
        }
    }
}

/// `rules[3]`-style path segment appended to `base`.
pub fn indexed(base: &str, key: &str, index: usize) -> String {
    let mut out = String::with_capacity(base.len() + key.len() + 6);
    out.push_str(base);
    if !base.is_empty() && !key.is_empty() {
        out.push('.');
    }
    out.push_str(key);
    out.push('[');
    push_u64(&mut out, index as u64);
    out.push(']');
    out
}

/// `base.key`.
pub fn dotted(base: &str, key: &str) -> String {
    let mut out = String::with_capacity(base.len() + key.len() + 1);
    out.push_str(base);
    out.push('.');
    out.push_str(key);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concat_and_join_match_std() {
        assert_eq!(concat(&[]), "");
        assert_eq!(concat(&["a", "", "bc", "✓"]), ["a", "", "bc", "✓"].concat());
        assert_eq!(join(&[], ","), "");
        assert_eq!(join(&["one"], ","), "one");
        assert_eq!(join(&["a", "", "b"], ", "), ["a", "", "b"].join(", "));
    }

    fn number(n: f64) -> String {
        let mut s = String::new();
        push_number(&mut s, n);
        s
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(0.5), "0.5");
        assert_eq!(number(4.256), "4.26");
        assert_eq!(number(-2.05), "-2.05");
        assert_eq!(number(-0.001), "0");
        assert_eq!(number(1e6), "1000000");
        assert_eq!(number(f64::NAN), "NaN");
        let mut s = String::new();
        push_i64(&mut s, i64::MIN);
        assert_eq!(s, "-9223372036854775808");
        assert_eq!(indexed("rules[2]", "actions", 1), "rules[2].actions[1]");
        assert_eq!(indexed("", "rules", 0), "rules[0]");
        assert_eq!(dotted("rules[0]", "cap"), "rules[0].cap");
    }
}
