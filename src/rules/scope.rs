//! Where and when a rule runs: page patterns (a small glob over the path or the URL) and schedule
//! times (ISO 8601 or milliseconds). The syntax is documented in the module above.

use crate::prelude::*;
/// One entry of a rule's `pages`.
#[derive(Debug, Clone, PartialEq)]
pub struct PagePattern {
    /// As written, `!` included (for explanations).
    pub source: String,
    pub exclude: bool,
    pattern: String,
}

impl PagePattern {
    pub fn parse(source: &str) -> Result<PagePattern, &'static str> {
        let (exclude, pattern) = match source.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, source),
        };
        if pattern.is_empty() {
            return Err("an empty page pattern matches nothing");
        }
        if pattern.as_bytes().contains(&b'#') {
            return Err("page patterns never see the #fragment");
        }
        Ok(PagePattern {
            source: source.to_owned(),
            exclude,
            pattern: pattern.to_owned(),
        })
    }

    /// Whether the pattern (ignoring `!`) matches `url`.
    pub fn matches(&self, url: &str) -> bool {
        let without_fragment = url.split('#').next().unwrap_or("");
        let subject = if self.pattern.starts_with('/') {
            match path_of(url) {
                "" => "/",
                path => path,
            }
        } else {
            without_fragment
        };
        glob_matches(&self.pattern, subject)
    }
}

/// The path of an absolute or relative URL, as `context::split_url` finds it, in bytes (a
/// substring search would add its searcher's code to the wasm).
fn path_of(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    let url = url.get(..end).unwrap_or("");
    match url.as_bytes().windows(2).position(|w| w == b"//") {
        Some(at) if !url.bytes().take(at).any(|b| b == b'/') => {
            let rest = url.get(at + 2..).unwrap_or("");
            rest.find('/')
                .map_or("", |slash| rest.get(slash..).unwrap_or(""))
        }
        _ => url,
    }
}

/// Whether `url` is in the scope of `pages` (no exclusion matches, and there is no inclusion or
/// one matches).
pub fn in_scope(pages: &[PagePattern], url: &str) -> bool {
    let mut has_include = false;
    let mut included = false;
    for p in pages {
        if p.exclude {
            if p.matches(url) {
                return false;
            }
        } else {
            has_include = true;
            included = included || p.matches(url);
        }
    }
    !has_include || included
}

/// Glob match: `*` is any run of characters but `/`, `**` any run at all, the rest literal.
/// A dynamic program over the pattern's tokens, linear in the text for each token, so no
/// pattern can make matching blow up.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    if !pattern.as_bytes().contains(&b'*') {
        return pattern == text;
    }
    let p = pattern.as_bytes();
    let t = text.as_bytes();
    // cur[j]: the pattern so far matches t[..j].
    let mut cur = vec![false; t.len() + 1];
    let mut next = vec![false; t.len() + 1];
    cur[0] = true;
    let mut pi = 0;
    while pi < p.len() {
        if p[pi] == b'*' {
            let double = p.get(pi + 1) == Some(&b'*');
            while pi < p.len() && p[pi] == b'*' {
                pi += 1;
            }
            next[0] = cur[0];
            for j in 1..=t.len() {
                next[j] = cur[j] || (next[j - 1] && (double || t[j - 1] != b'/'));
            }
        } else {
            next[0] = false;
            for j in 1..=t.len() {
                next[j] = cur[j - 1] && t[j - 1] == p[pi];
            }
            pi += 1;
        }
        core::mem::swap(&mut cur, &mut next);
        if !cur.contains(&true) {
            return false;
        }
    }
    cur[t.len()]
}

/// A schedule time: milliseconds since the epoch, or ISO 8601 text (`2024-12-01` is midnight
/// UTC; `2024-12-01T09:00`, `…:00`, `…:00.250` need `Z` or an offset such as `+09:00`).
pub fn parse_time(value: &crate::Value) -> Result<f64, &'static str> {
    match value {
        crate::Value::Number(n) if n.is_finite() => Ok(*n),
        crate::Value::String(s) => parse_iso(s.trim_ascii()),
        _ => Err("a time is ISO 8601 text or milliseconds since 1970"),
    }
}

const ISO_ERROR: &str =
    "not an ISO 8601 time: use 2024-12-01, or 2024-12-01T09:00:00Z / 2024-12-01T09:00:00+09:00";

fn parse_iso(s: &str) -> Result<f64, &'static str> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Result<i64, &'static str> {
        let digits = b.get(from..from + len).ok_or(ISO_ERROR)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return Err(ISO_ERROR);
        }
        Ok(digits
            .iter()
            .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0')))
    };
    let sep = |at: usize, c: u8| {
        if b.get(at) == Some(&c) {
            Ok(())
        } else {
            Err(ISO_ERROR)
        }
    };
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    sep(4, b'-')?;
    sep(7, b'-')?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return Err("not a calendar date");
    }
    let mut ms = days_from_civil(year, month, day) * 86_400_000;
    if b.len() == 10 {
        return Ok(ms as f64);
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return Err(ISO_ERROR);
    }
    let (hour, minute) = (num(11, 2)?, num(14, 2)?);
    sep(13, b':')?;
    let mut at = 16;
    let mut second = 0;
    let mut millis = 0;
    if b.get(at) == Some(&b':') {
        second = num(at + 1, 2)?;
        at += 3;
        if b.get(at) == Some(&b'.') {
            let start = at + 1;
            let mut end = start;
            while end < b.len() && b[end].is_ascii_digit() {
                end += 1;
            }
            if end == start {
                return Err(ISO_ERROR);
            }
            let len = (end - start).min(3);
            millis = num(start, len)? * [100, 10, 1][len - 1];
            at = end;
        }
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err("not a time of day");
    }
    ms += ((hour * 60 + minute) * 60 + second) * 1000 + millis;
    match b.get(at) {
        Some(b'Z' | b'z') if at + 1 == b.len() => Ok(ms as f64),
        Some(&sign @ (b'+' | b'-')) if at + 6 == b.len() => {
            sep(at + 3, b':')?;
            let offset = (num(at + 1, 2)? * 60 + num(at + 4, 2)?) * 60_000;
            Ok((if sign == b'+' {
                ms - offset
            } else {
                ms + offset
            }) as f64)
        }
        None => Err("a time of day needs a time zone: add Z or an offset such as +09:00"),
        _ => Err(ISO_ERROR),
    }
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::Value;

    #[test]
    fn globs() {
        assert!(glob_matches("/cats/*", "/cats/toys"));
        assert!(glob_matches("/cats/*", "/cats/"));
        assert!(!glob_matches("/cats/*", "/cats/toys/mice"));
        assert!(glob_matches("/cats/**", "/cats/toys/mice"));
        assert!(!glob_matches("/cats/**", "/cats"));
        assert!(glob_matches("/*/food", "/dogs/food"));
        assert!(glob_matches("**.html", "/a/b/c.html"));
        assert!(glob_matches("/", "/"));
        assert!(!glob_matches("/", "/x"));
        assert!(!glob_matches("/Cats", "/cats"));
        assert!(glob_matches("/a*b*c", "/aXXbYYc"));
        assert!(!glob_matches("/a*b*c", "/aXXbYY/c"));
        assert!(glob_matches("**/b/*", "a/b/c/b/d"));
        assert!(!glob_matches("*/x*", "a/b/x"));
        let long = "/".to_owned() + &"a".repeat(2000);
        assert!(!glob_matches("/*a*a*a*a*a*b", &long));
    }

    #[test]
    fn page_scope_includes_and_excludes() {
        let pages: Vec<_> = ["/cats/**", "!/cats/admin/**", "https://shop.example/sale*"]
            .iter()
            .map(|p| PagePattern::parse(p).unwrap())
            .collect();
        let yes = |u: &str| in_scope(&pages, u);
        assert!(yes("https://shop.example/cats/toys?x=1#top"));
        assert!(yes("/cats/food"));
        assert!(!yes("/cats/admin/users"));
        assert!(yes("https://shop.example/sale?utm_source=x"));
        assert!(!yes("https://shop.example/dogs"));
        let only_exclusions = [PagePattern::parse("!/checkout").unwrap()];
        assert!(in_scope(&only_exclusions, "/"));
        assert!(!in_scope(
            &only_exclusions,
            "https://x.example/checkout?step=2"
        ));
        assert!(in_scope(&[], "/anything"));
        assert!(PagePattern::parse("!").is_err());
        assert!(PagePattern::parse("/a#b").is_err());
        assert!(PagePattern::parse("/")
            .unwrap()
            .matches("https://shop.example"));
        for url in [
            "https://u@Shop.example:8080/cats/food?x=1#top",
            "/dogs?x",
            "",
            "no/scheme//x",
            "https://x",
            "//cdn.example/a/b",
            "/a#b?c",
            "a://b/c//d",
        ] {
            assert_eq!(path_of(url), crate::context::split_url(url).path, "{url}");
        }
    }

    #[test]
    fn times() {
        let t = |s: &str| parse_time(&Value::from(s));
        assert_eq!(t("1970-01-01"), Ok(0.0));
        assert_eq!(t("2024-12-01"), Ok(1_733_011_200_000.0));
        assert_eq!(t("2024-12-01T09:00:00+09:00"), Ok(1_733_011_200_000.0));
        assert_eq!(t("2024-12-01T00:00Z"), Ok(1_733_011_200_000.0));
        assert_eq!(t("2024-11-30T19:00:00.5-05:00"), Ok(1_733_011_200_500.0));
        assert_eq!(t("2024-02-29"), Ok(1_709_164_800_000.0));
        assert!(t("2023-02-29").is_err());
        assert!(t("2024-12-01T09:00:00").is_err());
        assert!(t("2024-13-01").is_err());
        assert!(t("2024-12-01T24:00Z").is_err());
        assert!(t("yesterday").is_err());
        assert!(t("2024-12-01Z").is_err());
        assert!(t("2024-12-01T09:00:00+0900").is_err());
        assert_eq!(parse_time(&Value::Number(5.0)), Ok(5.0));
        assert!(parse_time(&Value::Number(f64::NAN)).is_err());
        assert!(parse_time(&Value::Null).is_err());
    }
}
