//! The sync wire format, version 1: what a browser's outbox sends to `POST /v1/events`.
//!
//! This module owns parsing and validating a batch, as a pure function of the request body and
//! the limits; it never touches storage or HTTP. Parsing is strict: unknown fields, wrong types,
//! out-of-range values and oversized collections are refused with a message that names the field,
//! so a misbehaving client learns exactly what to fix and nothing unexpected is ever stored.
//! `docs/sync-protocol.md` is the reference for client authors; keep both in step.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tailor::profile::Stage;

/// The one version this server speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// Bounds on a batch that do not depend on configuration.
pub const MAX_ID_CHARS: usize = 64;
pub const MAX_RULE_CHARS: usize = 128;
pub const MAX_NAME_CHARS: usize = 64;
pub const MAX_PATH_CHARS: usize = 512;
pub const MAX_TOPICS: usize = 32;
pub const MAX_TOPIC_CHARS: usize = 64;
pub const MAX_REGION_CHARS: usize = 64;
pub const MAX_PET_CHARS: usize = 32;
pub const MAX_VISITOR_NAME_CHARS: usize = 64;
/// Milliseconds since the Unix epoch up to 2^53 (what a JavaScript number holds exactly).
pub const MAX_TIME_MS: u64 = (1 << 53) - 1;

/// A batch as sent on the wire.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    /// Protocol version; must be [`PROTOCOL_VERSION`].
    pub v: u32,
    /// The anonymous visitor id: 32 lower-case hex digits.
    pub visitor: String,
    pub consent: Consent,
    /// When the browser sent the batch (ms since the epoch, the browser's clock).
    pub sent_at: u64,
    /// Events the outbox dropped (full) since its last delivered batch.
    #[serde(default)]
    pub dropped: u32,
    /// The allowed part of the visitor's profile, as of `sent_at`.
    #[serde(default)]
    pub profile: Option<SyncedProfile>,
    #[serde(default)]
    pub events: Vec<Event>,
}

/// The consent the browser holds when it sends; `sync` must be `true`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    pub sync: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personalization: Option<bool>,
}

/// Journey stage on the wire: the engine's own stages and names (`tailor::profile::Stage`), so
/// the server accepts exactly what browsers derive, with no second list to keep in step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireStage(pub Stage);

impl Serialize for WireStage {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.as_str())
    }
}

impl<'de> Deserialize<'de> for WireStage {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Stage::parse(&text).map(WireStage).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown stage `{text}`, expected awareness, interest, consideration, purchase \
                 or loyalty"
            ))
        })
    }
}

/// The profile fields a server accepts. Everything is optional: the browser sends only what its
/// sync allow-list permits. `name` is refused unless the server was started with `--accept-name`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SyncedProfile {
    /// ISO 3166-1 alpha-2, upper case (`JP`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Coarse region (ISO 3166-2 such as `JP-01`, or a name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Lower-case pet type (`cat`, `dog`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pet: Option<String>,
    /// Decayed interest score per topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topics: Option<BTreeMap<String, f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<WireStage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sessions: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_views: Option<u32>,
    /// Only when the site lists it in its sync allow-list and the server accepts it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventType {
    /// A rule's element was shown (`exposed`) or would have been but the visitor is in the
    /// holdout (`holdout`).
    Exposure,
    /// A goal: CTA click, form submission, purchase.
    Conversion,
    /// Any other named event.
    Event,
    /// A page view.
    Pageview,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Exposure => "exposure",
            EventType::Conversion => "conversion",
            EventType::Event => "event",
            EventType::Pageview => "pageview",
        }
    }

    pub fn parse(text: &str) -> Option<EventType> {
        match text {
            "exposure" => Some(EventType::Exposure),
            "conversion" => Some(EventType::Conversion),
            "event" => Some(EventType::Event),
            "pageview" => Some(EventType::Pageview),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    Exposed,
    Holdout,
}

impl Variant {
    pub fn as_str(self) -> &'static str {
        match self {
            Variant::Exposed => "exposed",
            Variant::Holdout => "holdout",
        }
    }

    pub fn parse(text: &str) -> Option<Variant> {
        match text {
            "exposed" => Some(Variant::Exposed),
            "holdout" => Some(Variant::Holdout),
            _ => None,
        }
    }
}

/// One event. Which optional fields are required depends on `type` (see [`Batch::validate`]).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Unique per visitor: the server stores an id once, whatever the retries.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: EventType,
    /// When it happened (ms since the epoch, the browser's clock).
    pub at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<Variant>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A conversion's value (an order total, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// A page view's path, without query string or fragment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// Limits that come from configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchLimits {
    pub max_events: usize,
    pub accept_name: bool,
}

/// Why a body is not a batch this server will store. Each maps to one status and error code.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchError {
    /// Not JSON, or JSON of the wrong shape (unknown field, wrong type): 400 `invalid_json`.
    Malformed(String),
    /// Another protocol version: 400 `unsupported_version`.
    Version(u32),
    /// `consent.sync` is not `true`: 403 `consent_required`.
    NoConsent,
    /// More events than allowed: 413 `too_many_events`.
    TooManyEvents { max: usize },
    /// `profile.name` without `--accept-name`: 422 `field_not_allowed`.
    FieldNotAllowed(&'static str),
    /// Well-formed but invalid: 422 `invalid_batch`.
    Invalid(String),
}

impl Batch {
    /// Parses and validates a body. The order of checks is part of the protocol: version first
    /// (a future client gets a version error, not a field error), then consent (nothing of a
    /// batch without consent is looked at further), then sizes and fields.
    pub fn parse(body: &[u8], limits: &BatchLimits) -> Result<Batch, BatchError> {
        let tree: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| BatchError::Malformed(describe_json(&e)))?;
        objects_where_expected(&tree).map_err(|e| BatchError::Malformed(e.into()))?;
        // The version is read leniently first, so a v2 batch with new fields is refused for its
        // version rather than for the fields v1 does not know.
        #[derive(Deserialize)]
        struct VersionOnly {
            v: Option<serde_json::Value>,
        }
        if let Ok(VersionOnly { v: Some(v) }) = serde_json::from_slice::<VersionOnly>(body) {
            match v.as_u64() {
                Some(n) if n == u64::from(PROTOCOL_VERSION) => {}
                Some(n) => return Err(BatchError::Version(n.min(u64::from(u32::MAX)) as u32)),
                None => {}
            }
        }
        let mut batch: Batch =
            serde_json::from_slice(body).map_err(|e| BatchError::Malformed(describe_json(&e)))?;
        if let Some(profile) = &mut batch.profile {
            profile.drop_invalid_values();
        }
        batch.validate(limits)?;
        Ok(batch)
    }

    pub fn validate(&self, limits: &BatchLimits) -> Result<(), BatchError> {
        if self.v != PROTOCOL_VERSION {
            return Err(BatchError::Version(self.v));
        }
        if !self.consent.sync {
            return Err(BatchError::NoConsent);
        }
        if self.events.len() > limits.max_events {
            return Err(BatchError::TooManyEvents {
                max: limits.max_events,
            });
        }
        if !is_visitor_id(&self.visitor) {
            return Err(BatchError::Invalid(
                "`visitor` must be 32 lower-case hex digits".into(),
            ));
        }
        check_time("sent_at", self.sent_at)?;
        if let Some(profile) = &self.profile {
            profile.validate(limits)?;
        }
        for (index, event) in self.events.iter().enumerate() {
            event
                .validate()
                .map_err(|m| BatchError::Invalid(format!("events[{index}]: {m}")))?;
        }
        Ok(())
    }
}

impl SyncedProfile {
    /// Drops each visitor value the protocol refuses (a region, pet, name or topic that is not
    /// clean text by `tailor::text_value`, a country that is not ISO 3166-1), so one bad value
    /// costs that value only, never the batch and its events. Returns the fields dropped.
    pub fn drop_invalid_values(&mut self) -> Vec<&'static str> {
        let mut dropped = Vec::new();
        let mut keep = |field: &'static str, value: &mut Option<String>, ok: fn(&str) -> bool| {
            if value.as_deref().is_some_and(|v| !ok(v)) {
                *value = None;
                dropped.push(field);
            }
        };
        keep("country", &mut self.country, |c| {
            c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase())
        });
        keep("region", &mut self.region, |v| {
            is_clean_text(v, MAX_REGION_CHARS)
        });
        keep("pet", &mut self.pet, |v| is_clean_text(v, MAX_PET_CHARS));
        keep("name", &mut self.name, |v| {
            is_clean_text(v, MAX_VISITOR_NAME_CHARS)
        });
        if let Some(topics) = &mut self.topics {
            let before = topics.len();
            topics.retain(|topic, score| {
                is_clean_text(topic, MAX_TOPIC_CHARS) && score.is_finite() && *score >= 0.0
            });
            if topics.len() < before {
                dropped.push("topics");
            }
        }
        dropped
    }

    fn validate(&self, limits: &BatchLimits) -> Result<(), BatchError> {
        let invalid = |m: String| Err(BatchError::Invalid(format!("profile.{m}")));
        if self.name.is_some() && !limits.accept_name {
            return Err(BatchError::FieldNotAllowed("profile.name"));
        }
        if let Some(country) = &self.country {
            if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
                return invalid("country: expected two upper-case letters (ISO 3166-1)".into());
            }
        }
        if let Some(m) = bounded("region", self.region.as_deref(), MAX_REGION_CHARS) {
            return invalid(m);
        }
        if let Some(m) = bounded("pet", self.pet.as_deref(), MAX_PET_CHARS) {
            return invalid(m);
        }
        if let Some(m) = bounded("name", self.name.as_deref(), MAX_VISITOR_NAME_CHARS) {
            return invalid(m);
        }
        if let Some(topics) = &self.topics {
            if topics.len() > MAX_TOPICS {
                return invalid(format!("topics: at most {MAX_TOPICS} topics"));
            }
            for (topic, score) in topics {
                if let Some(m) = bounded("topics key", Some(topic), MAX_TOPIC_CHARS) {
                    return invalid(m);
                }
                if !score.is_finite() || *score < 0.0 {
                    return invalid(format!("topics.{topic}: a score is a finite number >= 0"));
                }
            }
        }
        Ok(())
    }
}

impl Event {
    fn validate(&self) -> Result<(), String> {
        if self.id.is_empty()
            || self.id.len() > MAX_ID_CHARS
            || !self
                .id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(format!(
                "`id` must be 1-{MAX_ID_CHARS} characters of A-Z a-z 0-9 - _"
            ));
        }
        check_time("at", self.at).map_err(|e| match e {
            BatchError::Invalid(m) => m,
            other => format!("{other:?}"),
        })?;
        if let Some(m) = event_text("rule", self.rule.as_deref(), MAX_RULE_CHARS) {
            return Err(m);
        }
        if let Some(m) = event_text("name", self.name.as_deref(), MAX_NAME_CHARS) {
            return Err(m);
        }
        if let Some(m) = event_text("path", self.path.as_deref(), MAX_PATH_CHARS) {
            return Err(m);
        }
        if let Some(value) = self.value {
            if !value.is_finite() {
                return Err("`value` must be a finite number".into());
            }
        }
        let only = |field: &str, present: bool, kinds: &str| {
            if present {
                Err(format!("`{field}` is only allowed on {kinds}"))
            } else {
                Ok(())
            }
        };
        match self.kind {
            EventType::Exposure => {
                if self.rule.is_none() || self.variant.is_none() {
                    return Err("an exposure needs `rule` and `variant`".into());
                }
                only("value", self.value.is_some(), "conversions")?;
                only("path", self.path.is_some(), "pageviews")?;
            }
            EventType::Conversion => {
                if self.name.is_none() {
                    return Err("a conversion needs `name`".into());
                }
                if self.variant.is_some() && self.rule.is_none() {
                    return Err("`variant` needs `rule`".into());
                }
                only("path", self.path.is_some(), "pageviews")?;
            }
            EventType::Event => {
                if self.name.is_none() {
                    return Err("an event needs `name`".into());
                }
                only("rule", self.rule.is_some(), "exposures and conversions")?;
                only(
                    "variant",
                    self.variant.is_some(),
                    "exposures and conversions",
                )?;
                only("value", self.value.is_some(), "conversions")?;
                only("path", self.path.is_some(), "pageviews")?;
            }
            EventType::Pageview => {
                only("rule", self.rule.is_some(), "exposures and conversions")?;
                only(
                    "variant",
                    self.variant.is_some(),
                    "exposures and conversions",
                )?;
                only("value", self.value.is_some(), "conversions")?;
                if let Some(path) = &self.path {
                    if !path.starts_with('/') || path.contains(['?', '#']) {
                        return Err(
                            "`path` starts with `/` and has no query string or fragment".into()
                        );
                    }
                }
            }
        }
        Ok(())
    }
}

use tailor::text_value::is_clean_text;
/// A visitor id is defined once, in the engine, for the client and the server.
pub use tailor::visitor_id::is_visitor_id;

fn check_time(field: &str, ms: u64) -> Result<(), BatchError> {
    if ms == 0 || ms > MAX_TIME_MS {
        return Err(BatchError::Invalid(format!(
            "`{field}` must be milliseconds since the epoch, 1 to 2^53-1"
        )));
    }
    Ok(())
}

/// Some(message) when a text field is empty or longer than `max` characters, or holds control
/// characters (which no legitimate value has and which make logs and reports lie).
fn bounded(field: &str, value: Option<&str>, max: usize) -> Option<String> {
    let value = value?;
    if is_clean_text(value, max) {
        return None;
    }
    Some(format!(
        "`{field}` must be 1 to {max} characters, without control characters or white space at either end"
    ))
}

/// Some(message) when an event's text field is empty, longer than `max` characters or holds a
/// control character. Event fields come from the site (rule names, paths, event names), not
/// from what a visitor types, so white space at either end is not refused here.
fn event_text(field: &str, value: Option<&str>, max: usize) -> Option<String> {
    let value = value?;
    let chars = value.chars().count();
    if chars == 0 || chars > max || value.chars().any(char::is_control) {
        return Some(format!(
            "`{field}` must be 1 to {max} characters without control characters"
        ));
    }
    None
}

/// serde_json's message names the problem and the position; it holds no server internals.
/// Serde's derived structs also read a JSON array, field by field in declaration order
/// (`[1,"…",[true],…]` would be a batch). The protocol is objects only, so every place that
/// holds a struct must hold an object. The typed parse still reads the body itself afterwards,
/// so duplicate keys stay an error (a `Value` would keep the last one silently).
fn objects_where_expected(tree: &serde_json::Value) -> Result<(), &'static str> {
    use serde_json::Value;
    let batch = tree.as_object().ok_or("a batch must be a JSON object")?;
    if batch.get("consent").is_some_and(|c| !c.is_object()) {
        return Err("`consent` must be a JSON object");
    }
    if batch
        .get("profile")
        .is_some_and(|p| !p.is_object() && !p.is_null())
    {
        return Err("`profile` must be a JSON object or null");
    }
    if let Some(Value::Array(events)) = batch.get("events") {
        if events.iter().any(|e| !e.is_object()) {
            return Err("each of `events` must be a JSON object");
        }
    }
    Ok(())
}

fn describe_json(e: &serde_json::Error) -> String {
    let mut text = e.to_string();
    if text.len() > 300 {
        let mut cut = 300;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: BatchLimits = BatchLimits {
        max_events: 3,
        accept_name: false,
    };
    const VISITOR: &str = "0123456789abcdef0123456789abcdef";

    fn batch(extra: &str) -> String {
        format!(
            r#"{{"v":1,"visitor":"{VISITOR}","consent":{{"sync":true}},"sent_at":1700000000000{extra}}}"#
        )
    }

    fn parse(text: &str) -> Result<Batch, BatchError> {
        Batch::parse(text.as_bytes(), &LIMITS)
    }

    #[test]
    fn a_minimal_batch_and_a_full_one_parse() {
        let b = parse(&batch("")).unwrap();
        assert!(b.events.is_empty() && b.profile.is_none() && b.dropped == 0);
        let b = parse(&batch(
            r#","dropped":2,"profile":{"country":"JP","region":"JP-01","pet":"cat",
            "topics":{"cat-food":1.5},"stage":"interest","sessions":3,"page_views":9},
            "events":[{"id":"e1","type":"exposure","at":1700000000000,"rule":"cat-hero","variant":"holdout"},
            {"id":"e2","type":"conversion","at":1700000000001,"name":"cta","rule":"cat-hero","variant":"holdout","value":12.5},
            {"id":"e3","type":"pageview","at":1700000000002,"path":"/cats"}]"#,
        ))
        .unwrap();
        assert_eq!(b.events.len(), 3);
        assert_eq!(b.events[0].variant, Some(Variant::Holdout));
        assert_eq!(b.profile.unwrap().stage, Some(WireStage(Stage::Interest)));
    }

    #[test]
    fn arrays_are_not_read_as_structs() {
        let whole = format!(r#"[1,"{VISITOR}",[true],1700000000000]"#);
        let consent = format!(r#"{{"v":1,"visitor":"{VISITOR}","consent":[true],"sent_at":1}}"#);
        let profile = batch(r#","profile":["JP"]"#);
        let event = batch(r#","events":[["e1","pageview",1700000000000]]"#);
        for body in [whole, consent, profile, event] {
            assert!(
                matches!(parse(&body), Err(BatchError::Malformed(_))),
                "{body}"
            );
        }
        assert!(parse(&batch(r#","profile":null"#)).is_ok());
        // Duplicate keys stay an error: the typed parse still reads the text.
        assert!(matches!(
            parse(&batch(r#","dropped":1,"dropped":2"#)),
            Err(BatchError::Malformed(_))
        ));
    }

    #[test]
    fn every_engine_stage_is_accepted_and_nothing_else() {
        for name in [
            "awareness",
            "interest",
            "consideration",
            "purchase",
            "loyalty",
        ] {
            let body = batch(&[r#","profile":{"stage":""#, name, r#""}"#].concat());
            let stage = parse(&body).unwrap().profile.unwrap().stage.unwrap();
            assert_eq!(stage.0.as_str(), name);
            assert_eq!(serde_json::to_value(stage).unwrap(), name);
        }
        for bad in ["Interest", "vip", ""] {
            let body = batch(&[r#","profile":{"stage":""#, bad, r#""}"#].concat());
            assert!(
                matches!(parse(&body), Err(BatchError::Malformed(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn unknown_fields_anywhere_are_refused() {
        for extra in [
            r#","extra":1"#,
            r#","profile":{"email":"a@b.c"}"#,
            r#","events":[{"id":"e","type":"event","at":1,"name":"x","secret":1}]"#,
        ] {
            assert!(
                matches!(parse(&batch(extra)), Err(BatchError::Malformed(_))),
                "{extra}"
            );
        }
        let text = batch("").replace(r#""sync":true"#, r#""sync":true,"ads":true"#);
        assert!(matches!(parse(&text), Err(BatchError::Malformed(_))));
    }

    #[test]
    fn consent_version_and_sizes_are_enforced() {
        let no = batch("").replace(r#""sync":true"#, r#""sync":false"#);
        assert_eq!(parse(&no).unwrap_err(), BatchError::NoConsent);
        let v2 = batch(r#","future":1"#).replace(r#""v":1"#, r#""v":2"#);
        assert_eq!(parse(&v2).unwrap_err(), BatchError::Version(2));
        let event = r#"{"id":"e","type":"pageview","at":1}"#;
        let four = format!(r#","events":[{event},{event},{event},{event}]"#);
        assert_eq!(
            parse(&batch(&four)).unwrap_err(),
            BatchError::TooManyEvents { max: 3 }
        );
        assert_eq!(
            parse(&batch(r#","profile":{"name":"Ann"}"#)).unwrap_err(),
            BatchError::FieldNotAllowed("profile.name")
        );
        let with_name = BatchLimits {
            accept_name: true,
            ..LIMITS
        };
        assert!(Batch::parse(batch(r#","profile":{"name":"Ann"}"#).as_bytes(), &with_name).is_ok());
    }

    #[test]
    fn field_rules_per_event_type_name_the_field() {
        let cases = [
            (
                r#"{"id":"e","type":"exposure","at":1,"rule":"r"}"#,
                "needs `rule` and `variant`",
            ),
            (r#"{"id":"e","type":"conversion","at":1}"#, "needs `name`"),
            (
                r#"{"id":"e","type":"event","at":1,"name":"n","rule":"r"}"#,
                "`rule` is only",
            ),
            (
                r#"{"id":"e","type":"pageview","at":1,"path":"/a?q=1"}"#,
                "no query string",
            ),
            (
                r#"{"id":"bad id","type":"pageview","at":1}"#,
                "`id` must be",
            ),
            (r#"{"id":"e","type":"pageview","at":0}"#, "`at` must be"),
        ];
        for (event, expected) in cases {
            match parse(&batch(&format!(r#","events":[{event}]"#))) {
                Err(BatchError::Invalid(m)) => {
                    assert!(m.starts_with("events[0]: ") && m.contains(expected), "{m}")
                }
                other => panic!("{event}: {other:?}"),
            }
        }
        assert!(matches!(
            parse(&batch("").replace(VISITOR, "ABC")),
            Err(BatchError::Invalid(_))
        ));
        let b = parse(&batch(r#","profile":{"country":"jp","pet":"cat"}"#)).unwrap();
        let profile = b.profile.unwrap();
        assert_eq!(
            (profile.country, profile.pet.as_deref()),
            (None, Some("cat"))
        );
        assert!(matches!(
            parse(r#"{"v":1,"visitor":1}"#),
            Err(BatchError::Malformed(_))
        ));
        assert!(matches!(parse("not json"), Err(BatchError::Malformed(_))));
    }

    #[test]
    fn one_bad_visitor_value_costs_that_value_not_the_events() {
        let b = parse(&batch(
            r#","profile":{"pet":"ca\u0007t","region":" JP-01","topics":{"cats":1,"news\b":2}},"events":[{"id":"e1","type":"pageview","at":1,"path":"/a"}]"#,
        ))
        .unwrap();
        let profile = b.profile.unwrap();
        assert_eq!(profile.pet, None);
        assert_eq!(profile.region, None);
        let topics: Vec<&str> = profile
            .topics
            .as_ref()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(topics, ["cats"]);
        assert_eq!(b.events.len(), 1);
    }

    #[test]
    fn the_server_accepts_every_value_the_client_makes() {
        for raw in ["ca\u{7}t", "do\u{7f}g", "news\u{8}", " a\tb "] {
            let clean = tailor::text_value::clean_text(raw, MAX_PET_CHARS);
            assert_eq!(bounded("pet", Some(&clean), MAX_PET_CHARS), None, "{raw:?}");
        }
    }
}
