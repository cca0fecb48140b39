//! Schema migrations: each step turns the stored form of version `n` into version `n + 1`, on
//! plain [`Value`]s, before decoding. Adding a version means adding one step here and a test
//! with a stored profile of the old shape; old steps are never edited.
//!
//! Version 1 (the first prototype) stored `visits` instead of `sessions`, the pet as a bare
//! string (always declared), topics as `[[topic, score, timeOfScore], …]` with a time per topic,
//! events as bare counts, and only the last campaign under `utm`. Version 2 is described in
//! `codec.rs`.

use super::topics::decay;
use super::ProfileConfig;
use crate::prelude::*;
use crate::value::put;
use crate::Value;

type Step = fn(Value, &ProfileConfig) -> Result<Value, &'static str>;

/// `STEPS[i]` upgrades version `i + 1` to `i + 2`.
const STEPS: &[Step] = &[v1_to_v2];

/// Upgrades a stored profile of version `from` to the current schema.
pub(crate) fn upgrade(
    mut value: Value,
    from: u32,
    config: &ProfileConfig,
) -> Result<Value, &'static str> {
    let first = (from as usize)
        .checked_sub(1)
        .ok_or("stored profile discarded: no schema version")?;
    for step in STEPS.get(first..).unwrap_or(&[]) {
        value = step(value, config)?;
    }
    value.insert("v", Value::Number(f64::from(super::SCHEMA_VERSION)));
    Ok(value)
}

fn v1_to_v2(old: Value, config: &ProfileConfig) -> Result<Value, &'static str> {
    const BAD: &str = "stored profile discarded: malformed version 1 profile";
    let members = old.as_object().ok_or(BAD)?;
    let seen = old.get("seen").and_then(Value::as_f64).ok_or(BAD)?;
    let mut new = Vec::with_capacity(members.len() + 4);
    for (key, value) in members {
        match key.as_str() {
            "visits" => new.push(("sessions".to_owned(), value.clone())),
            "pet" => {
                let pet = value.as_str().ok_or(BAD)?;
                new.push((
                    "pet".to_owned(),
                    Value::Object(vec![
                        ("value".to_owned(), Value::from(pet)),
                        ("source".to_owned(), Value::from("declared")),
                        ("confidence".to_owned(), Value::Number(1.0)),
                    ]),
                ));
            }
            "topics" => {
                // One reference time for all: each score decayed from its own time to the latest.
                let rows = value.as_array().ok_or(BAD)?;
                let mut parsed = Vec::with_capacity(rows.len());
                for row in rows {
                    let row = row.as_array().filter(|r| r.len() == 3).ok_or(BAD)?;
                    let topic = row[0].as_str().ok_or(BAD)?;
                    let score = row[1].as_f64().ok_or(BAD)?;
                    let at = row[2].as_f64().filter(|t| t.is_finite()).ok_or(BAD)?;
                    parsed.push((topic, score, at));
                }
                let at = parsed.iter().map(|r| r.2).fold(0.0, f64::max);
                let mut scores = Vec::with_capacity(parsed.len());
                for (t, s, when) in parsed {
                    let decayed = s * decay(at - when, config.topic_half_life_ms);
                    put(&mut scores, t, Value::Number(decayed));
                }
                put(&mut new, "topicsAt", Value::Number(at));
                put(&mut new, "topics", Value::Object(scores));
            }
            "events" => {
                // Version 1 kept no times: the last visit is the best guess.
                let counts = value.as_object().ok_or(BAD)?;
                let mut rows = Vec::with_capacity(counts.len());
                for (name, n) in counts {
                    let row = vec![n.clone(), Value::Number(seen)];
                    rows.push((name.clone(), Value::Array(row)));
                }
                put(&mut new, "events", Value::Object(rows));
            }
            "utm" => {
                // Version 1 kept only the latest campaign; the first touch is unknown.
                let mut touch = value.as_object().ok_or(BAD)?.to_vec();
                put(&mut touch, "at", Value::Number(seen));
                put(&mut new, "lastTouch", Value::Object(touch));
            }
            _ => new.push((key.clone(), value.clone())),
        }
    }
    let mut new = Value::Object(new);
    new.insert("sessionStart", Value::Number(seen));
    new.insert("stage", Value::from("awareness"));
    Ok(new)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use crate::platform::SeededRandom;
    use crate::profile::{load, LoadStatus, PetSource, ProfileConfig, Stage, SCHEMA_VERSION};
    use crate::Value;

    const DAY: f64 = 86_400_000.0;

    #[test]
    fn there_is_one_step_per_version() {
        assert_eq!(super::STEPS.len() as u32, SCHEMA_VERSION - 1);
    }

    #[test]
    fn a_version_1_profile_is_upgraded_without_losing_anything() {
        let seen = 100.0 * DAY;
        let text = format!(
            r#"{{"v":1,"id":"00ff00ff00ff00ff00ff00ff00ff00ff","created":{c},"seen":{seen},
            "visits":3,"views":12,"pet":"Cat","name":"Ann",
            "topics":[["cats",4,{seen}],["dogs",4,{old}]],
            "events":{{"purchase":2,"product_view":5}},
            "utm":{{"source":"news","medium":"email"}}}}"#,
            c = 10.0 * DAY,
            old = seen - 30.0 * DAY,
        );
        let stored = Value::parse_json(&text).unwrap();
        let cfg = ProfileConfig::default();
        let (p, status) = load(Some(&stored), &cfg, seen + DAY, &mut SeededRandom::new(1));
        assert_eq!(status, LoadStatus::Migrated { from: 1 });
        assert_eq!(p.id, "00ff00ff00ff00ff00ff00ff00ff00ff");
        assert_eq!((p.sessions, p.page_views, p.session_start), (3, 12, seen));
        let pet = p.pet.as_ref().unwrap();
        assert_eq!(
            (pet.value.as_str(), pet.source),
            ("cat", PetSource::Declared)
        );
        assert_eq!(p.name.as_deref(), Some("Ann"));
        assert_eq!(p.topics.at, seen);
        assert!((p.topics.score("cats", seen, cfg.topic_half_life_ms) - 4.0).abs() < 1e-9);
        assert!((p.topics.score("dogs", seen, cfg.topic_half_life_ms) - 2.0).abs() < 1e-9);
        assert_eq!(p.event_count("purchase"), 2);
        assert_eq!(
            p.stage,
            Stage::Loyalty,
            "the stage is derived right after migrating"
        );
        assert_eq!(
            p.last_touch.as_ref().unwrap().source.as_deref(),
            Some("news")
        );
        assert_eq!(p.first_touch, None);
        // Saved again, it is a version 2 profile that loads as such.
        let again = crate::profile::encode(&p);
        assert_eq!(again.get("v").and_then(Value::as_f64), Some(2.0));
        let (q, status) = load(Some(&again), &cfg, seen + DAY, &mut SeededRandom::new(2));
        assert_eq!(status, LoadStatus::Loaded);
        assert_eq!(q, p);
    }

    #[test]
    fn a_broken_version_1_profile_is_discarded() {
        let stored = Value::parse_json(
            r#"{"v":1,"id":"ab","created":1,"seen":2,"visits":1,"views":1,"topics":[["cats","x",1]]}"#,
        )
        .unwrap();
        let (_, status) = load(
            Some(&stored),
            &ProfileConfig::default(),
            3.0,
            &mut SeededRandom::new(1),
        );
        assert!(matches!(status, LoadStatus::Discarded(_)), "{status:?}");
    }
}
