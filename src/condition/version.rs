//! Version ordering for `$veq $vne $vgt $vgte $vlt $vlte`.
//!
//! GrowthBook compares versions by turning each into a "padded version string" and comparing
//! those strings, rather than by parsing SemVer strictly. That makes it forgiving (`v1.2.3`,
//! `1-2-3`, `1.2.3.4` all work) and it is the behaviour site owners know, so it is reproduced
//! exactly here:
//!
//! 1. numbers become their JavaScript text; anything that is not a non-empty string becomes `"0"`;
//! 2. a leading `v` and the build metadata (`+…` to the end) are removed;
//! 3. the rest is split on `-` and `.`; a plain `major.minor.patch` gets a `~` part appended, so a
//!    release sorts after its pre-releases (`~` is the largest printable ASCII character);
//! 4. all-digit parts are left-padded with spaces to five characters, so `" 9" < "10"`;
//! 5. the parts are joined with `-` and compared as JavaScript strings (UTF-16 code units).
//!
//! The padded form of a condition's operand is computed once, at parse time.

use super::js::{number_to_string, utf16_cmp};
use crate::prelude::*;
use crate::Value;
use core::cmp::Ordering;

/// The text GrowthBook pads for a value: numbers in their JavaScript form, anything that is not
/// a non-empty string as `"0"`.
pub(crate) fn version_text(value: &Value) -> alloc::borrow::Cow<'_, str> {
    match value {
        Value::String(s) if !s.is_empty() => alloc::borrow::Cow::Borrowed(s),
        Value::Number(n) => alloc::borrow::Cow::Owned(number_to_string(*n)),
        _ => alloc::borrow::Cow::Borrowed("0"),
    }
}

/// GrowthBook's `paddedVersionString`.
pub(crate) fn padded_version(text: &str) -> String {
    let text = text.strip_prefix('v').unwrap_or(text);
    let text = strip_build_metadata(text);
    // Written straight into one string (no list of parts): this runs once per evaluation.
    let mut out = String::with_capacity(text.len() + 16);
    let mut parts = 0;
    for part in text.split(['-', '.']) {
        if parts > 0 {
            out.push('-');
        }
        parts += 1;
        if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
            // padStart counts UTF-16 code units; an all-digit part is ASCII, so bytes will do.
            for _ in part.len()..5 {
                out.push(' ');
            }
        }
        out.push_str(part);
    }
    if parts == 3 {
        out.push_str("-~");
    }
    out
}

/// Removes `+…` to the end, as the regular expression `/\+.*$/` does: `.` does not cross a line
/// terminator, so the `+` taken is the first one with no line terminator after it.
fn strip_build_metadata(text: &str) -> &str {
    let is_line_terminator = |c: char| matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}');
    let mut from = 0;
    // `get` instead of indexing: '+' is ASCII, so every cut is on a boundary, and indexing would
    // bring core's panic formatting into the wasm.
    while let Some(offset) = text.get(from..).and_then(|t| t.find('+')) {
        let plus = from + offset;
        if let Some((kept, rest)) = text.split_at_checked(plus) {
            if !rest.contains(is_line_terminator) {
                return kept;
            }
        }
        from = plus + 1;
    }
    text
}

/// Orders an attribute's version against a condition's operand that is already padded.
pub(crate) fn compare_to_padded(actual: &Value, padded_operand: &str) -> Ordering {
    utf16_cmp(&padded_version(&version_text(actual)), padded_operand)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        utf16_cmp(&padded_version(a), &padded_version(b))
    }

    #[test]
    fn pads_numeric_parts_and_marks_releases() {
        assert_eq!(padded_version("1.2.3"), "    1-    2-    3-~");
        assert_eq!(
            padded_version("v1.2.3-rc.1+build.5"),
            "    1-    2-    3-rc-    1"
        );
        assert_eq!(padded_version("123456.0.0"), "123456-    0-    0-~");
    }

    #[test]
    fn orders_like_semver_where_semver_is_defined() {
        assert_eq!(cmp("1.0.0-alpha", "1.0.0"), Ordering::Less);
        assert_eq!(cmp("1.0.0-beta.2", "1.0.0-beta.11"), Ordering::Less);
        assert_eq!(cmp("0.9.99", "1.0.0"), Ordering::Less);
        assert_eq!(cmp("10.0.0", "9.0.0"), Ordering::Greater);
        assert_eq!(cmp("1.2.3+build", "v1.2.3+other"), Ordering::Equal);
    }

    #[test]
    fn accepts_the_loose_forms_growthbook_accepts() {
        assert_eq!(cmp("1-2-3", "1.2.3"), Ordering::Equal);
        assert_eq!(cmp("1.2.3.4", "1.2.3-4"), Ordering::Equal);
        // Only the first `v` goes, and only at the start.
        assert_eq!(padded_version("vv1"), "v1");
    }

    #[test]
    fn build_metadata_stops_at_a_plus_without_a_line_break_after_it() {
        assert_eq!(strip_build_metadata("1.2+a\nb+c"), "1.2+a\nb");
        assert_eq!(strip_build_metadata("1.2"), "1.2");
    }

    #[test]
    fn non_strings_become_versions_like_javascript() {
        assert_eq!(version_text(&Value::Number(1.5)), "1.5");
        assert_eq!(version_text(&Value::Null), "0");
        assert_eq!(version_text(&Value::String(String::new())), "0");
        assert_eq!(version_text(&Value::Bool(true)), "0");
        assert_eq!(
            compare_to_padded(&Value::Number(2.0), &padded_version("1.9")),
            Ordering::Greater
        );
    }
}
