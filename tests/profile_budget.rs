//! The stored profile stays small whatever the visitor does: a heavy visitor (1,000 page views
//! over 200 topics, hundreds of event names, exposures and experiments) must fit in 8 KB of JSON,
//! and even hostile, maximum-length names stay within a hard bound.

use tailor::context::PageContext;
use tailor::platform::SeededRandom;
use tailor::profile::{encode, load, page_ops, LiveProfile, LoadStatus, Op, ProfileConfig};
use tailor::Value;

const DAY: f64 = 86_400_000.0;
const START: f64 = 1_700_000_000_000.0;

/// 1,000 page views over 60 days across 200 topics, 150 event names (a few very frequent),
/// 200 rules shown, 100 experiments, a form, campaigns and custom attributes.
fn heavy_ops(config: &ProfileConfig, name_len: usize) -> Vec<Op> {
    let pad = |s: String| {
        if s.len() < name_len {
            s.clone() + &"x".repeat(name_len - s.len())
        } else {
            s
        }
    };
    let mut ops = Vec::new();
    for i in 0..1000u32 {
        let at = START + f64::from(i) * 60.0 * DAY / 1000.0;
        let utm = if i.is_multiple_of(50) {
            format!("?utm_source=newsletter&utm_medium=email&utm_campaign=spring-{i}")
        } else {
            String::new()
        };
        let mut ctx = PageContext::new(at, &format!("https://shop.example/p/{i}{utm}"));
        ctx.time_zone = Some("Asia/Tokyo".into());
        ctx.geo_hint = Some("JP-01".into());
        ctx.referrer = "https://www.google.com/".into();
        let t1 = pad(format!("topic-{}", i % 200));
        let t2 = pad(format!("topic-{}", (i * 7) % 200));
        ops.extend(page_ops(&ctx, &[(&t1, 1.0), (&t2, 0.5)], config));
        let event = match i % 10 {
            0..=5 => "product_view".to_owned(),
            6 => "add_to_cart".to_owned(),
            7 => "purchase".to_owned(),
            _ => pad(format!("custom-event-{}", i % 150)),
        };
        ops.push(Op::Event { at, name: event });
        ops.push(Op::Exposure {
            at,
            rule: pad(format!("rule-{}", i % 200)),
            day: ctx.day_number(),
        });
        if i.is_multiple_of(10) {
            ops.push(Op::Assign {
                at,
                id: pad(format!("experiment-{}", i / 10)),
                variation: i % 3,
            });
        }
        if i.is_multiple_of(25) {
            ops.push(Op::Set {
                at,
                path: pad(format!("attr-{}", i / 25)),
                value: Value::from("x".repeat(200)),
            });
        }
    }
    ops.push(Op::Declare {
        at: START,
        name: Some("N".repeat(500)),
        pet: Some("cat".into()),
    });
    ops
}

fn stored_bytes(name_len: usize) -> usize {
    let config = ProfileConfig::default();
    let mut random = SeededRandom::new(1);
    let (mut tab, _) = LiveProfile::load(None, &config, START, &mut random);
    for op in heavy_ops(&config, name_len) {
        tab.record(op, &config);
    }
    let save = tab.prepare_save(None, &config, START + 60.0 * DAY, &mut random);
    let text = save.value.to_json_string();
    // What is written loads back intact.
    let reread = Value::parse_json(&text).unwrap();
    let (p, status) = load(Some(&reread), &config, START + 61.0 * DAY, &mut random);
    assert_eq!(status, LoadStatus::Loaded);
    assert_eq!(p.page_views, 1000);
    assert_eq!(encode(&p).to_json_string(), text);
    text.len()
}

#[test]
fn a_heavy_visitor_fits_in_8_kb() {
    let bytes = stored_bytes(0);
    println!("profile.heavy.stored_bytes: {bytes}");
    assert!(bytes <= 8 * 1024, "heavy visitor profile is {bytes} bytes");
}

#[test]
fn maximum_length_names_stay_within_a_hard_bound() {
    // Every topic, event, rule, experiment and attribute name at the 40-character limit: the
    // worst a hostile page can do.
    let bytes = stored_bytes(40);
    println!("profile.worst.stored_bytes: {bytes}");
    assert!(bytes <= 16 * 1024, "worst-case profile is {bytes} bytes");
}
