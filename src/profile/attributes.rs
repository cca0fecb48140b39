//! The attributes object that rule conditions evaluate: the profile plus the page context, as one
//! [`Value`] whose dot paths are the attribute names site owners write.
//!
//! | attribute | meaning |
//! | --- | --- |
//! | `id` | the anonymous visitor id (for bucketing) |
//! | `visits`, `pageViews` | sessions and page views so far |
//! | `stage` | `awareness` `interest` `consideration` `purchase` `loyalty` |
//! | `pet`, `petSource`, `petConfidence` | declared or inferred pet (`cat`), `declared`/`inferred`, 0–1 |
//! | `name` | declared name (absent when not given) |
//! | `geo.country`, `geo.region`, `geo.hemisphere`, `geo.timeZone`, `geo.source` | coarse location |
//! | `topics.<topic>` | interest score now (decayed; about 1 per recent view) |
//! | `events.<name>` | how many times the event happened |
//! | `utm.source` `utm.medium` `utm.campaign` `utm.term` `utm.content` `utm.referrer` | **last** campaign touch (`referrer` = external referrer host) |
//! | `firstUtm.*` | the same fields of the **first** touch |
//! | `url`, `path`, `query.<param>`, `referrer`, `device`, `lang`, `hour`, `weekday`, `season` | page context (see `context.rs`) |
//! | any other key | a custom attribute set with `tailor.set`, unless it would hide one above |
//!
//! Missing knowledge is a missing attribute (never an empty string), so `$exists` works.

use super::{derive_stage, Campaign, Profile, ProfileConfig};
use crate::context::PageContext;
use crate::geo;
use crate::prelude::*;
use crate::value::put;
use crate::Value;

/// Builds the attributes for deciding on this page.
pub fn attributes(profile: &Profile, ctx: &PageContext, config: &ProfileConfig) -> Value {
    let mut out: Vec<(String, Value)> = Vec::with_capacity(32);
    put(&mut out, "id", Value::from(profile.id.as_str()));
    put(
        &mut out,
        "visits",
        Value::Number(f64::from(profile.sessions)),
    );
    put(
        &mut out,
        "pageViews",
        Value::Number(f64::from(profile.page_views)),
    );
    let stage = profile.stage.max(derive_stage(profile, &config.stage));
    put(&mut out, "stage", Value::from(stage.as_str()));
    if let Some(pet) = &profile.pet {
        put(&mut out, "pet", Value::from(pet.value.as_str()));
        put(&mut out, "petSource", Value::from(pet.source.as_str()));
        put(&mut out, "petConfidence", Value::Number(pet.confidence));
    }
    if let Some(name) = &profile.name {
        put(&mut out, "name", Value::from(name.as_str()));
    }
    // The stored geo, or (before the page's ops are applied) what this page says.
    let fallback;
    let geo = match &profile.geo {
        Some(g) => Some(g),
        None => {
            fallback = geo::resolve(
                ctx.geo_hint.as_deref(),
                config.geo.as_deref(),
                ctx.time_zone.as_deref(),
            );
            fallback.as_ref()
        }
    };
    if let Some(g) = geo {
        let mut o = Vec::new();
        let mut field = |k: &str, v: Option<&str>| {
            if let Some(v) = v {
                put(&mut o, k, Value::from(v));
            }
        };
        field("country", g.country.as_deref());
        field("region", g.region.as_deref());
        field("hemisphere", g.hemisphere.map(geo::Hemisphere::as_str));
        field("timeZone", g.time_zone.as_deref());
        field("source", Some(g.source.as_str()));
        put(&mut out, "geo", Value::Object(o));
    }
    let mut topics = Vec::new();
    for (t, s) in profile.topics.ranked(ctx.now, config.topic_half_life_ms) {
        topics.push((t, Value::Number(super::topics::round2(s))));
    }
    put(&mut out, "topics", Value::Object(topics));
    let mut events = Vec::with_capacity(profile.events.len());
    for e in &profile.events {
        events.push((e.name.clone(), Value::Number(f64::from(e.count))));
    }
    put(&mut out, "events", Value::Object(events));
    put(&mut out, "utm", touch(profile.last_touch.as_ref()));
    put(&mut out, "firstUtm", touch(profile.first_touch.as_ref()));
    out.extend(ctx.attributes(geo.and_then(|g| g.hemisphere)));
    for (key, value) in &profile.custom {
        if !out.iter().any(|(k, _)| k == key) {
            out.push((key.clone(), value.clone()));
        }
    }
    Value::Object(out)
}

fn touch(c: Option<&Campaign>) -> Value {
    let mut o = Vec::new();
    if let Some(c) = c {
        for (i, (field, _)) in super::campaign::FIELDS.iter().enumerate() {
            if let Some(v) = c.field(i) {
                put(&mut o, field, Value::from(v));
            }
        }
        if let Some(r) = &c.referrer {
            put(&mut o, "referrer", Value::from(r.as_str()));
        }
    }
    Value::Object(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{apply_all, page_ops, Op};

    const DAY: f64 = 86_400_000.0;

    #[test]
    fn a_hokkaido_cat_person_in_winter() {
        let cfg = ProfileConfig::default();
        let mut p = Profile::new("abc".into(), 0.0);
        // 2024-01-15T00:00:00Z, on a phone, from a newsletter.
        let now = 1_705_276_800_000.0;
        let mut ctx = PageContext::new(now, "https://shop.example/cats?utm_source=news&sort=new");
        ctx.geo_hint = Some("JP-01".into());
        ctx.time_zone = Some("Asia/Tokyo".into());
        ctx.referrer = "https://mail.example/".into();
        let mut ops = page_ops(&ctx, &[("cats", 1.0), ("cat-food", 1.0)], &cfg);
        ops.push(Op::Declare {
            at: now,
            name: Some("Yuki".into()),
            pet: None,
        });
        ops.push(Op::Event {
            at: now,
            name: "product_view".into(),
        });
        ops.push(Op::Set {
            at: now,
            path: "plan".into(),
            value: Value::from("gold"),
        });
        ops.push(Op::Set {
            at: now,
            path: "url".into(),
            value: Value::from("spoofed"),
        });
        apply_all(&mut p, &ops, &cfg);
        let a = attributes(&p, &ctx, &cfg);
        let s = |path: &str| a.get_path(path).and_then(Value::as_str).map(str::to_owned);
        let n = |path: &str| a.get_path(path).and_then(Value::as_f64);
        assert_eq!(s("geo.country").as_deref(), Some("JP"));
        assert_eq!(s("geo.region").as_deref(), Some("JP-01"));
        assert_eq!(s("season").as_deref(), Some("winter"));
        assert_eq!(s("pet").as_deref(), Some("cat"));
        assert_eq!(s("petSource").as_deref(), Some("inferred"));
        assert_eq!(s("name").as_deref(), Some("Yuki"));
        assert_eq!(n("topics.cats"), Some(1.0));
        assert_eq!(n("events.product_view"), Some(1.0));
        assert_eq!(n("visits"), Some(1.0));
        assert_eq!(s("stage").as_deref(), Some("interest"));
        assert_eq!(s("utm.source").as_deref(), Some("news"));
        assert_eq!(s("utm.referrer").as_deref(), Some("mail.example"));
        assert_eq!(s("firstUtm.source").as_deref(), Some("news"));
        assert_eq!(s("query.sort").as_deref(), Some("new"));
        assert_eq!(s("path").as_deref(), Some("/cats"));
        assert_eq!(s("plan").as_deref(), Some("gold"));
        assert_eq!(
            s("url").as_deref(),
            Some(ctx.url.as_str()),
            "custom keys never hide built-ins"
        );
        // A month later the interest has faded by half.
        let later = PageContext::new(now + 30.0 * DAY, "https://shop.example/");
        assert_eq!(
            attributes(&p, &later, &cfg)
                .get_path("topics.cats")
                .and_then(Value::as_f64),
            Some(0.5)
        );
    }

    #[test]
    fn summer_in_sydney_from_the_time_zone_alone() {
        let cfg = ProfileConfig::default();
        let p = Profile::new("abc".into(), 0.0);
        let mut ctx = PageContext::new(1_705_276_800_000.0, "/");
        ctx.time_zone = Some("Australia/Sydney".into());
        let a = attributes(&p, &ctx, &cfg);
        assert_eq!(a.get_path("season").and_then(Value::as_str), Some("summer"));
        assert_eq!(
            a.get_path("geo.source").and_then(Value::as_str),
            Some("timezone")
        );
        assert!(a.get("name").is_none() && a.get("pet").is_none());
        assert_eq!(
            a.get_path("stage").and_then(Value::as_str),
            Some("awareness")
        );
    }
}
