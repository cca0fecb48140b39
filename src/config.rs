//! The site's configuration of Tailor: consent mode, site-wide location, topics by URL, profile
//! tuning. Parsed once from the page's `#tailor-config` JSON (or the script tag's data
//! attributes, which the loader folds in).
//!
//! A configuration mistake must never break the page: an unknown key or a value of the wrong type
//! is reported as a warning and its default is used.

use crate::consent::ConsentMode;
use crate::prelude::*;
use crate::profile::ProfileConfig;
use crate::rules::glob_matches;
use crate::sync::{SyncConfig, ALLOWABLE};
use crate::Value;

const DAY_MS: f64 = 86_400_000.0;
const MINUTE_MS: f64 = 60_000.0;

#[derive(Debug, Clone, PartialEq)]
pub struct SiteConfig {
    /// `implied` (default): personalize until the visitor refuses; `required`: keep nothing on
    /// the device until the visitor grants it.
    pub consent_mode: ConsentMode,
    /// The site's consent platform, when `consent` names one (`{"source": "tcf"}`): the loader
    /// reads it, and nothing is allowed until it answers.
    pub consent_source: Option<ConsentSource>,
    pub profile: ProfileConfig,
    /// Path patterns (as in rules' `pages`: `*` within a path segment, `**` across) and the
    /// topics a matching page adds.
    pub topic_patterns: Vec<(String, String)>,
    /// Where consented data goes, and which profile fields may go (sync is off without an
    /// endpoint).
    pub sync: SyncConfig,
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig {
            consent_mode: ConsentMode::Implied,
            consent_source: None,
            profile: ProfileConfig::default(),
            topic_patterns: Vec::new(),
            sync: SyncConfig::default(),
        }
    }
}

impl SiteConfig {
    /// Parses the configuration; returns it with one warning per ignored key.
    pub fn parse(value: &Value) -> (SiteConfig, Vec<String>) {
        let mut config = SiteConfig::default();
        let mut warnings = Vec::new();
        let Some(members) = value.as_object() else {
            if !value.is_null() {
                warnings.push("config: expected an object; using the defaults".to_owned());
            }
            return (config, warnings);
        };
        for (key, v) in members {
            let ok = match key.as_str() {
                "consent" => match v.as_str() {
                    Some("implied") => true,
                    Some("required") => {
                        config.consent_mode = ConsentMode::Required;
                        true
                    }
                    // A consent platform: asked on every page; until it answers, as `required`.
                    // A mistake in its settings falls back to `required`, never to `implied`.
                    _ if v.as_object().is_some() => {
                        config.consent_mode = ConsentMode::Required;
                        config.consent_source = parse_source(v);
                        if config.consent_source.is_none() {
                            warnings.push(SOURCE_INVALID.to_owned());
                        }
                        true
                    }
                    _ => false,
                },
                "geo" => match v.as_str() {
                    Some(g) if !g.trim().is_empty() => {
                        config.profile.geo = Some(g.trim().to_owned());
                        true
                    }
                    _ => v.is_null(),
                },
                "topics" => parse_topics(v, &mut config.topic_patterns),
                "profile" => parse_profile(v, &mut config.profile, &mut warnings),
                "sync" => parse_sync(v, &mut config.sync),
                // Read by the loader, not the engine.
                "timeout" | "debug" | "rules" | "late" => true,
                _ => {
                    warnings.push(crate::text::concat(&[
                        "config: unknown key \"",
                        key,
                        "\" ignored",
                    ]));
                    continue;
                }
            };
            if !ok {
                warnings.push(crate::text::concat(&[
                    "config: invalid \"",
                    key,
                    "\"; using the default",
                ]));
            }
        }
        (config, warnings)
    }

    /// The topic lists of every pattern that matches `path`.
    pub fn topics_for_path<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.topic_patterns
            .iter()
            .filter(move |(pattern, _)| glob_matches(pattern, path))
            .map(|(_, topics)| topics.as_str())
    }
}

/// A consent platform Tailor reads (the loader does; see docs/privacy.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentSource {
    /// IAB TCF v2.2, through the CMP's `__tcfapi`.
    Tcf,
    /// Google Consent Mode v2, from `gtag('consent', …)` commands in `dataLayer`.
    ConsentMode,
}

impl ConsentSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentSource::Tcf => "tcf",
            ConsentSource::ConsentMode => "consent-mode",
        }
    }
}

const SOURCE_INVALID: &str =
    "config: invalid \"consent\" source; nothing is stored until the visitor grants it in Tailor's own UI (as \"required\")";

/// `{"source": "tcf", "personalization": [1, 5, 6], "sync": [1, 8, 9],
/// "legitimateInterest": [8, 9], "vendorId": 1234}` or `{"source": "consent-mode",
/// "personalization": ["personalization_storage"], "sync": ["analytics_storage"]}`. Only the
/// names are checked here (the loader reads the values, and an entry it cannot use never grants
/// anything): the wasm ships to every visitor.
fn parse_source(v: &Value) -> Option<ConsentSource> {
    let source = match v.get("source").and_then(Value::as_str) {
        Some("tcf") => ConsentSource::Tcf,
        Some("consent-mode") => ConsentSource::ConsentMode,
        _ => return None,
    };
    let tcf = source == ConsentSource::Tcf;
    v.as_object()?
        .iter()
        .all(|(key, value)| match key.as_str() {
            "source" => true,
            "personalization" | "sync" => matches!(value, Value::Array(items) if !items.is_empty()),
            "legitimateInterest" => tcf && matches!(value, Value::Array(_)),
            "vendorId" => tcf && matches!(value, Value::Number(_)),
            _ => false,
        })
        .then_some(source)
}

fn parse_topics(v: &Value, out: &mut Vec<(String, String)>) -> bool {
    let Some(members) = v.as_object() else {
        return false;
    };
    for (pattern, topics) in members {
        let list = match topics {
            Value::String(s) => s.clone(),
            Value::Array(items) => {
                let mut names = Vec::with_capacity(items.len());
                for item in items {
                    let Some(name) = item.as_str() else {
                        return false;
                    };
                    names.push(name);
                }
                crate::text::join(&names, ",")
            }
            _ => return false,
        };
        out.push((pattern.clone(), list));
    }
    true
}

/// `"sync": {"endpoint": "/v1/events", "allow": ["country", "pet", ...]}`.
fn parse_sync(v: &Value, sync: &mut SyncConfig) -> bool {
    let Some(members) = v.as_object() else {
        return false;
    };
    for (key, value) in members {
        match (key.as_str(), value) {
            ("endpoint", Value::String(url)) if valid_endpoint(url) => sync.endpoint = url.clone(),
            // How long the first waiting event may wait before a batch goes (default 5 s).
            ("flushAfterMs", Value::Number(ms)) if (0.0..=600_000.0).contains(ms) => {
                sync.flush_after_ms = *ms;
            }
            ("allow", Value::Array(items)) => {
                let mut fields = Vec::with_capacity(items.len());
                for item in items {
                    match item.as_str() {
                        Some(field) if ALLOWABLE.contains(&field) => fields.push(field.to_owned()),
                        _ => return false,
                    }
                }
                sync.allow = fields;
            }
            _ => return false,
        }
    }
    true
}

/// An http(s) URL or a path on this site.
fn valid_endpoint(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    (lower.starts_with('/') && !lower.starts_with("//"))
        || lower.starts_with("https://")
        || lower.starts_with("http://")
}

fn parse_profile(v: &Value, profile: &mut ProfileConfig, warnings: &mut Vec<String>) -> bool {
    let Some(members) = v.as_object() else {
        return false;
    };
    for (key, value) in members {
        let n = value.as_f64().filter(|n| n.is_finite() && *n > 0.0);
        let ok = match (key.as_str(), n) {
            ("sessionIdleMinutes", Some(n)) => {
                profile.session_idle_ms = n * MINUTE_MS;
                true
            }
            ("topicHalfLifeDays", Some(n)) => {
                profile.topic_half_life_ms = n * DAY_MS;
                true
            }
            ("expiryDays", Some(n)) => {
                profile.expiry_ms = n * DAY_MS;
                true
            }
            ("maxTopics", Some(n)) if n <= 256.0 => {
                profile.max_topics = n as usize;
                true
            }
            _ => false,
        };
        if !ok {
            warnings.push(crate::text::concat(&[
                "config: invalid profile setting \"",
                key,
                "\" ignored",
            ]));
        }
    }
    true
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn parse(json: &str) -> (SiteConfig, Vec<String>) {
        SiteConfig::parse(&Value::parse_json(json).unwrap())
    }

    #[test]
    fn defaults_when_nothing_is_configured() {
        let (c, w) = SiteConfig::parse(&Value::Null);
        assert_eq!(c, SiteConfig::default());
        assert!(w.is_empty());
        assert_eq!(c.consent_mode, ConsentMode::Implied);
    }

    #[test]
    fn reads_every_setting() {
        let (c, w) = parse(
            r#"{"consent":"required","geo":"JP-01","topics":{"/cats/**":"cats, cat-food",
                "/dogs*":["dogs"]},"profile":{"sessionIdleMinutes":10,"topicHalfLifeDays":7,
                "expiryDays":90,"maxTopics":16},"timeout":500}"#,
        );
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(c.consent_mode, ConsentMode::Required);
        assert_eq!(c.profile.geo.as_deref(), Some("JP-01"));
        assert_eq!(c.profile.session_idle_ms, 600_000.0);
        assert_eq!(c.profile.topic_half_life_ms, 7.0 * DAY_MS);
        assert_eq!(c.profile.expiry_ms, 90.0 * DAY_MS);
        assert_eq!(c.profile.max_topics, 16);
        let cats: Vec<_> = c.topics_for_path("/cats/toys").collect();
        assert_eq!(cats, ["cats, cat-food"]);
        let dogs: Vec<_> = c.topics_for_path("/dogs").collect();
        assert_eq!(dogs, ["dogs"]);
        assert_eq!(c.topics_for_path("/").count(), 0);
    }

    #[test]
    fn mistakes_warn_and_keep_the_defaults() {
        let (c, w) = parse(
            r#"{"consent":"maybe","colour":"red","topics":{"/x":[1]},
                "profile":{"maxTopics":-3,"nope":1}}"#,
        );
        assert_eq!(c.consent_mode, ConsentMode::Implied);
        assert_eq!(c.profile.max_topics, 32);
        assert_eq!(
            w,
            [
                "config: invalid \"consent\"; using the default",
                "config: unknown key \"colour\" ignored",
                "config: invalid \"topics\"; using the default",
                "config: invalid profile setting \"maxTopics\" ignored",
                "config: invalid profile setting \"nope\" ignored",
            ]
        );
        let (_, w) = parse("[1]");
        assert_eq!(w, ["config: expected an object; using the defaults"]);
    }

    #[test]
    fn consent_sources() {
        let (c, w) = parse(r#"{"consent":{"source":"tcf"}}"#);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(c.consent_source, Some(ConsentSource::Tcf));
        assert_eq!(
            c.consent_mode,
            ConsentMode::Required,
            "nothing until the CMP answers"
        );
        let (c, w) = parse(
            r#"{"consent":{"source":"tcf","personalization":[1,5,6],"sync":[1,8,9],
                "legitimateInterest":[8,9],"vendorId":1234}}"#,
        );
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(c.consent_source, Some(ConsentSource::Tcf));
        let (c, w) = parse(
            r#"{"consent":{"source":"consent-mode","personalization":["ad_personalization"],
                "sync":["analytics_storage","ad_user_data"]}}"#,
        );
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(c.consent_source, Some(ConsentSource::ConsentMode));
        assert_eq!(ConsentSource::ConsentMode.as_str(), "consent-mode");
        for bad in [
            r#"{"source":"onetrust"}"#,
            r#"{"personalization":[1]}"#,
            r#"{"source":"tcf","personalization":[]}"#,
            r#"{"source":"tcf","sync":{"purposes":[1]}}"#,
            r#"{"source":"tcf","vendorId":"1"}"#,
            r#"{"source":"tcf","purposes":[1]}"#,
            r#"{"source":"consent-mode","vendorId":5}"#,
            r#"{"source":"consent-mode","legitimateInterest":[8]}"#,
        ] {
            let (c, w) = parse(&crate::text::concat(&[r#"{"consent":"#, bad, "}"]));
            assert_eq!(w, [SOURCE_INVALID], "{bad}");
            assert_eq!(c.consent_source, None, "{bad}");
            assert_eq!(
                c.consent_mode,
                ConsentMode::Required,
                "a broken consent platform setting never falls back to implied: {bad}"
            );
        }
    }

    #[test]
    fn sync_settings() {
        let (c, w) = parse(r#"{"sync":{"endpoint":"/v1/events","allow":["pet","name"]}}"#);
        assert!(w.is_empty(), "{w:?}");
        assert!(c.sync.enabled());
        assert_eq!(c.sync.allow, ["pet", "name"]);
        let (c, w) = parse(r#"{"sync":{"endpoint":"javascript:alert(1)"}}"#);
        assert!(!c.sync.enabled());
        assert_eq!(w, ["config: invalid \"sync\"; using the default"]);
        let (_, w) = parse(r#"{"sync":{"allow":["email"]}}"#);
        assert_eq!(w.len(), 1, "a field the wire cannot carry is refused");
        assert!(
            !SiteConfig::default().sync.enabled(),
            "off unless configured"
        );
    }
}
