//! Profile storage cost: the stored size of a heavy visitor, and the median native time of one
//! save cycle (load the stored value → apply a page's ops → encode), as `name: value` lines.
//!
//! `cargo bench --bench profile`. Timings are printed, never asserted (machines differ); the size
//! bound is asserted in `tests/profile_budget.rs`.

use std::hint::black_box;
use std::time::Instant;

use tailor::context::PageContext;
use tailor::platform::SeededRandom;
use tailor::profile::{page_ops, LiveProfile, Op, ProfileConfig};
use tailor::Value;

const DAY: f64 = 86_400_000.0;
const START: f64 = 1_700_000_000_000.0;

fn page(at: f64, i: u32) -> PageContext {
    let utm = if i.is_multiple_of(50) {
        "?utm_source=newsletter&utm_medium=email"
    } else {
        ""
    };
    let mut ctx = PageContext::new(at, &format!("https://shop.example/p/{i}{utm}"));
    ctx.time_zone = Some("Asia/Tokyo".into());
    ctx.geo_hint = Some("JP-01".into());
    ctx.referrer = "https://www.google.com/".into();
    ctx
}

/// The heavy visitor of `tests/profile_budget.rs`: 1,000 page views over 200 topics, with
/// events, exposures, experiments and a form.
fn heavy(config: &ProfileConfig) -> Value {
    let mut random = SeededRandom::new(1);
    let (mut tab, _) = LiveProfile::load(None, config, START, &mut random);
    for i in 0..1000u32 {
        let at = START + f64::from(i) * 60.0 * DAY / 1000.0;
        let ctx = page(at, i);
        let (t1, t2) = (
            format!("topic-{}", i % 200),
            format!("topic-{}", (i * 7) % 200),
        );
        tab.record_all(page_ops(&ctx, &[(&t1, 1.0), (&t2, 0.5)], config), config);
        let event = match i % 10 {
            0..=5 => "product_view".to_owned(),
            6 => "add_to_cart".to_owned(),
            7 => "purchase".to_owned(),
            _ => format!("custom-event-{}", i % 150),
        };
        tab.record(Op::Event { at, name: event }, config);
        tab.record(
            Op::Exposure {
                at,
                rule: format!("rule-{}", i % 200),
                day: ctx.day_number(),
            },
            config,
        );
        if i.is_multiple_of(10) {
            tab.record(
                Op::Assign {
                    at,
                    id: format!("experiment-{}", i / 10),
                    variation: i % 3,
                },
                config,
            );
        }
        if i.is_multiple_of(25) {
            let value = Value::from("x".repeat(200));
            tab.record(
                Op::Set {
                    at,
                    path: format!("attr-{}", i / 25),
                    value,
                },
                config,
            );
        }
    }
    tab.record(
        Op::Declare {
            at: START,
            name: Some("Ann".into()),
            pet: Some("cat".into()),
        },
        config,
    );
    tab.prepare_save(None, config, START + 60.0 * DAY, &mut random)
        .value
}

fn median_us(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let config = ProfileConfig::default();
    let stored = heavy(&config);
    let text = stored.to_json_string();
    println!("profile.heavy.stored_bytes: {}", text.len());

    let mut random = SeededRandom::new(2);
    let now = START + 61.0 * DAY;
    let ctx = page(now, 7);
    let mut engine = Vec::new();
    let mut with_json = Vec::new();
    for round in 0..400u32 {
        // One page of a returning heavy visitor: load what is stored, record the page view, an
        // event and an exposure, save against storage.
        let t0 = Instant::now();
        let stored_now = if round.is_multiple_of(2) {
            stored.clone()
        } else {
            Value::parse_json(&text).unwrap()
        };
        let t_loaded = Instant::now();
        let (mut tab, _) = LiveProfile::load(Some(&stored_now), &config, now, &mut random);
        tab.record_all(page_ops(&ctx, &[("topic-7", 1.0)], &config), &config);
        tab.record(
            Op::Event {
                at: now,
                name: "product_view".into(),
            },
            &config,
        );
        tab.record(Op::exposure("rule-7", &ctx), &config);
        let save = tab.prepare_save(Some(&stored_now), &config, now, &mut random);
        let t_saved = Instant::now();
        if round.is_multiple_of(2) {
            engine.push((t_saved - t_loaded).as_secs_f64() * 1e6);
        } else {
            black_box(save.value.to_json_string());
            with_json.push(t0.elapsed().as_secs_f64() * 1e6);
        }
        black_box(save);
    }
    println!(
        "profile.heavy.load_apply_save_median_us: {:.1}",
        median_us(engine)
    );
    println!(
        "profile.heavy.load_apply_save_with_json_text_median_us: {:.1}",
        median_us(with_json)
    );
}
