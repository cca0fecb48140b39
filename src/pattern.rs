//! Regular expressions with JavaScript semantics, compiled once when a condition is parsed.
//!
//! GrowthBook's `$regex` is `new RegExp(source, flags).test(text)`, so patterns must mean what
//! they mean to JavaScript: ECMAScript syntax, no `u` flag (so `.` and character classes see
//! UTF-16 code units, not characters), `i` for `$regexi`, an unanchored search. Two engines
//! provide that:
//!
//! - **Browser (wasm32)**: the browser's own `RegExp` — exact by definition, and no regular
//!   expression engine ships in the wasm. A syntax error thrown by the constructor is caught and
//!   returned as a [`PatternError`].
//! - **Native** (tests, CLI, server): the [`regress`] crate, which implements ECMAScript regular
//!   expressions. Non-ASCII text is matched as UTF-16 code units (`find_from_ucs2`), as
//!   JavaScript does without the `u` flag; ASCII text takes the faster `&str` path, where code
//!   units and characters coincide.
//!
//! Where the two differ. About 70 patterns (Annex B legacy syntax such as `a{`, `]`, `\c`,
//! `[\c]`, `\8`; back-references, named groups, lookbehind, `\p{L}` without `u`, Unicode
//! case folding, line terminators) were run through both, with node (V8, Chrome's engine) as the
//! reference. They agree on syntax errors and results except:
//! - Case-insensitive matching of `ſ` (U+017F, long s) and `ı` (U+0131, dotless i): without the `u`
//!   flag JavaScript never folds a non-ASCII character to an ASCII one, so `/s/i` does not match
//!   `ſ` and `/I/i` does not match `ı` in the browser; regress folds them (`/s/i` matches `ſ`,
//!   `/\w/i` matches `ſ`) natively. Only natively evaluated conditions (CLI, server) see this.
//! - Pattern modifiers `(?i:…)`: regress accepts them; only recent browsers do (node 20 here
//!   throws), so in an older browser such a clause is invalid, hence false.
//! - Case folding of other non-ASCII characters follows each engine's own Unicode tables, which
//!   can lag each other by a Unicode version.
//! - Catastrophic backtracking is possible in both; neither engine has a time limit.
//!
//! This module never panics on any pattern or text.

use crate::prelude::*;
/// Why a pattern does not compile, in the engine's own words.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternError {
    pub message: String,
}

/// A compiled regular expression with JavaScript semantics.
#[derive(Clone)]
pub struct Pattern {
    source: String,
    case_insensitive: bool,
    /// Set when the source has no special characters and no `i` flag: the pattern then matches
    /// exactly where the text contains it, and a substring search is far cheaper than either
    /// engine (and, in the browser, needs no call into JavaScript). `/cats/` is typical.
    literal: bool,
    compiled: engine::Compiled,
}

impl core::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("/")?;
        f.write_str(&self.source)?;
        f.write_str(if self.case_insensitive { "/i" } else { "/" })
    }
}

impl Pattern {
    /// Compiles `source` as JavaScript's `new RegExp(source, case_insensitive ? "i" : "")`.
    pub fn new(source: &str, case_insensitive: bool) -> Result<Pattern, PatternError> {
        // A `match`, not `"…".contains(c)`: that would bring core's substring searcher along.
        let special = |c: char| {
            matches!(
                c,
                '\\' | '^' | '$' | '.' | '|' | '?' | '*' | '+' | '(' | ')' | '[' | ']' | '{' | '}'
            )
        };
        Ok(Pattern {
            source: source.to_owned(),
            case_insensitive,
            literal: !case_insensitive && !source.contains(special),
            compiled: engine::compile(source, case_insensitive)?,
        })
    }

    /// JavaScript's `regexp.test(text)`: whether the pattern matches anywhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        if self.literal {
            // Both are valid Unicode, so a substring of UTF-16 code units is a substring of
            // characters and vice versa.
            return find_str(text, &self.source).is_some();
        }
        engine::is_match(&self.compiled, text)
    }

    /// The pattern's source text.
    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn is_case_insensitive(&self) -> bool {
        self.case_insensitive
    }
}

/// Where `needle` first occurs in `hay`, by comparing bytes: core's substring searcher (and the
/// panic formatting its slicing carries) would cost the wasm about 4 KB, and the needles here
/// are short. A match of whole UTF-8 strings always starts on a character boundary.
pub(crate) fn find_str(hay: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.as_bytes()
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
}

#[cfg(not(target_arch = "wasm32"))]
mod engine {
    use super::PatternError;

    pub(super) type Compiled = regress::Regex;

    pub(super) fn compile(source: &str, case_insensitive: bool) -> Result<Compiled, PatternError> {
        let flags = regress::Flags {
            icase: case_insensitive,
            ..regress::Flags::default()
        };
        regress::Regex::with_flags(source, flags).map_err(|e| PatternError {
            message: e.to_string(),
        })
    }

    pub(super) fn is_match(regex: &Compiled, text: &str) -> bool {
        if text.is_ascii() {
            regex.find(text).is_some()
        } else {
            let units: Vec<u16> = text.encode_utf16().collect();
            regex.find_from_ucs2(&units, 0).next().is_some()
        }
    }
}

#[cfg(target_arch = "wasm32")]
mod engine {
    use super::PatternError;
    use crate::prelude::*;
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        /// The browser's `RegExp`, bound here (rather than through `js_sys::RegExp`) so that the
        /// constructor's `SyntaxError` comes back as a `Result` instead of unwinding through
        /// the wasm.
        #[wasm_bindgen(js_name = RegExp)]
        #[derive(Clone)]
        pub(super) type BrowserRegExp;

        #[wasm_bindgen(constructor, js_class = RegExp, catch)]
        fn new(source: &str, flags: &str) -> Result<BrowserRegExp, JsValue>;

        #[wasm_bindgen(method, js_class = RegExp)]
        fn test(this: &BrowserRegExp, text: &str) -> bool;
    }

    #[derive(Clone)]
    pub(super) struct Compiled(BrowserRegExp);

    pub(super) fn compile(source: &str, case_insensitive: bool) -> Result<Compiled, PatternError> {
        BrowserRegExp::new(source, if case_insensitive { "i" } else { "" })
            .map(Compiled)
            .map_err(|e| PatternError {
                message: js_sys::Error::from(e)
                    .message()
                    .as_string()
                    .unwrap_or_else(|| "invalid regular expression".to_owned()),
            })
    }

    pub(super) fn is_match(regex: &Compiled, text: &str) -> bool {
        // No `g` or `y` flag, so `test` keeps no state between calls.
        regex.0.test(text)
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn test(source: &str, insensitive: bool, text: &str) -> bool {
        Pattern::new(source, insensitive).unwrap().is_match(text)
    }

    #[test]
    fn matches_anywhere_like_regexp_test() {
        assert!(test("-12-25$", false, "1980-12-25"));
        assert!(!test("(mobile|tablet)", false, "Android Mobile Browser"));
        assert!(test("(MOBILE|TABLET)", true, "android mobile browser"));
        assert!(test("^ping", false, "pingpong"));
        assert!(test("a/b", false, "xa/b"));
    }

    #[test]
    fn literal_patterns_take_the_substring_path_with_the_same_answers() {
        // GrowthBook escapes `/` before `new RegExp`, which changes nothing: `/` is no operator.
        let literal = Pattern::new("/cats/", false).unwrap();
        assert!(literal.literal);
        assert!(literal.is_match("/cats/toys") && !literal.is_match("/Cats/"));
        assert!(Pattern::new("訪問", false).unwrap().is_match("再訪問者"));
        assert!(Pattern::new("", false).unwrap().is_match(""));
        for source in ["a.b", "^a", "a\\d", "(a)", "a{2}", "a|b"] {
            assert!(!Pattern::new(source, false).unwrap().literal, "{source}");
        }
        assert!(!Pattern::new("cats", true).unwrap().literal);
    }

    #[test]
    fn invalid_patterns_are_errors() {
        for source in ["/???***[)", "(", "[", "a**", "(?<n>a)(?<n>b)"] {
            assert!(Pattern::new(source, false).is_err(), "{source}");
        }
    }

    #[test]
    fn non_ascii_text_is_seen_as_utf16_code_units() {
        // Expected values from node (V8): /^.$/.test("🐶") is false (two code units),
        // /^..$/.test("🐶") true, /^.$/.test("訪") true, /訪問/i.test("再訪問者") true.
        assert!(!test("^.$", false, "🐶"));
        assert!(test("^..$", false, "🐶"));
        assert!(test("^.$", false, "訪"));
        assert!(test("訪問", true, "再訪問者"));
        assert!(test("\\uD83D", false, "🐶🐱"));
        assert!(test("É", true, "café É"));
        assert!(test("é", true, "CAFÉ"));
    }

    /// Documents the one known semantic difference from browsers (see the module docs): if a
    /// regress upgrade fixes it, this test fails and the docs can lose the caveat.
    #[test]
    fn known_difference_long_s_folds_to_ascii_natively() {
        assert!(test("s", true, "ſ"), "browsers say false");
        assert!(test("I", true, "ı"), "browsers say false");
        // Folding between non-ASCII characters agrees with browsers.
        assert!(test("σ", true, "Σ"));
        assert!(!test("ß", true, "SS"));
    }

    #[test]
    fn patterns_print_their_source() {
        let p = Pattern::new("^a", true).unwrap();
        assert_eq!(format!("{p:?}"), "/^a/i");
        assert_eq!(p.source(), "^a");
        assert!(p.is_case_insensitive());
    }
}

/// The browser engine, run by `wasm-bindgen-test` (under node, V8, by default).
#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn browser_regexp_matches_and_reports_syntax_errors() {
        let p = Pattern::new("(MOBILE|TABLET)", true).unwrap();
        assert!(p.is_match("android mobile browser"));
        assert!(!Pattern::new("^.$", false).unwrap().is_match("🐶"));
        assert!(Pattern::new("^..$", false).unwrap().is_match("🐶"));
        let e = Pattern::new("/???***[)", false).unwrap_err();
        assert!(
            e.message.contains("Invalid regular expression"),
            "{}",
            e.message
        );
        // The documented difference: browsers do not fold `ſ` to `s` without the `u` flag.
        assert!(!Pattern::new("s", true).unwrap().is_match("ſ"));
    }
}
