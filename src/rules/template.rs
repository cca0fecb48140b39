//! Text templates: `Welcome back, {{name|friend}}!`.
//!
//! A placeholder is `{{path}}` or `{{path|fallback}}`: `path` is an attribute's dot path
//! (`geo.region`, `topics.cat-toys`), the fallback is literal text used when the attribute is
//! missing, `null`, an empty string, an object or an array. Spaces around both are ignored. A
//! `{{` without its `}}` is literal text. Rendering only ever produces plain text: a value is
//! never parsed as a template again, never as markup (the shell inserts it with `textContent`
//! or `setAttribute`), so a visitor who types `<img src=x onerror=alert(1)>` as their name sees
//! exactly that text.

use super::text::push_number;
use crate::prelude::*;
use crate::Value;

/// A parsed template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    Literal(String),
    Attribute {
        path: String,
        fallback: Option<String>,
    },
}

impl Template {
    /// Parses `source`. Never fails: anything that is not a well-formed placeholder is literal.
    pub fn parse(source: &str) -> Template {
        let mut segments = Vec::new();
        let mut literal = String::new();
        let mut rest = source;
        // Where the first `}}` at or after a point is: the search only moves forward, so a
        // run of `{{` without their `}}` costs one scan, not one scan per `{{`.
        let mut close_at: Option<usize> = None;
        while let Some(open) = find_pair(rest, b'{') {
            // `get` rather than indexing (the cuts are at ASCII braces, always boundaries): it
            // keeps core's panic formatting out of the wasm.
            let start = source.len() - rest.len() + open + 2;
            let close_abs = match close_at {
                Some(c) if c >= start => c,
                _ => match find_pair(source.get(start..).unwrap_or(""), b'}') {
                    Some(c) => start + c,
                    None => break,
                },
            };
            close_at = Some(close_abs);
            let after = rest.get(open + 2..).unwrap_or("");
            let close = close_abs - start;
            let inner = after.get(..close).unwrap_or("");
            // The path ends at the first `|`; a byte no path may hold ends the look early, so
            // a `{{` that is not a placeholder costs only the bytes up to it.
            let (path, fallback) = match inner.bytes().position(|b| !path_byte(b)) {
                Some(bar) if inner.as_bytes()[bar] == b'|' => (
                    inner.get(..bar).unwrap_or("").trim_ascii(),
                    Some(inner.get(bar + 1..).unwrap_or("").trim_ascii()),
                ),
                Some(_) => ("", None),
                None => (inner.trim_ascii(), None),
            };
            if !valid_path(path) {
                // Not a placeholder: keep one "{" as text and look again after it.
                literal.push_str(rest.get(..open + 1).unwrap_or(""));
                rest = rest.get(open + 1..).unwrap_or("");
                continue;
            }
            literal.push_str(rest.get(..open).unwrap_or(""));
            if !literal.is_empty() {
                segments.push(Segment::Literal(core::mem::take(&mut literal)));
            }
            segments.push(Segment::Attribute {
                path: path.to_owned(),
                fallback: fallback.map(str::to_owned),
            });
            rest = after.get(close + 2..).unwrap_or("");
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            segments.push(Segment::Literal(literal));
        }
        Template { segments }
    }

    /// Whether the template has no placeholder (its text is fixed).
    pub fn is_literal(&self) -> bool {
        self.segments
            .iter()
            .all(|s| matches!(s, Segment::Literal(_)))
    }

    /// The fixed text before the first placeholder (all of it when there is none).
    pub fn leading_literal(&self) -> &str {
        match self.segments.first() {
            Some(Segment::Literal(text)) => text,
            _ => "",
        }
    }

    /// The attribute paths the template reads.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Attribute { path, .. } => Some(path.as_str()),
            Segment::Literal(_) => None,
        })
    }

    /// The text for these attributes.
    pub fn render(&self, attributes: &Value) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            match segment {
                Segment::Literal(text) => out.push_str(text),
                Segment::Attribute { path, fallback } => {
                    if !push_value(&mut out, attributes.get_path(path)) {
                        if let Some(f) = fallback {
                            out.push_str(f);
                        }
                    }
                }
            }
        }
        out
    }

    /// The text with every placeholder replaced by its fallback, or by `x` without one: what a
    /// check of a URL template looks at before any visitor's value is known.
    pub fn sample(&self) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            match segment {
                Segment::Literal(text) => out.push_str(text),
                Segment::Attribute { fallback, .. } => {
                    out.push_str(fallback.as_deref().unwrap_or("x"));
                }
            }
        }
        out
    }
}

/// Appends a value's text; `false` when it has none (missing, null, empty, object, array).
fn push_value(out: &mut String, value: Option<&Value>) -> bool {
    match value {
        Some(Value::String(s)) if !s.is_empty() => out.push_str(s),
        Some(Value::Number(n)) => push_number(out, *n),
        Some(Value::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
        _ => return false,
    }
    true
}

/// Where `bb` first occurs (`{{` or `}}`). Bytes, not a substring search: the searcher's code
/// would cost the wasm more than this loop.
fn find_pair(s: &str, b: u8) -> Option<usize> {
    s.as_bytes().windows(2).position(|w| w[0] == b && w[1] == b)
}

/// A byte that may be in a placeholder's path part, spaces around it included.
fn path_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || b >= 0x80
        || matches!(b, b'_' | b'-' | b'$' | b'.')
        || b.is_ascii_whitespace()
}

fn valid_path(path: &str) -> bool {
    !path.is_empty()
        && path.split('.').all(|part| {
            !part.is_empty()
                && part.chars().all(|c| {
                    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '$') || !c.is_ascii()
                })
        })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn render(template: &str, attributes: &str) -> String {
        Template::parse(template).render(&Value::parse_json(attributes).unwrap())
    }

    #[test]
    fn placeholders_fallbacks_and_dot_paths() {
        let a = r#"{"name":"Hana","geo":{"region":"JP-01"},"visits":3,"topics":{"cat-toys":2.5},
                    "empty":"","nothing":null,"obj":{"a":1},"list":[1],"vip":true}"#;
        assert_eq!(
            render("Welcome back, {{name|friend}}!", a),
            "Welcome back, Hana!"
        );
        assert_eq!(
            render("Welcome back, {{ nick | friend }}!", a),
            "Welcome back, friend!"
        );
        assert_eq!(render("Hi {{nick}}.", a), "Hi .");
        assert_eq!(render("{{geo.region}} / {{geo.city|?}}", a), "JP-01 / ?");
        assert_eq!(
            render("visit {{visits}}, {{topics.cat-toys}}", a),
            "visit 3, 2.5"
        );
        for key in ["empty", "nothing", "obj", "list"] {
            assert_eq!(
                render(&format!("[{{{{{key}|none}}}}]"), a),
                "[none]",
                "{key}"
            );
        }
        assert_eq!(render("{{vip}}", a), "true");
        assert_eq!(render("{{name|a|b}}", "{}"), "a|b");
    }

    #[test]
    fn malformed_placeholders_stay_literal() {
        assert_eq!(render("{{name", r#"{"name":"x"}"#), "{{name");
        assert_eq!(render("{{}} {{ }} {{a b}}", "{}"), "{{}} {{ }} {{a b}}");
        assert_eq!(render("{{{name}}}", r#"{"name":"x"}"#), "{x}");
        assert_eq!(render("a }} b", "{}"), "a }} b");
        assert!(Template::parse("plain").is_literal());
        assert!(!Template::parse("{{x}}").is_literal());
        assert_eq!(
            Template::parse("/p/{{pet|cat}}/{{id}}").sample(),
            "/p/cat/x"
        );
    }

    #[test]
    fn many_open_braces_parse_in_linear_time() {
        // 256 KB of `{{` once took over 20 seconds; a `}}` at the end makes every `{{` look.
        for tail in ["", "}}", " }}", "|x}}"] {
            let source = format!("{}{tail}", "{{".repeat(128 * 1024));
            let started = std::time::Instant::now();
            let t = Template::parse(&source);
            assert!(
                started.elapsed().as_secs() < 2,
                "{tail:?}: {:?}",
                started.elapsed()
            );
            assert_eq!(t.render(&Value::parse_json("{}").unwrap()), source);
        }
        let source = format!("{}{{{{name}}}}", "{{a ".repeat(64 * 1024));
        let started = std::time::Instant::now();
        let t = Template::parse(&source);
        assert!(started.elapsed().as_secs() < 2, "{:?}", started.elapsed());
        assert_eq!(t.paths().collect::<Vec<_>>(), ["name"]);
        let long = "{{".repeat(128 * 1024);
        assert_eq!(render(&long, "{}"), long);
    }

    #[test]
    fn hostile_values_stay_literal_text() {
        let evil = r#"{"name":"<img src=x onerror=alert(1)>","t":"{{name}}"}"#;
        assert_eq!(
            render("Hi {{name|friend}}", evil),
            "Hi <img src=x onerror=alert(1)>"
        );
        // A value that looks like a template is not expanded again.
        assert_eq!(render("{{t}}", evil), "{{name}}");
    }
}
