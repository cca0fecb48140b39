//! The page context: what the current page view knows about itself (URL, referrer, device,
//! language, local time), handed over by the shell as plain data.
//!
//! The shell reads `location.href`, `document.referrer`, `screen.width`, `navigator.language`,
//! the JavaScript `Date` (local hour, weekday, month, time-zone offset) and the IANA time zone
//! (`Temporal.Now.timeZoneId()`, else `Intl`); this module turns them into condition
//! attributes. It never reads the platform itself, so "what would a visitor at 8 am on a phone in
//! Sydney see" is just a value. Every string here is visitor-controlled and is treated as data,
//! clipped to a bound.

use crate::float;
use crate::geo::{Hemisphere, Season};
use crate::prelude::*;
use crate::value::put;
use crate::Value;

/// Longest URL kept, in characters (a query string can be megabytes).
pub const MAX_URL_CHARS: usize = 2048;
/// At most this many query parameters become `query.*` attributes; each value is clipped.
pub const MAX_QUERY_PARAMS: usize = 32;
pub const MAX_QUERY_VALUE_CHARS: usize = 256;

const DAY_MS: f64 = 86_400_000.0;

/// Device class from the screen width (CSS pixels), with common breakpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    Mobile,
    Tablet,
    Desktop,
}

impl Device {
    /// Below 768 px is a phone, below 1024 px a tablet, the rest desktop.
    pub fn from_screen_width(width: f64) -> Device {
        if width < 768.0 {
            Device::Mobile
        } else if width < 1024.0 {
            Device::Tablet
        } else {
            Device::Desktop
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Device::Mobile => "mobile",
            Device::Tablet => "tablet",
            Device::Desktop => "desktop",
        }
    }
}

const WEEKDAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];

/// One page view's context. Build it with [`PageContext::new`] from the URL, then fill in what the
/// shell knows; every field has a harmless default.
#[derive(Debug, Clone, PartialEq)]
pub struct PageContext {
    /// `Date.now()`.
    pub now: f64,
    pub url: String,
    /// The URL's path (`/cats/food`), without query or fragment.
    pub path: String,
    /// Decoded query parameters in order (`URLSearchParams` in the shell, or [`parse_query`]).
    pub query: Vec<(String, String)>,
    /// `document.referrer` (empty when there is none).
    pub referrer: String,
    pub device: Device,
    /// `navigator.language`, e.g. `ja-JP`.
    pub lang: String,
    /// Local hour 0–23 (`Date.getHours()`).
    pub hour: u8,
    /// Local weekday 0–6, 0 = Sunday (`Date.getDay()`).
    pub weekday: u8,
    /// Local month 1–12 (`Date.getMonth() + 1`).
    pub month: u8,
    /// Minutes east of UTC (`-Date.getTimezoneOffset()`): decides where a local day starts.
    pub utc_offset_min: i32,
    /// IANA zone (`Asia/Tokyo`), used for geo when there is no better hint.
    pub time_zone: Option<String>,
    /// A server/edge location hint (`JP-01`, `AU`), e.g. from a meta tag the server wrote.
    pub geo_hint: Option<String>,
}

impl PageContext {
    /// A context for `url` at `now`, with path and query taken from the URL and the time fields
    /// derived as if the visitor were on UTC (the shell overwrites them with local values).
    pub fn new(now: f64, url: &str) -> PageContext {
        let url = clip(url, MAX_URL_CHARS);
        let parts = split_url(&url);
        let path = if parts.path.is_empty() {
            "/".to_owned()
        } else {
            parts.path.to_owned()
        };
        let query = parse_query(parts.query);
        let days = float::floor(now / DAY_MS);
        let hour = float::floor((now - days * DAY_MS) / 3_600_000.0);
        // 1970-01-01 was a Thursday (weekday 4).
        let weekday = (days as i64 + 4).rem_euclid(7) as u8;
        PageContext {
            now,
            path,
            query,
            url,
            referrer: String::new(),
            device: Device::Desktop,
            lang: String::new(),
            hour: hour as u8,
            weekday,
            month: month_of_days(days as i64),
            utc_offset_min: 0,
            time_zone: None,
            geo_hint: None,
        }
    }

    /// The visitor's local day number (days since 1970-01-01 in local time): frequency caps
    /// "per day" count within one local day.
    pub fn day_number(&self) -> i64 {
        local_day_number(self.now, self.utc_offset_min)
    }

    /// Host of the referrer (`www.google.com`), lower case; `None` without a referrer.
    pub fn referrer_host(&self) -> Option<String> {
        host_of(&self.referrer)
    }

    /// Host of the page itself.
    pub fn host(&self) -> Option<String> {
        host_of(&self.url)
    }

    /// The value of query parameter `name` (first occurrence).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The page-context attributes: `url path query.* referrer device lang hour weekday` and
    /// `season` (only when the hemisphere is known: a wrong season is worse than none).
    pub fn attributes(&self, hemisphere: Option<Hemisphere>) -> Vec<(String, Value)> {
        let mut query = Vec::with_capacity(self.query.len());
        for (k, v) in &self.query {
            query.push((k.clone(), Value::String(v.clone())));
        }
        let mut out = Vec::with_capacity(9);
        put(&mut out, "url", Value::from(self.url.as_str()));
        put(&mut out, "path", Value::from(self.path.as_str()));
        put(&mut out, "query", Value::Object(query));
        let referrer = clip(&self.referrer, MAX_URL_CHARS);
        put(&mut out, "referrer", Value::from(referrer));
        put(&mut out, "device", Value::from(self.device.as_str()));
        put(&mut out, "lang", Value::from(clip(&self.lang, 35)));
        let hour = f64::from(self.hour.min(23));
        put(&mut out, "hour", Value::Number(hour));
        if let Some(day) = WEEKDAYS.get(usize::from(self.weekday)) {
            put(&mut out, "weekday", Value::from(*day));
        }
        if let Some(season) = hemisphere.and_then(|h| Season::of(h, self.month)) {
            put(&mut out, "season", Value::from(season.as_str()));
        }
        out
    }
}

/// Days since 1970-01-01 in the local time `utc_offset_min` minutes east of UTC.
pub fn local_day_number(now: f64, utc_offset_min: i32) -> i64 {
    float::floor((now + f64::from(utc_offset_min) * 60_000.0) / DAY_MS) as i64
}

/// Month 1–12 of a day number (proleptic Gregorian; Howard Hinnant's `civil_from_days`).
fn month_of_days(days: i64) -> u8 {
    let z = days + 719_468;
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    (if mp < 10 { mp + 3 } else { mp - 9 }) as u8
}

/// The pieces of an absolute or relative URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlParts<'a> {
    pub host: &'a str,
    pub path: &'a str,
    pub query: &'a str,
}

/// Splits `scheme://user@host:port/path?query#fragment` without allocating; tolerant of
/// relative URLs and garbage (which simply give empty parts).
pub fn split_url(url: &str) -> UrlParts<'_> {
    let url = url.split('#').next().unwrap_or("");
    let (before_query, query) = url.split_once('?').unwrap_or((url, ""));
    // Slicing with `get` and searching bytes keep core's panic formatting and substring
    // searcher out of the wasm.
    let slashes = crate::pattern::find_str(before_query, "//");
    let (host, path) = match slashes.and_then(|at| before_query.split_at_checked(at)) {
        Some((scheme, rest)) if !scheme.as_bytes().contains(&b'/') => {
            let rest = rest.get(2..).unwrap_or("");
            let end = rest.find('/').unwrap_or(rest.len());
            let (authority, path) = rest.split_at_checked(end).unwrap_or((rest, ""));
            // After the last `@` (user info), found by bytes: `rsplit` costs 0.7 KB of wasm.
            let host = match authority.bytes().rposition(|b| b == b'@') {
                Some(at) => authority.get(at + 1..).unwrap_or(""),
                None => authority,
            };
            let host = host.split(':').next().unwrap_or("");
            (host, path)
        }
        _ => ("", before_query),
    };
    UrlParts { host, path, query }
}

/// The lower-case host of an absolute URL.
pub fn host_of(url: &str) -> Option<String> {
    let host = split_url(url).host;
    (!host.is_empty()).then(|| clip(&host.to_ascii_lowercase(), 253))
}

/// Parses `a=1&b=x+y&c=%E2%9C%93` into decoded pairs (`+` is a space, bad escapes stay as they
/// are), at most [`MAX_QUERY_PARAMS`], each value clipped.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for pair in query.trim_start_matches('?').split('&') {
        if pair.is_empty() {
            continue;
        }
        if out.len() == MAX_QUERY_PARAMS {
            break;
        }
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.push((
            clip(&decode(k), 64),
            clip(&decode(v), MAX_QUERY_VALUE_CHARS),
        ));
    }
    out
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = |at: usize| bytes.get(at).and_then(|&b| (b as char).to_digit(16));
                match (hex(i + 1), hex(i + 2)) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 3;
                        continue;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    lossy(&out)
}

/// `String::from_utf8_lossy`, by hand: each maximal invalid subpart becomes one U+FFFD (Unicode's
/// recommended practice, which std and browsers follow). std's version is about 1 KB of wasm.
fn lossy(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let lead = bytes[i];
        // Length of the sequence, and the range of its second byte (the others are 80..=BF).
        let (len, low, high) = match lead {
            0x00..=0x7F => (1, 0, 0),
            0xC2..=0xDF => (2, 0x80, 0xBF),
            0xE0 => (3, 0xA0, 0xBF),
            0xE1..=0xEC | 0xEE..=0xEF => (3, 0x80, 0xBF),
            0xED => (3, 0x80, 0x9F),
            0xF0 => (4, 0x90, 0xBF),
            0xF1..=0xF3 => (4, 0x80, 0xBF),
            0xF4 => (4, 0x80, 0x8F),
            _ => (0, 0, 0),
        };
        let mut n = 1;
        while n < len {
            let (lo, hi) = if n == 1 { (low, high) } else { (0x80, 0xBF) };
            match bytes.get(i + n) {
                Some(&b) if (lo..=hi).contains(&b) => n += 1,
                _ => break,
            }
        }
        if n == len {
            let mask = if len == 1 { 0x7F } else { 0x7F >> len };
            let mut c = u32::from(lead) & mask;
            for &b in &bytes[i + 1..i + len] {
                c = (c << 6) | u32::from(b & 0x3F);
            }
            out.push(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
        } else {
            out.push(char::REPLACEMENT_CHARACTER);
        }
        i += n;
    }
    out
}

/// The first `max` characters of `s` (whole characters, never a split code point).
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((end, _)) => s.get(..end).unwrap_or(s).to_owned(),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lossy_agrees_with_std() {
        let check = |bytes: &[u8]| {
            assert_eq!(lossy(bytes), String::from_utf8_lossy(bytes), "{bytes:x?}");
        };
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                check(&[a, b]);
            }
        }
        let edges = [
            0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0,
            0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF,
        ];
        for a in edges {
            for b in edges {
                for c in edges {
                    for d in edges {
                        check(&[a, b, c, d]);
                        check(&[a, b, c, d, a]);
                    }
                }
            }
        }
        check("猫 🐱 café".as_bytes());
    }

    #[test]
    fn urls_split_into_host_path_and_query() {
        let p = split_url("https://user@Shop.example:8080/cats/food?utm_source=x&a=1#top");
        assert_eq!(
            p,
            UrlParts {
                host: "Shop.example",
                path: "/cats/food",
                query: "utm_source=x&a=1"
            }
        );
        assert_eq!(split_url("/dogs?x=1").path, "/dogs");
        assert_eq!(split_url("/dogs?x=1").host, "");
        assert_eq!(
            host_of("https://WWW.Google.com/search?q=1").as_deref(),
            Some("www.google.com")
        );
        assert_eq!(host_of(""), None);
        assert_eq!(host_of("not a url"), None);
    }

    #[test]
    fn query_strings_are_decoded_and_bounded() {
        let q = parse_query("?a=1&b=x+y&c=%E2%9C%93&d&bad=%zz&trail=%4");
        assert_eq!(
            q,
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y".into()),
                ("c".into(), "✓".into()),
                ("d".into(), "".into()),
                ("bad".into(), "%zz".into()),
                ("trail".into(), "%4".into()),
            ]
        );
        let many = (0..100)
            .map(|i| format!("k{i}=v"))
            .collect::<Vec<_>>()
            .join("&");
        assert_eq!(parse_query(&many).len(), MAX_QUERY_PARAMS);
        let long = format!("x={}", "a".repeat(10_000));
        assert_eq!(parse_query(&long)[0].1.len(), MAX_QUERY_VALUE_CHARS);
    }

    #[test]
    fn clip_keeps_whole_characters() {
        assert_eq!(clip("ねこねこ", 2), "ねこ");
        assert_eq!(clip("cat", 10), "cat");
    }

    #[test]
    fn new_derives_utc_time_fields() {
        // 2024-01-06T09:30:00Z, a Saturday.
        let ctx = PageContext::new(1_704_533_400_000.0, "https://shop.example/cats?x=1");
        assert_eq!((ctx.hour, ctx.weekday, ctx.month), (9, 6, 1));
        assert_eq!(ctx.path, "/cats");
        assert_eq!(ctx.query_param("x"), Some("1"));
        // 2024-07-31T23:00:00Z: July; in Tokyo (UTC+9) it is already the next local day.
        let mut ctx = PageContext::new(1_722_466_800_000.0, "/");
        assert_eq!(ctx.month, 7);
        let utc_day = ctx.day_number();
        ctx.utc_offset_min = 540;
        assert_eq!(ctx.day_number(), utc_day + 1);
        assert_eq!(PageContext::new(0.0, "").path, "/");
    }

    #[test]
    fn attributes_carry_season_only_with_a_hemisphere() {
        let mut ctx = PageContext::new(1_704_533_400_000.0, "https://shop.example/cats?pet=cat");
        ctx.device = Device::from_screen_width(390.0);
        ctx.lang = "ja-JP".into();
        ctx.referrer = "https://www.google.com/".into();
        let attrs = Value::Object(ctx.attributes(Some(Hemisphere::South)));
        assert_eq!(
            attrs.get_path("query.pet").and_then(Value::as_str),
            Some("cat")
        );
        assert_eq!(attrs.get("device").and_then(Value::as_str), Some("mobile"));
        assert_eq!(
            attrs.get("weekday").and_then(Value::as_str),
            Some("saturday")
        );
        assert_eq!(attrs.get("hour").and_then(Value::as_f64), Some(9.0));
        assert_eq!(attrs.get("season").and_then(Value::as_str), Some("summer"));
        assert_eq!(attrs.get("lang").and_then(Value::as_str), Some("ja-JP"));
        let attrs = Value::Object(ctx.attributes(None));
        assert!(attrs.get("season").is_none());
        assert_eq!(ctx.referrer_host().as_deref(), Some("www.google.com"));
        assert_eq!(Device::from_screen_width(800.0), Device::Tablet);
        assert_eq!(Device::from_screen_width(1440.0), Device::Desktop);
    }
}
