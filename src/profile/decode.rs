//! Decoding the stored form (schema in `codec.rs`) into a [`Profile`], strictly: a value of the
//! wrong type anywhere rejects the whole profile with a static reason, because half a profile
//! would make decisions on data that is not what the visitor did. Sizes are not errors: they are
//! cut back to the configured bounds (most recent kept).

use super::codec::Result;
use super::{clean_key, Campaign, EventCount, Exposure, Pet, PetSource, Profile};
use super::{ProfileConfig, Stage, Topics, MAX_ERASE_PENDING};
use crate::context::clip;
use crate::float;
use crate::geo::{Geo, GeoSource, Hemisphere};
use crate::prelude::*;
use crate::Value;

/// Decodes a current-version stored profile, bounding it to `config`.
pub(crate) fn decode(v: &Value, cfg: &ProfileConfig) -> Result<Profile> {
    const BAD: &str = "stored profile discarded: malformed core fields";
    let id = v
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| crate::visitor_id::is_visitor_id(id))
        .ok_or(BAD)?;
    let mut p = Profile::new(id.to_owned(), req_time(v, "created").ok_or(BAD)?);
    p.last_seen = req_time(v, "seen").ok_or(BAD)?;
    p.sessions = req_count(v, "sessions").ok_or(BAD)?;
    p.session_start = req_time(v, "sessionStart").ok_or(BAD)?;
    p.page_views = req_count(v, "views").ok_or(BAD)?;
    p.stage = v
        .get("stage")
        .and_then(Value::as_str)
        .and_then(Stage::parse)
        .ok_or("stored profile discarded: bad stage")?;
    if let Some(g) = v.get("geo") {
        p.geo = Some(decode_geo(g).ok_or("stored profile discarded: bad geo")?);
    }
    if let Some(pet) = v.get("pet") {
        p.pet = Some(decode_pet(pet).ok_or("stored profile discarded: bad pet")?);
    }
    if let Some(name) = v.get("name") {
        let name = name.as_str().ok_or("stored profile discarded: bad name")?;
        p.name = Some(clip(name, cfg.max_name_chars));
    }
    p.topics = decode_topics(v, cfg).ok_or("stored profile discarded: bad topics")?;
    p.events = decode_events(v, cfg).ok_or("stored profile discarded: bad events")?;
    for (key, slot) in [
        ("firstTouch", &mut p.first_touch),
        ("lastTouch", &mut p.last_touch),
    ] {
        if let Some(t) = v.get(key) {
            *slot = Some(decode_touch(t).ok_or("stored profile discarded: bad campaign touch")?);
        }
    }
    p.exposures = decode_exposures(v, cfg).ok_or("stored profile discarded: bad exposures")?;
    p.assignments =
        decode_assignments(v, cfg).ok_or("stored profile discarded: bad assignments")?;
    p.custom = decode_custom(v, cfg).ok_or("stored profile discarded: bad custom attributes")?;
    if let Some(t) = v.get("erasedAt") {
        p.erased_at = t.as_f64().filter(|t| t.is_finite()).ok_or(BAD)?;
    }
    p.erase_pending = recent_ids(v, "erasePending", MAX_ERASE_PENDING).ok_or(BAD)?;
    p.applied = recent_ids(v, "applied", super::MAX_APPLIED).ok_or(BAD)?;
    Ok(p)
}

/// The last `max` ids of the list at `key` (none when absent); `None` when any is not an id.
fn recent_ids(v: &Value, key: &str, max: usize) -> Option<Vec<String>> {
    let Some(list) = v.get(key) else {
        return Some(Vec::new());
    };
    let list = list.as_array()?;
    let mut ids = Vec::new();
    for id in &list[list.len().saturating_sub(max)..] {
        ids.push(id.as_str().filter(|id| valid_op_id(id))?.to_owned());
    }
    Some(ids)
}

/// An op id as a tab makes it (`tab-counter`), read back from the stored `applied` list.
pub(crate) fn valid_op_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn req_time(v: &Value, key: &str) -> Option<f64> {
    v.get(key)?.as_f64().filter(|t| t.is_finite())
}

fn req_count(v: &Value, key: &str) -> Option<u32> {
    count(v.get(key)?)
}

fn count(v: &Value) -> Option<u32> {
    let n = v.as_f64().filter(|n| n.is_finite() && *n >= 0.0)?;
    Some(n.min(f64::from(u32::MAX)) as u32)
}

fn string(v: Option<&Value>, max: usize) -> Option<Option<String>> {
    match v {
        None => Some(None),
        Some(v) => Some(Some(clip(v.as_str()?, max))),
    }
}

fn decode_geo(g: &Value) -> Option<Geo> {
    g.as_object()?;
    let hemisphere = match g.get("hemisphere") {
        None => None,
        Some(h) => Some(Hemisphere::parse(h.as_str()?)?),
    };
    Some(Geo {
        country: string(g.get("country"), 2)?,
        region: string(g.get("region"), 6)?,
        time_zone: string(g.get("tz"), 64)?,
        hemisphere,
        source: GeoSource::parse(g.get("source")?.as_str()?)?,
    })
}

fn decode_pet(v: &Value) -> Option<Pet> {
    let confidence = v
        .get("confidence")?
        .as_f64()
        .filter(|c| (0.0..=1.0).contains(c))?;
    Some(Pet {
        value: clip(
            &v.get("value")?.as_str()?.to_ascii_lowercase(),
            super::pet::MAX_PET_CHARS,
        ),
        source: PetSource::parse(v.get("source")?.as_str()?)?,
        confidence,
    })
}

fn members<'a>(v: &'a Value, key: &str) -> Option<&'a [(String, Value)]> {
    match v.get(key) {
        None => Some(&[]),
        Some(m) => m.as_object(),
    }
}

fn decode_topics(v: &Value, cfg: &ProfileConfig) -> Option<Topics> {
    let at = match v.get("topicsAt") {
        None => 0.0,
        Some(t) => t.as_f64().filter(|t| t.is_finite())?,
    };
    let mut topics = Topics {
        at,
        scores: Vec::new(),
    };
    for (topic, score) in members(v, "topics")? {
        let score = score.as_f64().filter(|s| s.is_finite() && *s >= 0.0)?;
        if let Some(topic) = clean_key(topic, cfg.max_key_chars) {
            topics
                .scores
                .push((topic, score.min(super::topics::MAX_SCORE)));
        }
    }
    topics.bound(cfg.max_topics);
    Some(topics)
}

fn decode_events(v: &Value, cfg: &ProfileConfig) -> Option<Vec<EventCount>> {
    let mut events = Vec::new();
    for (name, row) in members(v, "events")? {
        let row = row.as_array().filter(|r| r.len() == 2)?;
        let (count, last) = (count(&row[0])?, row[1].as_f64().filter(|t| t.is_finite())?);
        if let Some(name) = clean_key(name, cfg.max_key_chars) {
            events.push(EventCount { name, count, last });
        }
    }
    keep_latest(&mut events, cfg.max_events, |e| e.last);
    Some(events)
}

fn decode_touch(t: &Value) -> Option<Campaign> {
    t.as_object()?;
    let mut c = Campaign {
        at: t.get("at")?.as_f64().filter(|t| t.is_finite())?,
        ..Campaign::default()
    };
    for (i, (field, _)) in super::campaign::FIELDS.iter().enumerate() {
        *c.field_mut(i) = string(t.get(field), super::campaign::MAX_CAMPAIGN_CHARS)?;
    }
    c.referrer = string(t.get("referrer"), 253)?;
    Some(c)
}

fn decode_exposures(v: &Value, cfg: &ProfileConfig) -> Option<Vec<Exposure>> {
    let mut out = Vec::new();
    for (rule, row) in members(v, "exposures")? {
        let row = row.as_array().filter(|r| r.len() == 5)?;
        let day = row[3]
            .as_f64()
            .filter(|d| d.is_finite() && float::fract(*d) == 0.0)?;
        let e = Exposure {
            rule: String::new(),
            lifetime: count(&row[0])?,
            session: count(&row[1])?,
            day_count: count(&row[2])?,
            day: day as i64,
            last: row[4].as_f64().filter(|t| t.is_finite())?,
        };
        if let Some(rule) = clean_key(rule, cfg.max_key_chars) {
            out.push(Exposure { rule, ..e });
        }
    }
    keep_latest(&mut out, cfg.max_exposures, |e| e.last);
    Some(out)
}

fn decode_assignments(v: &Value, cfg: &ProfileConfig) -> Option<Vec<(String, u32)>> {
    let mut out = Vec::new();
    for (id, variation) in members(v, "assignments")? {
        let variation = count(variation)?;
        if let Some(id) = clean_key(id, cfg.max_key_chars) {
            out.push((id, variation));
        }
    }
    let excess = out.len().saturating_sub(cfg.max_assignments);
    out.drain(..excess);
    Some(out)
}

fn decode_custom(v: &Value, cfg: &ProfileConfig) -> Option<Vec<(String, Value)>> {
    let mut out = Vec::new();
    for (key, value) in members(v, "custom")? {
        let value = match value {
            Value::String(s) => Value::String(clip(s, cfg.max_name_chars)),
            Value::Number(n) if n.is_finite() => Value::Number(*n),
            Value::Bool(b) => Value::Bool(*b),
            _ => return None,
        };
        if let Some(key) = clean_key(key, cfg.max_key_chars) {
            if out.len() < cfg.max_custom {
                out.push((key, value));
            }
        }
    }
    Some(out)
}

/// Keeps the `max` items with the latest time (most recent first).
fn keep_latest<T>(items: &mut Vec<T>, max: usize, time: fn(&T) -> f64) {
    if items.len() > max {
        super::topics::keep_highest(items, max, time);
    }
}
