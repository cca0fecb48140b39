//! How long conditions take to evaluate natively, on a pet-store visitor.
//!
//! `cargo bench --bench conditions` prints one `name: value` line per figure:
//! - `conditions.native.eval_10_clause_median_ns`: one 10-clause condition, one visitor;
//! - `conditions.native.eval_1000_conditions_median_us`: 1,000 parsed conditions (a realistic
//!   rule set, generated with varied operators), one visitor;
//! - `conditions.native.parse_1000_conditions_median_us`: parsing those 1,000 conditions.
//!
//! Each figure is the median of many timed batches. Nothing here asserts a time: figures depend on
//! the machine and are for comparison between builds.

#[path = "common/conditions.rs"]
mod common;

use std::hint::black_box;
use std::time::Instant;
use tailor::condition::Condition;
use tailor::Value;

const VISITOR: &str = r#"{
  "pet": "cat",
  "name": "Hana",
  "geo": {"country": "JP", "region": "JP-01"},
  "topics": {"cat-food": 4.5, "cat-toys": 2.25, "grooming": 0.5},
  "visits": 7,
  "stage": "consideration",
  "url": "https://shop.example/cats/toys?utm_source=newsletter",
  "device": "mobile",
  "lang": "ja-JP",
  "hour": 21,
  "season": "winter",
  "app": {"version": "2.4.1"}
}"#;

const TEN_CLAUSES: &str = r#"{
  "pet": "cat",
  "geo.country": {"$in": ["JP", "KR", "TW"]},
  "geo.region": {"$regex": "^JP-0[1-7]$"},
  "topics.cat-toys": {"$gte": 2},
  "visits": {"$gt": 3, "$lt": 100},
  "stage": {"$nin": ["purchase", "loyalty"]},
  "url": {"$regex": "/cats/"},
  "device": {"$ne": "desktop"},
  "$or": [{"hour": {"$gte": 18}}, {"season": "winter"}],
  "app.version": {"$vgte": "2.0.0"}
}"#;

/// 1,000 conditions of 2–6 clauses (see `common/conditions.rs`).
fn rule_set() -> Vec<Value> {
    (0..1000)
        .map(|i: usize| {
            let extra = [
                format!(r#""lang":{{"$regexi":"^{}"}}"#, ["ja", "en", "de"][i % 3]),
                format!(r#""app.version":{{"$vlt":"{}.0.0"}}"#, 1 + i % 4),
            ];
            let text = format!("{{{}}}", common::condition_members(i, 2 + i % 5, &extra));
            Value::parse_json(&text).expect("benchmark condition is valid JSON")
        })
        .collect()
}

/// Runs `f` in batches of `per_batch` calls and returns the median time per call in nanoseconds.
fn median_ns(batches: usize, per_batch: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..per_batch {
        f(); // warm up caches and branch predictors
    }
    let mut samples: Vec<f64> = (0..batches)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..per_batch {
                f();
            }
            start.elapsed().as_nanos() as f64 / per_batch as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let visitor = Value::parse_json(VISITOR).expect("visitor is valid JSON");

    let ten = Condition::parse(&Value::parse_json(TEN_CLAUSES).expect("valid JSON"))
        .expect("the 10-clause condition is valid");
    assert!(
        ten.matches(&visitor),
        "the benchmark visitor should match every clause"
    );
    let eval_10 = median_ns(201, 2_000, || {
        black_box(black_box(&ten).matches(black_box(&visitor)));
    });
    println!("conditions.native.eval_10_clause_median_ns: {eval_10:.0}");

    let sources = rule_set();
    let parsed: Vec<Condition> = sources
        .iter()
        .map(|c| Condition::parse(c).expect("benchmark conditions are valid"))
        .collect();
    let matching = parsed.iter().filter(|c| c.matches(&visitor)).count();
    let eval_1000 = median_ns(101, 10, || {
        let n = black_box(&parsed)
            .iter()
            .filter(|c| c.matches(black_box(&visitor)))
            .count();
        black_box(n);
    });
    println!(
        "conditions.native.eval_1000_conditions_median_us: {:.1}",
        eval_1000 / 1000.0
    );
    println!("conditions.native.eval_1000_conditions_matching: {matching}");

    let parse_1000 = median_ns(31, 3, || {
        for c in black_box(&sources) {
            black_box(Condition::parse(c).is_ok());
        }
    });
    println!(
        "conditions.native.parse_1000_conditions_median_us: {:.1}",
        parse_1000 / 1000.0
    );
}
