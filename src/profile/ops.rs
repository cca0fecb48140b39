//! Ops: the only way a profile changes. The shell records one op per thing that happened and
//! keeps this tab's unsaved ops; saving replays them onto whatever is stored by then (see
//! `live.rs`), so every op must make sense applied to a profile another tab has moved on.
//! Counts add up, times take the maximum, and a better geo source is never replaced by a worse.

use super::{clean_key, exposure, finite, infer_pet, Campaign, EventCount, Pet, PetSource};
use super::{Profile, ProfileConfig};
use crate::context::{clip, PageContext};
use crate::geo::{self, Geo};
use crate::prelude::*;
use crate::text_value::clean_text;
use crate::Value;

/// One change to the profile. Every op carries its time (`at`, ms).
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// A page view: counts the view (and a new session after the idle time), adds the page's
    /// topics (name, weight; 1.0 is one ordinary view) and records a campaign touch.
    PageView {
        at: f64,
        topics: Vec<(String, f64)>,
        campaign: Option<Campaign>,
    },
    /// Interest in a topic outside a page view (a click on a "cat toys" tab).
    Topic { at: f64, topic: String, weight: f64 },
    /// A named event (`product_view`, `add_to_cart`, `purchase`, `cta_click` …).
    Event { at: f64, name: String },
    /// `tailor.set(path, value)`: `name` and `pet` are declarations; any other key is a custom
    /// attribute (string, number or boolean; `null` removes it).
    Set { at: f64, path: String, value: Value },
    /// A form's answers (the short "name and pet" form); `None` leaves a field as it is.
    Declare {
        at: f64,
        name: Option<String>,
        pet: Option<String>,
    },
    /// Where the visitor is (from [`page_ops`]).
    Geo { at: f64, geo: Geo },
    /// A rule was shown to the visitor, on local day `day` (for frequency caps).
    Exposure { at: f64, rule: String, day: i64 },
    /// The visitor was assigned variation `variation` of experiment (or rule) `id`.
    Assign { at: f64, id: String, variation: u32 },
}

impl Op {
    pub fn at(&self) -> f64 {
        match self {
            Op::PageView { at, .. }
            | Op::Topic { at, .. }
            | Op::Event { at, .. }
            | Op::Set { at, .. }
            | Op::Declare { at, .. }
            | Op::Geo { at, .. }
            | Op::Exposure { at, .. }
            | Op::Assign { at, .. } => *at,
        }
    }

    /// An exposure of `rule` at the context's time and local day.
    pub fn exposure(rule: &str, ctx: &PageContext) -> Op {
        Op::Exposure {
            at: ctx.now,
            rule: rule.to_owned(),
            day: ctx.day_number(),
        }
    }
}

/// Where the visitor is, as the context says (hint, then site config, then time zone), recorded
/// `at`; `None` when nothing places them.
pub fn geo_op(ctx: &PageContext, config: &ProfileConfig, at: f64) -> Option<Op> {
    let geo = geo::resolve(
        ctx.geo_hint.as_deref(),
        config.geo.as_deref(),
        ctx.time_zone.as_deref(),
    )?;
    Some(Op::Geo { at, geo })
}

/// The ops a page load records: where the visitor is ([`geo_op`]) and the page view itself with
/// its topics and campaign touch.
pub fn page_ops(ctx: &PageContext, topics: &[(&str, f64)], config: &ProfileConfig) -> Vec<Op> {
    let mut ops = Vec::with_capacity(2);
    if let Some(op) = geo_op(ctx, config, ctx.now) {
        ops.push(op);
    }
    ops.push(Op::PageView {
        at: ctx.now,
        topics: {
            let mut list = Vec::with_capacity(topics.len());
            for (t, w) in topics {
                list.push(((*t).to_owned(), *w));
            }
            list
        },
        campaign: Campaign::from_page(ctx),
    });
    ops
}

/// Applies `ops` in order, then refreshes what is derived (inferred pet, stage).
pub fn apply_all(profile: &mut Profile, ops: &[Op], config: &ProfileConfig) {
    for op in ops {
        apply_one(profile, op, config);
    }
    refresh(profile, config);
}

/// Applies one op and refreshes what is derived.
pub fn apply(profile: &mut Profile, op: &Op, config: &ProfileConfig) {
    apply_one(profile, op, config);
    refresh(profile, config);
}

fn apply_one(p: &mut Profile, op: &Op, cfg: &ProfileConfig) {
    let Some(at) = finite(op.at()) else { return };
    // Ops from before an erase belong to the erased profile; one in the erase's own millisecond
    // came after it (`tailor.forget()` then `tailor.set(...)` in one click handler).
    if p.erased_at > 0.0 && at < p.erased_at {
        return;
    }
    match op {
        Op::PageView {
            topics, campaign, ..
        } => {
            if p.sessions == 0 || at - p.last_seen > cfg.session_idle_ms {
                p.sessions = p.sessions.saturating_add(1);
                p.session_start = at;
            }
            p.page_views = p.page_views.saturating_add(1);
            for (topic, weight) in topics {
                add_topic(p, topic, *weight, at, cfg);
            }
            if let Some(c) = campaign {
                let c = Campaign { at, ..c.clone() };
                if p.first_touch.as_ref().is_none_or(|f| at < f.at) {
                    p.first_touch = Some(c.clone());
                }
                if p.last_touch.as_ref().is_none_or(|l| at >= l.at) {
                    p.last_touch = Some(c);
                }
            }
        }
        Op::Topic { topic, weight, .. } => add_topic(p, topic, *weight, at, cfg),
        Op::Event { name, .. } => {
            let Some(name) = clean_key(name, cfg.max_key_chars) else {
                return;
            };
            match p.events.iter_mut().find(|e| e.name == name) {
                Some(e) => {
                    e.count = e.count.saturating_add(1);
                    e.last = e.last.max(at);
                }
                None => p.events.push(EventCount {
                    name,
                    count: 1,
                    last: at,
                }),
            }
            if p.events.len() > cfg.max_events {
                if let Some(i) = (0..p.events.len())
                    .min_by(|&a, &b| p.events[a].last.total_cmp(&p.events[b].last))
                {
                    p.events.remove(i);
                }
            }
        }
        Op::Set { path, value, .. } => set(p, path, value, cfg),
        Op::Declare { name, pet, .. } => {
            if let Some(name) = name {
                declare_name(p, name, cfg);
            }
            if let Some(pet) = pet {
                declare_pet(p, pet);
            }
        }
        Op::Geo { geo, .. } => {
            if p.geo.as_ref().is_none_or(|g| geo.source >= g.source) {
                p.geo = Some(bound_geo(geo));
            }
        }
        Op::Exposure { rule, day, .. } => {
            if let Some(rule) = clean_key(rule, cfg.max_key_chars) {
                exposure::record(p, rule, at, *day, cfg.max_exposures);
            }
        }
        Op::Assign { id, variation, .. } => {
            let Some(id) = clean_key(id, cfg.max_key_chars) else {
                return;
            };
            super::remove_key(&mut p.assignments, &id);
            p.assignments.push((id, *variation));
            let excess = p.assignments.len().saturating_sub(cfg.max_assignments);
            p.assignments.drain(..excess);
        }
    }
    // Where the visitor is comes with each page load, before its page view: it is not activity,
    // or it would keep every session of a visitor with a known place open forever.
    if !matches!(op, Op::Geo { .. }) {
        p.last_seen = p.last_seen.max(at);
    }
}

fn add_topic(p: &mut Profile, topic: &str, weight: f64, at: f64, cfg: &ProfileConfig) {
    if let Some(topic) = clean_key(&topic.to_ascii_lowercase(), cfg.max_key_chars) {
        p.topics
            .add(&topic, weight, at, cfg.topic_half_life_ms, cfg.max_topics);
    }
}

fn set(p: &mut Profile, path: &str, value: &Value, cfg: &ProfileConfig) {
    match (path, value) {
        ("name", Value::Null) => p.name = None,
        ("name", Value::String(s)) => declare_name(p, s, cfg),
        ("pet", Value::Null) => p.pet = None,
        ("pet", Value::String(s)) => declare_pet(p, s),
        ("name" | "pet", _) => {}
        _ => {
            let Some(key) = clean_key(path, cfg.max_key_chars) else {
                return;
            };
            let value = match value {
                Value::Null => {
                    super::remove_key(&mut p.custom, &key);
                    return;
                }
                Value::String(s) => Value::String(clean_text(s, cfg.max_name_chars)),
                Value::Number(n) if n.is_finite() => Value::Number(*n),
                Value::Bool(b) => Value::Bool(*b),
                // Objects, arrays and non-finite numbers are not attributes a form can set.
                _ => return,
            };
            let full = p.custom.len() >= cfg.max_custom;
            match p.custom.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None if !full => p.custom.push((key, value)),
                None => {}
            }
        }
    }
}

fn declare_name(p: &mut Profile, name: &str, cfg: &ProfileConfig) {
    let name = clean_text(name, cfg.max_name_chars);
    p.name = (!name.is_empty()).then_some(name);
}

fn declare_pet(p: &mut Profile, pet: &str) {
    let value = clean_text(&pet.to_ascii_lowercase(), super::pet::MAX_PET_CHARS);
    p.pet = (!value.is_empty()).then_some(Pet {
        value,
        source: PetSource::Declared,
        confidence: 1.0,
    });
}

fn bound_geo(geo: &Geo) -> Geo {
    Geo {
        time_zone: geo.time_zone.as_deref().map(|z| clip(z, 64)),
        ..geo.clone()
    }
}

/// Re-derives the inferred pet (a declared one always stays) and the furthest stage reached.
pub(crate) fn refresh(p: &mut Profile, cfg: &ProfileConfig) {
    if p.pet
        .as_ref()
        .is_none_or(|pet| pet.source == PetSource::Inferred)
    {
        p.pet = infer_pet(&p.topics, &cfg.pet);
    }
    p.stage = p.stage.max(super::derive_stage(p, &cfg.stage));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::GeoSource;
    use crate::profile::Stage;

    const MIN: f64 = 60_000.0;

    fn view(at: f64, topics: &[(&str, f64)]) -> Op {
        Op::PageView {
            at,
            topics: topics.iter().map(|(t, w)| ((*t).into(), *w)).collect(),
            campaign: None,
        }
    }

    fn event(at: f64, name: &str) -> Op {
        Op::Event {
            at,
            name: name.into(),
        }
    }

    #[test]
    fn a_new_session_starts_after_30_idle_minutes() {
        let cfg = ProfileConfig::default();
        let mut p = Profile::new("x".into(), 0.0);
        let ops = [
            view(0.0, &[]),
            view(10.0 * MIN, &[]),
            view(39.0 * MIN, &[]),
            view(70.0 * MIN, &[]),
        ];
        apply_all(&mut p, &ops, &cfg);
        assert_eq!(
            (p.sessions, p.page_views, p.session_start),
            (2, 4, 70.0 * MIN)
        );
        // Events keep a session alive too.
        apply_all(
            &mut p,
            &[event(95.0 * MIN, "scroll"), view(120.0 * MIN, &[])],
            &cfg,
        );
        assert_eq!(p.sessions, 2);
        assert_eq!(p.last_seen, 120.0 * MIN);
    }

    #[test]
    fn events_count_and_the_least_recent_is_evicted() {
        let cfg = ProfileConfig {
            max_events: 2,
            ..ProfileConfig::default()
        };
        let mut p = Profile::new("x".into(), 0.0);
        apply_all(
            &mut p,
            &[
                event(1.0, "a"),
                event(2.0, "b"),
                event(3.0, "a"),
                event(4.0, "c"),
            ],
            &cfg,
        );
        assert_eq!(p.event_count("a"), 2);
        assert_eq!(p.event_count("b"), 0);
        assert_eq!(p.event_count("c"), 1);
        apply(&mut p, &event(5.0, "  "), &cfg);
        assert_eq!(p.events.len(), 2);
    }

    #[test]
    fn stage_follows_events_and_never_goes_back() {
        let cfg = ProfileConfig {
            max_events: 1,
            ..ProfileConfig::default()
        };
        let mut p = Profile::new("x".into(), 0.0);
        apply(&mut p, &view(0.0, &[]), &cfg);
        assert_eq!(p.stage, Stage::Awareness);
        apply(&mut p, &event(1.0, "add_to_cart"), &cfg);
        assert_eq!(p.stage, Stage::Consideration);
        apply(&mut p, &event(2.0, "newsletter"), &cfg);
        assert_eq!(
            p.stage,
            Stage::Consideration,
            "the cart event was evicted, the stage stays"
        );
    }

    #[test]
    fn declared_pet_wins_over_inference() {
        let cfg = ProfileConfig::default();
        let mut p = Profile::new("x".into(), 0.0);
        apply_all(
            &mut p,
            &[view(0.0, &[("Cats", 1.0), ("cat-food", 2.0)])],
            &cfg,
        );
        let pet = p.pet.clone().unwrap();
        assert_eq!(
            (pet.value.as_str(), pet.source),
            ("cat", PetSource::Inferred)
        );
        apply(
            &mut p,
            &Op::Declare {
                at: 1.0,
                name: Some("  Ann ".into()),
                pet: Some("Dog".into()),
            },
            &cfg,
        );
        apply(&mut p, &view(2.0, &[("cats", 10.0)]), &cfg);
        let pet = p.pet.clone().unwrap();
        assert_eq!(
            (pet.value.as_str(), pet.source, pet.confidence),
            ("dog", PetSource::Declared, 1.0)
        );
        assert_eq!(p.name.as_deref(), Some("Ann"));
        apply(
            &mut p,
            &Op::Set {
                at: 3.0,
                path: "pet".into(),
                value: Value::Null,
            },
            &cfg,
        );
        assert_eq!(p.pet.as_ref().unwrap().source, PetSource::Inferred);
    }

    #[test]
    fn set_bounds_hostile_values() {
        let cfg = ProfileConfig {
            max_custom: 2,
            ..ProfileConfig::default()
        };
        let mut p = Profile::new("x".into(), 0.0);
        let evil = "<img src=x onerror=alert(1)>".repeat(20);
        let ops = [
            Op::Set {
                at: 1.0,
                path: "name".into(),
                value: Value::from(evil.as_str()),
            },
            Op::Set {
                at: 1.0,
                path: "plan".into(),
                value: Value::from("gold"),
            },
            Op::Set {
                at: 1.0,
                path: "age.years".into(),
                value: Value::Number(3.0),
            },
            Op::Set {
                at: 1.0,
                path: "third".into(),
                value: Value::Bool(true),
            },
            Op::Set {
                at: 1.0,
                path: "obj".into(),
                value: Value::Object(vec![]),
            },
            Op::Set {
                at: 1.0,
                path: "name".into(),
                value: Value::Number(1.0),
            },
        ];
        apply_all(&mut p, &ops, &cfg);
        assert_eq!(p.name.as_ref().unwrap().chars().count(), 64);
        assert_eq!(
            p.custom,
            vec![
                ("plan".into(), Value::from("gold")),
                ("age-years".into(), Value::Number(3.0))
            ]
        );
        apply(
            &mut p,
            &Op::Set {
                at: 2.0,
                path: "plan".into(),
                value: Value::Null,
            },
            &cfg,
        );
        assert_eq!(p.custom.len(), 1);
    }

    #[test]
    fn a_better_geo_source_is_kept() {
        let cfg = ProfileConfig::default();
        let mut p = Profile::new("x".into(), 0.0);
        let hint = geo::resolve(Some("JP-01"), None, None).unwrap();
        let zone = geo::resolve(None, None, Some("Asia/Tokyo")).unwrap();
        apply(&mut p, &Op::Geo { at: 1.0, geo: hint }, &cfg);
        apply(&mut p, &Op::Geo { at: 2.0, geo: zone }, &cfg);
        assert_eq!(p.geo.as_ref().unwrap().source, GeoSource::Hint);
        assert_eq!(p.geo.as_ref().unwrap().region.as_deref(), Some("JP-01"));
    }

    #[test]
    fn a_visitor_with_a_known_place_starts_a_new_session_after_the_idle_time() {
        let cfg = ProfileConfig::default();
        let mut p = Profile::new("x".into(), 0.0);
        for minutes in [0.0, 10.0, 120.0] {
            let mut ctx = PageContext::new(minutes * MIN, "https://shop.example/");
            ctx.time_zone = Some("Europe/Berlin".into());
            apply_all(&mut p, &page_ops(&ctx, &[], &cfg), &cfg);
        }
        assert_eq!((p.sessions, p.page_views), (2, 3));
        assert_eq!(p.session_start, 120.0 * MIN);
        assert_eq!(p.geo.as_ref().unwrap().country.as_deref(), Some("DE"));
    }

    #[test]
    fn campaigns_keep_first_and_last_touch() {
        let cfg = ProfileConfig::default();
        let mut p = Profile::new("x".into(), 0.0);
        let mut ctx = PageContext::new(1_000.0, "https://shop.example/?utm_source=ads");
        ctx.time_zone = Some("Australia/Sydney".into());
        apply_all(&mut p, &page_ops(&ctx, &[("dogs", 1.0)], &cfg), &cfg);
        let ctx = PageContext::new(2_000.0, "https://shop.example/?utm_source=mail");
        apply_all(&mut p, &page_ops(&ctx, &[], &cfg), &cfg);
        let ctx = PageContext::new(3_000.0, "https://shop.example/next");
        apply_all(&mut p, &page_ops(&ctx, &[], &cfg), &cfg);
        assert_eq!(
            p.first_touch.as_ref().unwrap().source.as_deref(),
            Some("ads")
        );
        assert_eq!(
            p.last_touch.as_ref().unwrap().source.as_deref(),
            Some("mail")
        );
        assert_eq!(p.geo.as_ref().unwrap().country.as_deref(), Some("AU"));
        assert_eq!(p.page_views, 3);
    }

    #[test]
    fn assignments_replace_and_stay_bounded_and_bad_times_are_ignored() {
        let cfg = ProfileConfig {
            max_assignments: 2,
            ..ProfileConfig::default()
        };
        let mut p = Profile::new("x".into(), 0.0);
        for (i, id) in ["a", "b", "a", "c"].iter().enumerate() {
            apply(
                &mut p,
                &Op::Assign {
                    at: 1.0,
                    id: (*id).into(),
                    variation: i as u32,
                },
                &cfg,
            );
        }
        assert_eq!(p.assignments, vec![("a".into(), 2), ("c".into(), 3)]);
        assert_eq!(p.assignment("a"), Some(2));
        apply(&mut p, &view(f64::NAN, &[]), &cfg);
        assert_eq!(p.page_views, 0);
        p.erased_at = 10.0;
        apply(&mut p, &view(5.0, &[]), &cfg);
        assert_eq!(p.page_views, 0, "ops from before an erase are dropped");
        apply(&mut p, &view(10.0, &[]), &cfg);
        assert_eq!(
            p.page_views, 1,
            "an op in the erase's millisecond came after it"
        );
    }

    #[test]
    fn control_characters_never_reach_the_profile() {
        let cfg = ProfileConfig::default();
        let mut p = Profile::new("x".into(), 0.0);
        let ops = [
            Op::Set {
                at: 1.0,
                path: "pet".into(),
                value: Value::from("ca\u{7}t"),
            },
            Op::Set {
                at: 1.0,
                path: "fav\u{1b}".into(),
                value: Value::from("do\u{7f}g"),
            },
            Op::Declare {
                at: 1.0,
                name: Some(" Ha\u{0}na\u{85} ".into()),
                pet: None,
            },
            view(2.0, &[("cats", 1.0), (" news\u{8}", 1.0)]),
        ];
        apply_all(&mut p, &ops, &cfg);
        assert_eq!(p.pet.as_ref().map(|pet| pet.value.as_str()), Some("cat"));
        assert_eq!(p.name.as_deref(), Some("Hana"));
        assert_eq!(p.custom, vec![("fav".to_string(), Value::from("dog"))]);
        let topics: Vec<String> = p
            .topics
            .ranked(2.0, cfg.topic_half_life_ms)
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        assert_eq!(topics.len(), 2);
        assert!(topics.contains(&"news".to_string()), "{topics:?}");
    }
}
