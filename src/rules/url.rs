//! What an action may write into an attribute: the allow-list of attribute names, and the URL
//! checks for `src`, `href` and `srcset` (and `data-*` attributes that carry URLs).
//!
//! A URL is accepted only when it is `http:`, `https:` or relative. The check is deliberately
//! stricter than the browser's URL parser, so that no spelling the browser would still read as
//! a script URL gets through: control characters (tab and newline, which the browser deletes
//! from `java\tscript:`), leading or trailing whitespace, and any scheme-like prefix that is not
//! exactly `http` or `https` (`javascript:`, `data:`, `vbscript:`, `&#106;avascript:`, `%6Aava…:`)
//! are all refused. This module never decodes or "cleans" a URL: a refused value is refused.

/// How an allowed attribute's value is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeKind {
    /// Any text.
    Text,
    /// One URL (`src`, `href`, `data-src`, ...).
    Url,
    /// A `srcset`: every candidate URL is checked.
    Srcset,
}

/// Whether an action may set attribute `name` (already lower case), and how its value is checked;
/// `Err` says why not.
pub fn attribute_allowed(name: &str) -> Result<AttributeKind, &'static str> {
    if name.len() > 2 && name.starts_with("on") {
        return Err("event handler attributes (on*) are never allowed");
    }
    if name == "style" {
        return Err("style is not allowed: use addClass/removeClass with the site's own CSS");
    }
    if name == "class" {
        return Err("class is not set directly: use addClass/removeClass");
    }
    if !valid_name(name) {
        return Err("not a valid attribute name (lower case letters, digits and - only)");
    }
    match name {
        "src" | "href" => Ok(AttributeKind::Url),
        "srcset" => Ok(AttributeKind::Srcset),
        "alt" | "title" | "target" | "rel" | "width" | "height" | "loading" | "sizes"
        | "decoding" | "lang" | "dir" | "role" | "tabindex" => Ok(AttributeKind::Text),
        _ if name.starts_with("aria-") && name.len() > 5 => Ok(AttributeKind::Text),
        _ if name.starts_with("data-") && name.len() > 5 => {
            // Lazy-loading scripts copy data-src / data-srcset / data-href into the real ones.
            if name.ends_with("srcset") {
                Ok(AttributeKind::Srcset)
            } else if name.ends_with("src") || name.ends_with("href") || name.ends_with("url") {
                Ok(AttributeKind::Url)
            } else {
                Ok(AttributeKind::Text)
            }
        }
        _ => Err("attribute not in the allow-list"),
    }
}

fn valid_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z'))
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.'))
}

/// Checks a value for an attribute of `kind`.
pub fn check_value(kind: AttributeKind, value: &str) -> Result<(), &'static str> {
    match kind {
        AttributeKind::Text => Ok(()),
        AttributeKind::Url if is_safe_url(value) => Ok(()),
        AttributeKind::Url => Err("URL refused: only http:, https: or relative URLs are allowed"),
        AttributeKind::Srcset if is_safe_srcset(value) => Ok(()),
        AttributeKind::Srcset => {
            Err("srcset refused: every candidate must be an http:, https: or relative URL with a valid descriptor")
        }
    }
}

/// Whether `url` is `http:`, `https:` or relative, with no spelling tricks.
pub fn is_safe_url(url: &str) -> bool {
    if url.chars().next().is_some_and(is_space) || url.chars().next_back().is_some_and(is_space) {
        return false;
    }
    // Tab, newline and other controls: the browser drops some of them inside a scheme.
    if url.chars().any(is_control) {
        return false;
    }
    // Whatever comes before the first ':' that precedes any '/' or '?' must be exactly http or
    // https, unless the URL is only a #fragment. Looking past '#' here is stricter than the
    // browser on purpose: `&#106;avascript:` is harmless through setAttribute, but a rule
    // spelled like that is an attack, not a link.
    match url.find([':', '/', '?']) {
        Some(at) if url.as_bytes()[at] == b':' => {
            let scheme = url.get(..at).unwrap_or("");
            scheme.eq_ignore_ascii_case("http")
                || scheme.eq_ignore_ascii_case("https")
                || scheme.starts_with('#')
        }
        _ => true,
    }
}

/// Whether `url`, whose first `fixed` bytes are the rule's own text, keeps the origin those bytes
/// (or the page) set: either it names no origin at all (a path, `?query` or `#fragment` on the
/// page's own origin), or its scheme and authority end inside the fixed text, so nothing after
/// it (a visitor's value) can change the host.
///
/// The origin is found the way the WHATWG URL parser finds it on an `http(s):` page: `\` is a
/// `/`, two of them (`//`, `\\`, `/\`, `\/`) start a host, and a special scheme reads a host
/// after any number of slashes (`https:evil.example`). Tabs, newlines and leading C0 controls or
/// spaces, which the parser would strip, make the answer `false`.
pub fn keeps_origin(fixed: usize, url: &str) -> bool {
    let b = url.as_bytes();
    if b.first().is_some_and(|&c| c <= b' ')
        || b.iter().any(|&c| matches!(c, b'\t' | b'\n' | b'\r'))
    {
        return false;
    }
    let end = origin_end(b);
    end == 0 || end < fixed
}

/// Where the scheme and authority of `b` end (0 when it has neither).
fn origin_end(b: &[u8]) -> usize {
    let slash = |c: &u8| matches!(c, b'/' | b'\\');
    let mut start = None;
    if b.first().is_some_and(u8::is_ascii_alphabetic) {
        let scheme = b
            .iter()
            .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.')))
            .unwrap_or(b.len());
        if b.get(scheme) == Some(&b':') {
            start = Some(scheme + 1);
        }
    }
    if start.is_none() && b.len() >= 2 && slash(&b[0]) && slash(&b[1]) {
        start = Some(2);
    }
    let Some(mut at) = start else {
        return 0;
    };
    while b.get(at).is_some_and(slash) {
        at += 1;
    }
    at + b
        .get(at..)
        .unwrap_or(&[])
        .iter()
        .position(|c| matches!(c, b'/' | b'\\' | b'?' | b'#'))
        .unwrap_or(b.len() - at)
}

/// Whether every candidate of a `srcset` is a safe URL with a valid descriptor (`2x`, `480w`
/// or none), parsed as the HTML standard splits candidates (URLs may contain commas; a comma
/// ends a URL only at its end).
pub fn is_safe_srcset(srcset: &str) -> bool {
    if srcset.chars().any(|c| is_control(c) && !is_html_space(c)) {
        return false;
    }
    let mut rest = srcset;
    let mut candidates = 0;
    loop {
        rest = rest.trim_start_matches(|c: char| is_html_space(c) || c == ',');
        if rest.is_empty() {
            return candidates > 0;
        }
        let end = rest.find(is_html_space).unwrap_or(rest.len());
        let (mut url, after) = rest.split_at_checked(end).unwrap_or((rest, ""));
        rest = after;
        let ended_by_comma = url.ends_with(',');
        url = url.trim_end_matches(',');
        if url.is_empty() || !is_safe_url(url) {
            return false;
        }
        candidates += 1;
        if ended_by_comma {
            continue;
        }
        let end = rest.find(',').unwrap_or(rest.len());
        let (descriptors, after) = rest.split_at_checked(end).unwrap_or((rest, ""));
        rest = after;
        let mut parts = descriptors.split(is_html_space).filter(|p| !p.is_empty());
        match (parts.next(), parts.next()) {
            (None, _) => {}
            (Some(d), None) if valid_descriptor(d) => {}
            _ => return false,
        }
    }
}

/// Unicode's White_Space characters (what `char::is_whitespace` knows, without its table).
fn is_space(c: char) -> bool {
    matches!(c, '\t'..='\r' | ' ' | '\u{85}' | '\u{a0}' | '\u{1680}' | '\u{2000}'..='\u{200a}'
        | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}' | '\u{feff}')
}

/// C0 and C1 controls and DEL.
fn is_control(c: char) -> bool {
    matches!(c, '\0'..='\u{1f}' | '\u{7f}'..='\u{9f}')
}

fn is_html_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{c}' | '\r')
}

fn valid_descriptor(d: &str) -> bool {
    // Not `split_at`: a descriptor ending in a non-ASCII character would panic there.
    let Some((number, unit)) = d.split_at_checked(d.len() - 1) else {
        return false;
    };
    let digits_ok = !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && number.bytes().filter(|&b| b == b'.').count() <= 1
        && number.bytes().any(|b| b.is_ascii_digit());
    match unit {
        "w" | "h" => digits_ok && !number.as_bytes().contains(&b'.'),
        "x" => digits_ok,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_and_evil_urls() {
        let good = [
            "https://shop.example/cat.jpg",
            "http://shop.example/",
            "HTTPS://SHOP.EXAMPLE/",
            "/img/cat.jpg",
            "img/cat.jpg",
            "cat.jpg?v=1:2",
            "./a:b",
            "?pet=cat",
            "#top",
            "#step:2",
            "//cdn.example/cat.jpg",
            "/search?q=javascript:alert(1)",
            "",
        ];
        for url in good {
            assert!(is_safe_url(url), "should accept {url:?}");
        }
        let evil = [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "java\rscript:alert(1)",
            " javascript:alert(1)",
            "\u{0}javascript:alert(1)",
            "\u{a0}javascript:alert(1)",
            "javascript\u{0}:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "data:image/svg+xml;base64,PHN2Zz4=",
            "vbscript:msgbox(1)",
            "&#106;avascript:alert(1)",
            "%6Aavascript:alert(1)",
            "jav&#x09;ascript:alert(1)",
            "javascript&colon;alert(1):",
            "file:///etc/passwd",
            "mailto:x@example.com",
            "https ://x",
            "http\u{b}s://x",
            "https://x.example/ ",
        ];
        for url in evil {
            assert!(!is_safe_url(url), "should refuse {url:?}");
        }
    }

    #[test]
    fn origins_are_found_as_the_url_parser_finds_them() {
        for url in ["/p", "p/q", "?q", "#f", "", "/a\\b", "./x//y"] {
            assert!(keeps_origin(0, url), "{url:?}");
        }
        for url in [
            "//evil.example/x",
            "\\\\evil.example\\x",
            "/\\evil.example/x",
            "\\/evil.example/x",
            "https:evil.example/x",
            "http:\\\\evil.example",
            "\t//evil.example",
            " /x",
            "/\n/evil.example",
        ] {
            assert!(!keeps_origin(0, url), "{url:?}");
        }
        assert!(keeps_origin(21, "https://shop.example/p/x"));
        assert!(!keeps_origin(20, "https://shop.example.evil/p"));
        assert!(!keeps_origin(1, "//evil.example"));
    }

    #[test]
    fn every_srcset_candidate_is_checked() {
        assert!(is_safe_srcset("/a.jpg"));
        assert!(is_safe_srcset("/a.jpg 1x, /a@2x.jpg 2x"));
        assert!(is_safe_srcset(
            "https://x.example/a.jpg 480w,https://x.example/b.jpg 960w"
        ));
        assert!(is_safe_srcset("/a,b.jpg 1.5x"));
        assert!(is_safe_srcset("/a.jpg,/b.jpg 2x"));
        assert!(!is_safe_srcset(""));
        assert!(!is_safe_srcset(" , "));
        assert!(!is_safe_srcset("/a.jpg 1x, javascript:alert(1) 2x"));
        assert!(!is_safe_srcset("/a.jpg, data:image/png;base64,AAAA 2x"));
        assert!(!is_safe_srcset("/a.jpg 1x 2x"));
        assert!(!is_safe_srcset("/a.jpg 2y"));
        assert!(!is_safe_srcset("/a.jpg 1.5w"));
        assert!(!is_safe_srcset("/a.jpg x"));
        assert!(!is_safe_srcset("/a.jpg 1x, java\u{b}script:x 2x"));
        // A descriptor ending in a non-ASCII character is refused (it used to panic).
        assert!(!is_safe_srcset("/a.jpg 2é"));
    }

    #[test]
    fn attribute_allow_list() {
        for ok in [
            "src",
            "alt",
            "href",
            "title",
            "aria-label",
            "data-topic",
            "target",
            "rel",
        ] {
            assert!(attribute_allowed(ok).is_ok(), "{ok}");
        }
        assert_eq!(attribute_allowed("srcset"), Ok(AttributeKind::Srcset));
        assert_eq!(attribute_allowed("data-src"), Ok(AttributeKind::Url));
        assert_eq!(attribute_allowed("data-srcset"), Ok(AttributeKind::Srcset));
        for bad in [
            "onclick",
            "onerror",
            "onmouseover",
            "style",
            "class",
            "srcdoc",
            "formaction",
            "action",
            "aria-",
            "data-",
            "xlink:href",
            "Src",
            "",
            "on",
        ] {
            assert!(attribute_allowed(bad).is_err(), "{bad}");
        }
        assert!(check_value(AttributeKind::Text, "javascript:x").is_ok());
        assert!(check_value(AttributeKind::Url, "javascript:x").is_err());
    }
}
