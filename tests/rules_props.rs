//! Property tests: parsing arbitrary JSON as rules, and deciding with what parsed, never panics.
//!
//! Bounded (a few hundred cases, small values) so it runs in seconds. Generated values lean
//! towards the rule keys and action keys in use, so most cases get deep into the parser.

#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use tailor::rules::{decide, DecideInput, ExposureCounts, RuleSet};
use tailor::Value;

#[rustfmt::skip]
const KEYS: [&str; 30] = [
    "id", "condition", "priority", "slot", "cap", "holdout", "schedule", "pages", "actions",
    "selector", "text", "attributes", "addClass", "removeClass", "show", "hide", "template",
    "items", "session", "day", "lifetime", "minIntervalMinutes", "start", "end", "src", "srcset",
    "href", "onclick", "pet", "rules",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop_oneof![
            (-3i32..5).prop_map(f64::from),
            Just(0.5),
            any::<f64>(),
            Just(1.7e12),
        ]
        .prop_map(Value::Number),
        prop_oneof![
            Just("cat".to_owned()),
            Just("hero".to_owned()),
            Just("#g".to_owned()),
            Just("/cats/**".to_owned()),
            Just("!/x".to_owned()),
            Just("2024-12-01".to_owned()),
            Just("2024-12-01T09:00:00+09:00".to_owned()),
            Just("{{name|friend}}".to_owned()),
            Just("javascript:alert(1)".to_owned()),
            Just("/a.jpg 1x, /b.jpg 2x".to_owned()),
            "[a-z{}|*/!#:. ]{0,10}",
            any::<String>(),
        ]
        .prop_map(Value::String),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(&KEYS[..]).prop_map(str::to_owned),
        1 => "[a-z$]{0,4}",
    ]
}

fn json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6).prop_map(Value::Object),
        ]
    })
}

fn attributes() -> impl Strategy<Value = Value> {
    prop::collection::vec((key(), leaf()), 0..6).prop_map(Value::Object)
}

fn counts() -> impl Strategy<Value = ExposureCounts> {
    (0u32..4, 0u32..4, 0u32..8, prop::option::of(0.0..2e12f64)).prop_map(
        |(session, day, lifetime, last)| ExposureCounts {
            session,
            day,
            lifetime,
            last,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn parsing_and_deciding_never_panic(
        raw in json(),
        attrs in attributes(),
        id in "[a-f0-9]{0,8}",
        now in prop_oneof![Just(1.7e12), any::<f64>()],
        url in prop_oneof![Just("https://shop.example/cats/x".to_owned()), any::<String>()],
        history in counts(),
    ) {
        let report = RuleSet::parse_report(&raw);
        let _ = RuleSet::parse(&raw);
        let _ = report.rules.selectors();
        let lookup = |_: &str, _: i64| history;
        let input = DecideInput {
            attributes: &attrs,
            visitor_id: &id,
            now,
            today: 20_000,
            url: &url,
            exposures: &lookup,
        };
        let d = decide(&report.rules, &input);
        prop_assert_eq!(d.reports.len(), report.rules.rules.len());
        prop_assert_eq!(d, decide(&report.rules, &input));
    }

    #[test]
    fn rule_lists_of_rule_shaped_objects_never_panic(
        rules in prop::collection::vec(
            prop::collection::vec((key(), json()), 0..8).prop_map(Value::Object), 0..6),
        attrs in attributes(),
    ) {
        let set = Value::Object(vec![("rules".to_owned(), Value::Array(rules))]);
        let report = RuleSet::parse_report(&set);
        let lookup = |_: &str, _: i64| ExposureCounts::default();
        let input = DecideInput {
            attributes: &attrs,
            visitor_id: "v",
            now: 1.7e12,
            today: 20_000,
            url: "/",
            exposures: &lookup,
        };
        let _ = decide(&report.rules, &input);
    }
}
