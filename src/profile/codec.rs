//! The stored form of a profile: [`encode`] to a [`Value`], [`load`] back, with schema versions,
//! migrations, bounds and expiry.
//!
//! The stored form is also what `tailor.profile()` shows the visitor, so its keys are words, not
//! codes; only the high-volume collections use arrays. Schema v2:
//!
//! ```text
//! { "v": 2, "id": hex32, "created": ms, "seen": ms, "sessions": n, "sessionStart": ms,
//!   "views": n, "stage": "interest",
//!   "geo"?: { "country"?, "region"?, "tz"?, "hemisphere"?, "source": "hint|config|timezone" },
//!   "pet"?: { "value", "source": "declared|inferred", "confidence" }, "name"?: string,
//!   "topicsAt": ms, "topics": { topic: score at topicsAt },
//!   "events": { name: [count, lastMs] },
//!   "firstTouch"?, "lastTouch"?: { "source"?, "medium"?, "campaign"?, "term"?, "content"?,
//!                                  "referrer"?, "at": ms },
//!   "exposures": { rule: [lifetime, thisSession, thatDay, dayNumber, lastMs] },
//!   "assignments": { id: variation }, "custom": { key: string|number|boolean },
//!   "erasedAt"?: ms, "erasePending"?: [id], "applied"?: [recent op id] }
//! ```
//!
//! Loading never panics and never trusts half a profile: anything malformed discards the whole
//! stored profile with a static reason (the shell prints one console warning) and starts fresh.
//! Oversized collections and strings (hand-edited, or from a looser older version) are cut back
//! to the configured bounds instead. This code never prints or parses JSON text: the shell does,
//! with the browser's `JSON`.

use super::decode::decode;
use super::{migrate, Profile, ProfileConfig};
use crate::float;
use crate::geo::Hemisphere;
use crate::platform::RandomSource;
use crate::prelude::*;
use crate::value::put;
use crate::Value;

/// The schema version [`encode`] writes.
pub const SCHEMA_VERSION: u32 = 2;

/// What [`load`] found in storage.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadStatus {
    /// Nothing stored: a fresh profile.
    New,
    Loaded,
    /// Stored by an older schema version and upgraded.
    Migrated {
        from: u32,
    },
    /// Inactive longer than the expiry: discarded, a fresh profile.
    Expired,
    /// Corrupt or unreadable: discarded, a fresh profile. The reason is for one console warning.
    Discarded(&'static str),
}

impl LoadStatus {
    /// The console warning the shell should print, if any.
    pub fn warning(&self) -> Option<&'static str> {
        match self {
            LoadStatus::Discarded(reason) => Some(reason),
            _ => None,
        }
    }
}

pub(crate) type Result<T> = core::result::Result<T, &'static str>;

/// Reads a stored profile (already parsed by the shell; `None` or `null` when nothing is
/// stored). Always returns a usable profile: the stored one, migrated and bounded, or a fresh one
/// with the reason why.
pub fn load(
    stored: Option<&Value>,
    config: &ProfileConfig,
    now: f64,
    random: &mut dyn RandomSource,
) -> (Profile, LoadStatus) {
    let status = match stored {
        None | Some(Value::Null) => LoadStatus::New,
        Some(value) => match read(value, config) {
            Ok((profile, _)) if now - profile.last_seen > config.expiry_ms => LoadStatus::Expired,
            Ok((profile, from)) => {
                let status = if from < SCHEMA_VERSION {
                    LoadStatus::Migrated { from }
                } else {
                    LoadStatus::Loaded
                };
                return (profile, status);
            }
            Err(reason) => LoadStatus::Discarded(reason),
        },
    };
    (Profile::fresh(now, random), status)
}

/// Migrates and decodes; returns the profile and the version it was stored with.
fn read(value: &Value, config: &ProfileConfig) -> Result<(Profile, u32)> {
    if value.as_object().is_none() {
        return Err("stored profile discarded: not an object");
    }
    let version = value
        .get("v")
        .and_then(Value::as_f64)
        .filter(|v| float::fract(*v) == 0.0 && *v >= 1.0)
        .ok_or("stored profile discarded: no schema version")?;
    if version > f64::from(SCHEMA_VERSION) {
        return Err("stored profile discarded: written by a newer version of Tailor");
    }
    let from = version as u32;
    let mut profile = if from < SCHEMA_VERSION {
        decode(&migrate::upgrade(value.clone(), from, config)?, config)?
    } else {
        decode(value, config)?
    };
    super::ops::refresh(&mut profile, config);
    Ok((profile, from))
}

/// The stored form of `profile` (schema [`SCHEMA_VERSION`]).
pub fn encode(p: &Profile) -> Value {
    let mut o: Vec<(String, Value)> = Vec::with_capacity(24);
    put(&mut o, "v", num(SCHEMA_VERSION));
    put(&mut o, "id", Value::from(p.id.as_str()));
    put(&mut o, "created", time(p.created));
    put(&mut o, "seen", time(p.last_seen));
    put(&mut o, "sessions", num(p.sessions));
    put(&mut o, "sessionStart", time(p.session_start));
    put(&mut o, "views", num(p.page_views));
    put(&mut o, "stage", Value::from(p.stage.as_str()));
    if let Some(g) = &p.geo {
        let mut geo = Vec::new();
        opt(&mut geo, "country", g.country.as_deref());
        opt(&mut geo, "region", g.region.as_deref());
        opt(&mut geo, "tz", g.time_zone.as_deref());
        opt(&mut geo, "hemisphere", g.hemisphere.map(Hemisphere::as_str));
        opt(&mut geo, "source", Some(g.source.as_str()));
        put(&mut o, "geo", Value::Object(geo));
    }
    if let Some(pet) = &p.pet {
        let mut members = Vec::with_capacity(3);
        put(&mut members, "value", Value::from(pet.value.as_str()));
        put(&mut members, "source", Value::from(pet.source.as_str()));
        put(&mut members, "confidence", Value::Number(pet.confidence));
        put(&mut o, "pet", Value::Object(members));
    }
    if let Some(name) = &p.name {
        put(&mut o, "name", Value::from(name.as_str()));
    }
    put(&mut o, "topicsAt", time(p.topics.at));
    // Plain loops, not iterator chains: each `map(..).collect()` is its own code in the wasm.
    let mut topics = Vec::with_capacity(p.topics.scores.len());
    for (t, s) in &p.topics.scores {
        let s = super::topics::round2(*s);
        if s > 0.0 {
            topics.push((t.clone(), Value::Number(s)));
        }
    }
    put(&mut o, "topics", Value::Object(topics));
    let mut events = Vec::with_capacity(p.events.len());
    for e in &p.events {
        let row = vec![num(e.count), time(e.last)];
        events.push((e.name.clone(), Value::Array(row)));
    }
    put(&mut o, "events", Value::Object(events));
    for (key, touch) in [("firstTouch", &p.first_touch), ("lastTouch", &p.last_touch)] {
        if let Some(c) = touch {
            let mut t = Vec::new();
            for (i, (field, _)) in super::campaign::FIELDS.iter().enumerate() {
                opt(&mut t, field, c.field(i));
            }
            opt(&mut t, "referrer", c.referrer.as_deref());
            put(&mut t, "at", time(c.at));
            put(&mut o, key, Value::Object(t));
        }
    }
    let mut exposures = Vec::with_capacity(p.exposures.len());
    for e in &p.exposures {
        let row = vec![
            num(e.lifetime),
            num(e.session),
            num(e.day_count),
            Value::Number(e.day as f64),
            time(e.last),
        ];
        exposures.push((e.rule.clone(), Value::Array(row)));
    }
    put(&mut o, "exposures", Value::Object(exposures));
    let mut assignments = Vec::with_capacity(p.assignments.len());
    for (k, v) in &p.assignments {
        assignments.push((k.clone(), num(*v)));
    }
    put(&mut o, "assignments", Value::Object(assignments));
    put(&mut o, "custom", Value::Object(p.custom.clone()));
    if p.erased_at > 0.0 {
        put(&mut o, "erasedAt", time(p.erased_at));
    }
    if !p.applied.is_empty() {
        put(&mut o, "applied", texts(&p.applied));
    }
    if !p.erase_pending.is_empty() {
        put(&mut o, "erasePending", texts(&p.erase_pending));
    }
    Value::Object(o)
}

fn texts(list: &[String]) -> Value {
    let mut out = Vec::with_capacity(list.len());
    for s in list {
        out.push(Value::from(s.as_str()));
    }
    Value::Array(out)
}

fn num(n: u32) -> Value {
    Value::Number(f64::from(n))
}

/// Whole milliseconds: the stored text stays short and stable.
fn time(t: f64) -> Value {
    Value::Number(float::floor(t))
}

fn opt(o: &mut Vec<(String, Value)>, key: &str, v: Option<&str>) {
    if let Some(v) = v {
        put(o, key, Value::from(v));
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::context::PageContext;
    use crate::platform::SeededRandom;
    use crate::profile::{apply_all, page_ops, Op};

    const DAY: f64 = 86_400_000.0;
    const NOW: f64 = 1_705_276_800_000.0;

    fn busy_profile() -> Profile {
        let cfg = ProfileConfig::default();
        let mut p = Profile::fresh(NOW, &mut SeededRandom::new(5));
        let mut ctx = PageContext::new(
            NOW,
            "https://shop.example/cats?utm_source=news&utm_medium=email",
        );
        ctx.geo_hint = Some("JP-01".into());
        ctx.time_zone = Some("Asia/Tokyo".into());
        ctx.referrer = "https://www.google.com/".into();
        let mut ops = page_ops(&ctx, &[("cats", 1.0), ("cat-food", 1.5)], &cfg);
        ops.extend([
            Op::Declare {
                at: NOW,
                name: Some("Ann".into()),
                pet: Some("cat".into()),
            },
            Op::Event {
                at: NOW,
                name: "purchase".into(),
            },
            Op::Exposure {
                at: NOW,
                rule: "hero".into(),
                day: 19737,
            },
            Op::Assign {
                at: NOW,
                id: "exp1".into(),
                variation: 1,
            },
            Op::Set {
                at: NOW,
                path: "plan".into(),
                value: Value::from("gold"),
            },
        ]);
        apply_all(&mut p, &ops, &cfg);
        p.erased_at = NOW - DAY;
        p.erase_pending = vec!["0123abcd".into()];
        p
    }

    fn load_json(text: &str, now: f64) -> (Profile, LoadStatus) {
        let v = Value::parse_json(text).unwrap();
        load(
            Some(&v),
            &ProfileConfig::default(),
            now,
            &mut SeededRandom::new(1),
        )
    }

    #[test]
    fn round_trips_through_json_text() {
        let p = busy_profile();
        let text = encode(&p).to_json_string();
        assert!(text.starts_with(r#"{"v":2,"id":""#), "{text}");
        let (q, status) = load_json(&text, NOW + DAY);
        assert_eq!(status, LoadStatus::Loaded);
        assert_eq!(q, p);
        assert_eq!(encode(&q).to_json_string(), text, "encoding is stable");
    }

    #[test]
    fn nothing_stored_is_a_new_profile() {
        let cfg = ProfileConfig::default();
        let (p, s) = load(None, &cfg, NOW, &mut SeededRandom::new(1));
        assert_eq!((s, p.created, p.sessions), (LoadStatus::New, NOW, 0));
        assert_eq!(
            load(Some(&Value::Null), &cfg, NOW, &mut SeededRandom::new(1)).1,
            LoadStatus::New
        );
        assert_eq!(LoadStatus::New.warning(), None);
    }

    #[test]
    fn inactive_profiles_expire() {
        let text = encode(&busy_profile()).to_json_string();
        assert_eq!(load_json(&text, NOW + 179.0 * DAY).1, LoadStatus::Loaded);
        let (p, status) = load_json(&text, NOW + 181.0 * DAY);
        assert_eq!(status, LoadStatus::Expired);
        assert_eq!((p.name, p.page_views), (None, 0));
    }

    #[test]
    fn corrupt_data_is_discarded_with_a_reason_never_a_panic() {
        let good = encode(&busy_profile());
        let mut cases: Vec<Value> = vec![
            Value::from("garbage"),
            Value::Number(42.0),
            Value::Array(vec![]),
            Value::Object(vec![]),
            Value::Object(vec![("v".into(), Value::Number(99.0))]),
            Value::Object(vec![("v".into(), Value::Number(1.5))]),
            Value::Object(vec![("v".into(), Value::Number(0.0))]),
        ];
        let breakages: [(&str, Value); 13] = [
            ("id", Value::Number(1.0)),
            ("id", Value::from("not hex!")),
            // Not a visitor id: it would go into the erase URL and the server would refuse it.
            ("id", Value::from("cat")),
            ("seen", Value::from("yesterday")),
            ("sessions", Value::Number(-1.0)),
            ("stage", Value::from("bored")),
            ("geo", Value::from("JP")),
            (
                "pet",
                Value::Object(vec![("value".into(), Value::from("cat"))]),
            ),
            ("topics", Value::Array(vec![])),
            (
                "events",
                Value::Object(vec![("a".into(), Value::Number(1.0))]),
            ),
            (
                "exposures",
                Value::Object(vec![("r".into(), Value::Array(vec![Value::Null; 5]))]),
            ),
            (
                "custom",
                Value::Object(vec![("k".into(), Value::Array(vec![]))]),
            ),
            (
                "lastTouch",
                Value::Object(vec![("source".into(), Value::from("x"))]),
            ),
        ];
        for (key, bad) in breakages {
            let mut v = good.clone();
            v.insert(key, bad);
            cases.push(v);
        }
        // Truncated: every prefix of the members, as a half-written profile would be.
        if let Value::Object(members) = &good {
            for n in 0..7 {
                cases.push(Value::Object(members[..n].to_vec()));
            }
        }
        for case in cases {
            let (p, status) = load(
                Some(&case),
                &ProfileConfig::default(),
                NOW,
                &mut SeededRandom::new(1),
            );
            let reason = status
                .warning()
                .unwrap_or_else(|| panic!("accepted {case:?}"));
            assert!(reason.starts_with("stored profile discarded"), "{reason}");
            assert_eq!((p.page_views, p.created), (0, NOW));
        }
    }

    #[test]
    fn truncated_json_text_is_left_to_the_shell_and_garbage_never_panics() {
        // JSON.parse fails on cut text; the shell then calls `load` with a string or nothing.
        let text = encode(&busy_profile()).to_json_string();
        assert!(Value::parse_json(&text[..text.len() / 2]).is_err());
        for junk in [
            "[]",
            "\"\"",
            "{\"v\":2}",
            "{\"v\":2,\"id\":\"\"}",
            "true",
            "null",
        ] {
            let _ = load_json(junk, NOW);
        }
    }

    #[test]
    fn oversized_stored_data_is_cut_back_to_the_bounds() {
        let mut v = encode(&busy_profile());
        let many = |n: usize, row: &dyn Fn(usize) -> Value| {
            Value::Object((0..n).map(|i| (format!("k{i}"), row(i))).collect())
        };
        v.insert("topics", many(500, &|i| Value::Number(i as f64)));
        v.insert(
            "events",
            many(500, &|i| {
                Value::Array(vec![1.0.into(), Value::Number(i as f64)])
            }),
        );
        v.insert(
            "exposures",
            many(500, &|i| {
                Value::Array(vec![
                    1.0.into(),
                    1.0.into(),
                    1.0.into(),
                    1.0.into(),
                    Value::Number(i as f64),
                ])
            }),
        );
        v.insert("assignments", many(500, &|_| Value::Number(1.0)));
        v.insert("custom", many(500, &|_| Value::from("x".repeat(1000))));
        v.insert("name", Value::from("n".repeat(10_000)));
        let (p, status) = load(
            Some(&v),
            &ProfileConfig::default(),
            NOW,
            &mut SeededRandom::new(1),
        );
        assert_eq!(status, LoadStatus::Loaded);
        assert_eq!(p.topics.scores.len(), 32);
        assert_eq!(p.events.len(), 64);
        assert!(
            p.events.iter().all(|e| e.last >= 436.0),
            "the most recent events are kept"
        );
        assert_eq!(p.exposures.len(), 64);
        assert_eq!(p.assignments.len(), 64);
        assert_eq!(p.custom.len(), 16);
        assert!(p
            .custom
            .iter()
            .all(|(_, v)| v.as_str().unwrap().len() == 64));
        assert_eq!(p.name.unwrap().len(), 64);
    }
}
