//! Preview links: a site owner sees a page as a visitor with chosen attributes would see it
//! ("a cat owner in Okinawa in the purchase stage"), without faking a profile by hand.
//!
//! A preview payload is a flat JSON object of attribute paths and values:
//! `{"pet": "cat", "geo.region": "JP-47", "stage": "purchase"}`. This module owns what a payload
//! may hold and how it reaches the attributes rules evaluate; `tailor preview` (the CLI) and the
//! report page build payloads with [`from_settings`], the browser shell reads them with
//! [`parse`]. Both go through the same validation, so a link the CLI prints is one the browser
//! accepts, and a hand-made link can do no more than the CLI could.
//!
//! A link is made by anyone and opened by someone else, so it is hostile until checked: it may
//! only set the profile attributes listed in [`KEYS`] (never page context such as `url`, never
//! custom attributes, never derived ones such as `petSource`), each value is held to exactly
//! what visitor input may hold (`text_value::clean_text` and the profile's caps; no `<` or `>`
//! either, since nothing a preview shows needs markup), and one bad key or value refuses the
//! whole link. It never stores, counts or sends anything: that is the browser shell's part
//! (`Tailor::preview`).

use crate::float;
use crate::geo;
use crate::prelude::*;
use crate::profile::{Stage, MAX_CAMPAIGN_CHARS, MAX_PET_CHARS};
use crate::text_value::is_clean_text;
use crate::Value;

/// The longest payload read, in bytes of JSON text (a dozen attributes fit in a few hundred).
pub const MAX_PAYLOAD_BYTES: usize = 2048;
/// The most attributes one link may set.
pub const MAX_KEYS: usize = 16;
/// Caps of visitor input the profile applies (`ProfileConfig` defaults).
const MAX_NAME_CHARS: usize = 64;
const MAX_KEY_CHARS: usize = 40;
/// The largest count (`visits`, `events.*`) and topic score a preview may set.
const MAX_COUNT: f64 = 1_000_000.0;
const MAX_SCORE: f64 = 100.0;

/// What a preview may set, for documentation and the CLI's help: `.*` takes any topic or event
/// name below it.
pub const KEYS: [&str; 19] = [
    "pet",
    "name",
    "geo.country",
    "geo.region",
    "stage",
    "visits",
    "pageViews",
    "topics.*",
    "events.*",
    "utm.source",
    "utm.medium",
    "utm.campaign",
    "utm.term",
    "utm.content",
    "firstUtm.source",
    "firstUtm.medium",
    "firstUtm.campaign",
    "firstUtm.term",
    "firstUtm.content",
];

/// A checked preview: what the shell puts in the page context and over the attributes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Preview {
    /// `geo.country` / `geo.region` as a location hint (`JP-47`): the page context resolves it
    /// as it would the site's own hint, so hemisphere and season follow the place.
    pub geo_hint: Option<String>,
    /// The payload's attribute paths and values, in its order; all but `geo.*` are laid over
    /// the attributes.
    pub values: Vec<(String, Value)>,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Pet,
    Name,
    Stage,
    Count,
    Score,
    Campaign,
    Country,
    Region,
}

/// What `key` is, or `None` when a preview may not set it.
fn kind_of(key: &str) -> Option<Kind> {
    let kind = match key {
        "pet" => Kind::Pet,
        "name" => Kind::Name,
        "stage" => Kind::Stage,
        "visits" | "pageViews" => Kind::Count,
        "geo.country" => Kind::Country,
        "geo.region" => Kind::Region,
        _ => {
            let (root, sub) = key.split_once('.')?;
            let kind = match root {
                "topics" => Kind::Score,
                "events" => Kind::Count,
                "utm" | "firstUtm" => {
                    let field = ["source", "medium", "campaign", "term", "content"];
                    return field.contains(&sub).then_some(Kind::Campaign);
                }
                _ => return None,
            };
            // A topic or event name as the profile stores it: clean, no dot, topics lower case.
            let stored = is_clean_text(sub, MAX_KEY_CHARS)
                && !sub.contains('.')
                && !has_markup(sub)
                && (kind != Kind::Score || !sub.bytes().any(|b| b.is_ascii_uppercase()));
            if !stored {
                return None;
            }
            kind
        }
    };
    Some(kind)
}

fn has_markup(text: &str) -> bool {
    text.contains(['<', '>'])
}

/// Takes the site's opt-in (`"preview": true` in `#tailor-config`) out of the configuration
/// value, before the configuration parser (which warns about keys it does not know) sees it.
/// Without it a preview link is ignored. `Err` (a warning) for a value other than a boolean.
pub fn take_opt_in(config: &mut Value) -> Result<bool, &'static str> {
    let Value::Object(members) = config else {
        return Ok(false);
    };
    let Some(i) = members.iter().position(|(k, _)| k == "preview") else {
        return Ok(false);
    };
    match members.remove(i).1 {
        Value::Bool(on) => Ok(on),
        _ => Err("config: invalid \"preview\" (true or false); previews stay off"),
    }
}

/// Reads a payload's JSON text (`json` is the platform's parser: the browser's `JSON.parse`,
/// `serde_json` natively) and checks it. The error says why, for the console or the CLI.
pub fn parse(text: &str, json: impl FnOnce(&str) -> Option<Value>) -> Result<Preview, String> {
    if text.len() > MAX_PAYLOAD_BYTES {
        return Err("the payload is too long".into());
    }
    let value = json(text).ok_or_else(|| String::from("the payload is not JSON"))?;
    check(&value)
}

/// Checks a payload value: an object of 1 to [`MAX_KEYS`] attributes a preview may set, each
/// with a value visitor input could hold.
pub fn check(payload: &Value) -> Result<Preview, String> {
    let members = match payload.as_object() {
        Some(m) if !m.is_empty() && m.len() <= MAX_KEYS => m,
        _ => return Err("the payload must be an object of 1 to 16 attributes".into()),
    };
    let mut preview = Preview::default();
    let mut country = None;
    for (key, value) in members {
        let Some(kind) = kind_of(key) else {
            let shown = crate::text_value::clean_text(key, MAX_KEY_CHARS);
            return Err(crate::text::concat(&[
                "\"",
                &shown,
                "\" is not an attribute a preview can set",
            ]));
        };
        if let Err(why) = check_value(kind, value, &mut preview.geo_hint, &mut country) {
            return Err(crate::text::concat(&["\"", key, "\": ", why]));
        }
        preview.values.push((key.clone(), value.clone()));
    }
    match (country, &preview.geo_hint) {
        (Some(c), Some(region)) if !region.starts_with(&c) => {
            Err("\"geo.region\" is not in \"geo.country\"".into())
        }
        (Some(c), None) => {
            preview.geo_hint = Some(c);
            Ok(preview)
        }
        _ => Ok(preview),
    }
}

/// Why `value` is not one a preview may give an attribute of `kind`; a place is kept in
/// `region` / `country`.
fn check_value(
    kind: Kind,
    value: &Value,
    region: &mut Option<String>,
    country: &mut Option<String>,
) -> Result<(), &'static str> {
    if let Kind::Count | Kind::Score = kind {
        let count = kind == Kind::Count;
        let max = if count { MAX_COUNT } else { MAX_SCORE };
        return match value.as_f64() {
            Some(n) if (0.0..=max).contains(&n) && !(count && float::fract(n) != 0.0) => Ok(()),
            _ if count => Err("a whole number from 0"),
            _ => Err("a score from 0 to 100"),
        };
    }
    let text = value.as_str().ok_or("a string")?;
    let max = match kind {
        Kind::Pet => MAX_PET_CHARS,
        Kind::Campaign => MAX_CAMPAIGN_CHARS,
        _ => MAX_NAME_CHARS,
    };
    if !is_clean_text(text, max) || has_markup(text) {
        return Err(
            "text within the cap, without markup (< >), control characters or outer spaces",
        );
    }
    match kind {
        Kind::Pet if text.bytes().any(|b| b.is_ascii_uppercase()) => {
            Err("lower case, as pets are stored")
        }
        Kind::Stage if Stage::parse(text).is_none() => {
            Err("one of awareness, interest, consideration, purchase, loyalty")
        }
        Kind::Country => match geo::parse_hint(text) {
            Some(h) if h.region.is_none() && h.country == text => {
                *country = Some(h.country);
                Ok(())
            }
            _ => Err("a two-letter country code such as JP"),
        },
        Kind::Region => match geo::parse_hint(text) {
            Some(h) if h.region.as_deref() == Some(text) => {
                *region = h.region;
                Ok(())
            }
            _ => Err("a region code such as JP-47"),
        },
        _ => Ok(()),
    }
}

impl Preview {
    /// Lays the preview's values over `attributes` (built by `profile::attributes`). A pet set
    /// by a preview is a declared one, as if the visitor had answered the form.
    pub fn overlay(&self, attributes: &mut Value) {
        for (path, value) in &self.values {
            match path.split_once('.') {
                Some(("geo", _)) => {}
                None => attributes.insert(path, value.clone()),
                Some((root, key)) => {
                    let mut object = match attributes.get(root) {
                        Some(v @ Value::Object(_)) => v.clone(),
                        _ => Value::Object(Vec::new()),
                    };
                    object.insert(key, value.clone());
                    attributes.insert(root, object);
                }
            }
            if path == "pet" {
                attributes.insert("petSource", Value::from("declared"));
                attributes.insert("petConfidence", Value::Number(1.0));
            }
        }
    }
}

/// Builds a payload from `key=value` settings as typed on a command line or in a form: counts and
/// scores become numbers, everything else stays text, and the result is checked as the browser
/// will check it. Returns the payload and its checked form.
pub fn from_settings(settings: &[(&str, &str)]) -> Result<(Value, Preview), String> {
    let mut members: Vec<(String, Value)> = Vec::with_capacity(settings.len());
    for (key, raw) in settings {
        if members.iter().any(|(k, _)| k == key) {
            return Err(crate::text::concat(&["\"", key, "\" is given twice"]));
        }
        let value = match kind_of(key) {
            Some(Kind::Count | Kind::Score) => match raw.trim().parse::<f64>() {
                Ok(n) if n.is_finite() => Value::Number(n),
                _ => {
                    return Err(crate::text::concat(&[
                        "\"",
                        key,
                        "\": \"",
                        raw,
                        "\" is not a number",
                    ]))
                }
            },
            _ => Value::from(*raw),
        };
        members.push(((*key).to_owned(), value));
    }
    let payload = Value::Object(members);
    let preview = check(&payload)?;
    Ok((payload, preview))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Option<Value> {
        Value::parse_json(text).ok()
    }

    fn preview(text: &str) -> Result<Preview, String> {
        parse(text, json)
    }

    #[test]
    fn a_cat_owner_in_okinawa_about_to_buy() {
        let p =
            preview(r#"{"pet":"cat","geo.region":"JP-47","stage":"purchase","visits":3}"#).unwrap();
        assert_eq!(p.geo_hint.as_deref(), Some("JP-47"));
        let mut a =
            json(r#"{"stage":"awareness","visits":1,"topics":{"dogs":2},"url":"/"}"#).unwrap();
        p.overlay(&mut a);
        assert_eq!(a.get("pet").and_then(Value::as_str), Some("cat"));
        assert_eq!(a.get("petSource").and_then(Value::as_str), Some("declared"));
        assert_eq!(a.get("stage").and_then(Value::as_str), Some("purchase"));
        assert_eq!(a.get("visits").and_then(Value::as_f64), Some(3.0));
        assert!(a.get("geo.region").is_none(), "geo goes through the hint");
        assert_eq!(a.get("url").and_then(Value::as_str), Some("/"));
    }

    #[test]
    fn nested_attributes_keep_their_siblings() {
        let p = preview(r#"{"topics.cats":2.5,"events.purchase":1,"utm.source":"news"}"#).unwrap();
        let mut a = json(r#"{"topics":{"dogs":1}}"#).unwrap();
        p.overlay(&mut a);
        assert_eq!(a.get_path("topics.cats").and_then(Value::as_f64), Some(2.5));
        assert_eq!(a.get_path("topics.dogs").and_then(Value::as_f64), Some(1.0));
        assert_eq!(
            a.get_path("events.purchase").and_then(Value::as_f64),
            Some(1.0)
        );
        assert_eq!(
            a.get_path("utm.source").and_then(Value::as_str),
            Some("news")
        );
    }

    #[test]
    fn a_country_alone_or_with_its_region() {
        assert_eq!(
            preview(r#"{"geo.country":"AU"}"#)
                .unwrap()
                .geo_hint
                .as_deref(),
            Some("AU")
        );
        let both = preview(r#"{"name":"Yuki","geo.country":"JP","geo.region":"JP-01"}"#).unwrap();
        assert_eq!(both.geo_hint.as_deref(), Some("JP-01"));
        let err = preview(r#"{"geo.country":"AU","geo.region":"JP-01"}"#).unwrap_err();
        assert_eq!(err, "\"geo.region\" is not in \"geo.country\"");
    }

    #[test]
    fn hostile_payloads_are_refused_with_a_reason() {
        let cases = [
            ("not json", "the payload is not JSON"),
            ("[1]", "the payload must be an object of 1 to 16 attributes"),
            ("{}", "the payload must be an object of 1 to 16 attributes"),
            (
                r#"{"url":"https://evil/"}"#,
                "\"url\" is not an attribute a preview can set",
            ),
            (
                r#"{"petSource":"declared"}"#,
                "is not an attribute a preview can set",
            ),
            (
                r#"{"plan":"gold"}"#,
                "is not an attribute a preview can set",
            ),
            (
                r#"{"__proto__":{"x":1}}"#,
                "is not an attribute a preview can set",
            ),
            (r#"{"topics.Cats":1}"#, "is not an attribute"),
            (r#"{"topics.<b>":1}"#, "is not an attribute"),
            (r#"{"events.a.b":1}"#, "is not an attribute"),
            (r#"{"utm.referrer":"x"}"#, "is not an attribute"),
            (
                r#"{"name":"<img src=x onerror=alert(1)>"}"#,
                "without markup",
            ),
            (r#"{"name":"Yu\u0007ki"}"#, "control characters"),
            (r#"{"name":" Yuki"}"#, "outer spaces"),
            (r#"{"name":""}"#, "text within the cap"),
            (r#"{"pet":"Cat"}"#, "lower case"),
            (r#"{"pet":{"value":"cat"}}"#, "\"pet\": a string"),
            (r#"{"stage":"buying"}"#, "one of awareness"),
            (r#"{"visits":-1}"#, "a whole number from 0"),
            (r#"{"visits":1.5}"#, "a whole number"),
            (r#"{"visits":"3"}"#, "a whole number"),
            (r#"{"topics.cats":1000}"#, "a score from 0 to 100"),
            (r#"{"geo.region":"JP-48"}"#, "a region code"),
            (r#"{"geo.region":"jp-47"}"#, "a region code"),
            (r#"{"geo.country":"JP-47"}"#, "a two-letter country code"),
        ];
        for (text, why) in cases {
            let err = preview(text).expect_err(text);
            assert!(err.contains(why), "{text}: {err}");
        }
        let long_name = crate::text::concat(&["{\"name\":\"", &"a".repeat(65), "\"}"]);
        assert!(preview(&long_name).unwrap_err().contains("within the cap"));
        let huge = crate::text::concat(&["{\"name\":\"", &"a".repeat(MAX_PAYLOAD_BYTES), "\"}"]);
        assert_eq!(preview(&huge).unwrap_err(), "the payload is too long");
        let many: Vec<String> = (0..17).map(|i| format!("\"events.e{i}\":1")).collect();
        let many = crate::text::concat(&["{", &many.join(","), "}"]);
        assert_eq!(
            preview(&many).unwrap_err(),
            "the payload must be an object of 1 to 16 attributes"
        );
        // A hostile key is shown clipped and without its control characters.
        let key = crate::text::concat(&["{\"", &"k\u{1b}".repeat(100), "\":1}"]);
        let err = preview(&key).unwrap_err();
        assert!(!err.contains('\u{1b}') && err.len() < 100, "{err}");
    }

    #[test]
    fn the_site_opts_in_and_the_key_leaves_the_configuration() {
        let mut config = json(r#"{"consent":"required","preview":true}"#).unwrap();
        assert_eq!(take_opt_in(&mut config), Ok(true));
        assert_eq!(config, json(r#"{"consent":"required"}"#).unwrap());
        assert_eq!(take_opt_in(&mut config), Ok(false));
        let mut odd = json(r#"{"preview":"yes"}"#).unwrap();
        assert!(take_opt_in(&mut odd).is_err());
        assert_eq!(odd, json("{}").unwrap());
        assert_eq!(take_opt_in(&mut Value::Null), Ok(false));
    }

    #[test]
    fn settings_become_typed_payloads() {
        let (payload, p) = from_settings(&[
            ("pet", "cat"),
            ("geo.region", "JP-47"),
            ("stage", "purchase"),
            ("visits", "3"),
            ("topics.cats", "0.5"),
        ])
        .unwrap();
        assert_eq!(
            payload.to_json_string(),
            r#"{"pet":"cat","geo.region":"JP-47","stage":"purchase","visits":3,"topics.cats":0.5}"#
        );
        assert_eq!(preview(&payload.to_json_string()), Ok(p));
        assert_eq!(
            from_settings(&[("visits", "many")]).unwrap_err(),
            "\"visits\": \"many\" is not a number"
        );
        assert!(from_settings(&[("pet", "<b>cat</b>")]).is_err());
        // JSON parsers keep the last of two equal keys; settings must not.
        assert_eq!(
            from_settings(&[("pet", "cat"), ("pet", "dog")]).unwrap_err(),
            "\"pet\" is given twice"
        );
    }
}
