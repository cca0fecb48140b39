//! How long `decide` takes natively for a realistic rule set and one returning visitor.
//!
//! `cargo bench --bench rules` prints one `name: value` line:
//! - `rules.native.decide_1000_median_us`: 1,000 rules (conditions of 1–5 clauses with varied
//!   operators, 4 slots plus unslotted rules, caps, holdouts, schedules, page patterns and
//!   templated actions) decided for one visitor with an exposure history, reasons included.
//!
//! The figure is the median of many timed runs. Nothing here asserts a time: figures depend on
//! the machine and are for comparison between builds. (The browser figure, against the 1 ms
//! budget, comes from the headless-Chromium bench.)

#[path = "common/conditions.rs"]
mod common;

use std::hint::black_box;
use std::time::Instant;
use tailor::rules::{decide, DecideInput, ExposureCounts, RuleSet};
use tailor::Value;

const VISITOR: &str = r#"{
  "id": "0f3c2a9b7d114e5c8a6b2c1d0e9f8a7b",
  "pet": "cat",
  "name": "Hana",
  "geo": {"country": "JP", "region": "JP-01"},
  "topics": {"cat-food": 4.5, "cat-toys": 2.25, "grooming": 0.5},
  "events": {"product_view": 12, "add_to_cart": 1},
  "visits": 7,
  "stage": "consideration",
  "utm": {"source": "newsletter", "campaign": "winter"},
  "url": "https://shop.example/cats/toys?utm_source=newsletter",
  "path": "/cats/toys",
  "device": "mobile",
  "lang": "ja-JP",
  "hour": 21,
  "weekday": "friday",
  "season": "winter"
}"#;

const URL: &str = "https://shop.example/cats/toys?utm_source=newsletter";
/// 2024-12-20T12:00:00Z.
const NOW: f64 = 1_734_696_000_000.0;

fn rule_set() -> RuleSet {
    let slots = ["\"hero\"", "\"greeting\"", "\"banner\"", "\"cta\"", "null"];
    let rules: Vec<String> = (0..1000)
        .map(|i: usize| {
            let pet = common::PETS[i % common::PETS.len()];
            let extra = [format!(r#""events.add_to_cart":{{"$gte":{}}}"#, i % 3)];
            let cond = common::condition_members(i, 1 + i % 5, &extra);
            let extras = match i % 10 {
                0 => r#","cap":{"session":1,"day":3,"lifetime":20,"minIntervalMinutes":30}"#,
                1 => r#","holdout":0.1"#,
                2 => r#","schedule":{"start":"2024-12-01","end":"2025-01-06T00:00:00+09:00"}"#,
                3 => r#","pages":["/cats/**","!/cats/checkout"]"#,
                _ => "",
            };
            format!(
                r##"{{"id":"rule-{i}","slot":{slot},"priority":{prio},"condition":{{{cond}}}{extras},
                    "actions":[{{"selector":"#s{s}","text":"Hello {{{{name|friend}}}}, {pet} lovers"}},
                               {{"selector":"#s{s} img","attributes":{{"src":"/img/{pet}-{i}.jpg","alt":"{pet}"}}}},
                               {{"selector":"#s{s}","addClass":"is-{pet}"}}]}}"##,
                slot = slots[i % slots.len()],
                prio = i % 7,
                s = i % 4,
            )
        })
        .collect();
    let text = format!("{{\"version\":1,\"rules\":[{}]}}", rules.join(","));
    let (set, warnings) =
        RuleSet::parse(&Value::parse_json(&text).expect("valid JSON")).expect("valid rules");
    assert!(warnings.is_empty(), "{warnings:?}");
    set
}

/// Runs `f` `runs` times and returns the median time per call in microseconds.
fn median_us(runs: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..runs / 10 + 1 {
        f();
    }
    let mut samples: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_nanos() as f64 / 1000.0
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let set = rule_set();
    let attributes = Value::parse_json(VISITOR).expect("visitor is valid JSON");
    let history = |rule: &str, _today: i64| {
        if rule.ends_with('0') {
            ExposureCounts {
                session: 0,
                day: 1,
                lifetime: 4,
                last: Some(NOW - 3_600_000.0),
            }
        } else {
            ExposureCounts::default()
        }
    };
    let input = DecideInput {
        attributes: &attributes,
        visitor_id: "0f3c2a9b7d114e5c8a6b2c1d0e9f8a7b",
        now: NOW,
        today: 20_077,
        url: URL,
        exposures: &history,
    };
    let decided = decide(&set, &input);
    assert!(
        !decided.decisions.is_empty() && decided.decisions.len() < 400,
        "a realistic share of rules should win: {}",
        decided.decisions.len()
    );
    let us = median_us(301, || {
        black_box(decide(black_box(&set), black_box(&input)));
    });
    println!("rules.native.decide_1000_median_us: {us:.0}");
    // For comparison: the conditions alone, so the cost of slots, caps, holdouts, pages,
    // templates and reasons is the difference.
    let conditions_us = median_us(301, || {
        for rule in black_box(&set).rules.iter() {
            black_box(rule.condition.matches(black_box(&attributes)));
        }
    });
    println!("rules.native.conditions_only_1000_median_us: {conditions_us:.0}");
    println!(
        "rules.native.decide_1000_winners: {}",
        decided.decisions.len()
    );
}
