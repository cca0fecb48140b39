//! Property tests: parsing arbitrary JSON as rules, and deciding with what parsed, never panics.
//!
//! Bounded (a few hundred cases, small values) so it runs in seconds. Generated values lean
//! towards the rule keys and action keys in use, so most cases get deep into the parser.

#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use tailor::rules::{compiled, decide, DecideInput, ExposureCounts, RuleSet};
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

/// Visitor "v" on `url` with `attributes`, who has seen no rule yet.
fn first_visit<'a>(attributes: &'a Value, url: &'a str) -> DecideInput<'a> {
    DecideInput {
        attributes,
        visitor_id: "v",
        now: 1.7e12,
        today: 20_000,
        url,
        exposures: &|_: &str, _: i64| ExposureCounts::default(),
    }
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

/// A rule that parses (fields valid by construction), with actions of every kind and some that
/// are refused with a warning.
fn valid_rule() -> impl Strategy<Value = Value> {
    let text = |t: &str| Value::String(t.to_owned());
    let action = prop_oneof![
        Just(r##"{"selector": "#g", "text": "Hi {{name|friend}} {{geo.region}}!"}"##),
        Just(r##"{"selector": "#h img", "attributes": {"src": "/img/{{pet}}.jpg", "alt": "x", "srcset": "/a.jpg 1x"}}"##),
        Just(r##"{"selector": "#o", "offsiteUrls": true, "attributes": {"href": "{{query.next|/}}"}}"##),
        Just(r##"{"selector": "#c", "addClass": "a b", "removeClass": ["c"]}"##),
        Just(r##"{"selector": "#s", "show": true}"##),
        Just(r##"{"selector": "#d", "hide": true}"##),
        Just(r##"{"selector": "#t", "template": "promo"}"##),
        Just(r##"{"selector": ".r", "items": [{"text": "1"}, {"text": "{{pet}}"}]}"##),
        Just(r##"{"selector": "#x", "text": "ok", "attributes": {"onclick": "x"}}"##),
        Just(r##"{"selector": "#y", "colour": "red"}"##),
    ]
    .prop_map(|a| Value::parse_json(a).unwrap());
    let condition = prop_oneof![
        Just("{}"),
        Just(r#"{"pet": "cat"}"#),
        Just(r#"{"visits": {"$gte": 3}, "geo.country": {"$in": ["JP", "KR"]}}"#),
        Just(r#"{"$or": [{"pet": "dog"}, {"name": {"$regex": "^a", "$exists": true}}]}"#),
        Just(r#"{"topics.cat-toys": {"$gt": 0}, "$not": {"stage": "new"}}"#),
    ]
    .prop_map(|c| Value::parse_json(c).unwrap());
    (
        "[a-z]{1,3}",
        condition,
        prop::option::of(-5i32..5),
        prop::option::of(prop_oneof![Just("hero"), Just("cta")]),
        prop::option::of((prop::option::of(0u32..3), prop::option::of(0u32..40))),
        prop::option::of(prop_oneof![Just(0.0), Just(0.25), Just(1.0)]),
        prop::option::of(prop_oneof![
            Just("2024-12-01"),
            Just("2030-01-01T09:00:00+09:00")
        ]),
        prop::collection::vec(
            prop_oneof![Just("/"), Just("/cats/**"), Just("!/cats/x")],
            0..3,
        ),
        prop::option::of(prop::collection::vec(action, 0..4)),
        prop::option::of(Just(r#"{"cta": "Shop {{pet}} food", "": "x"}"#)),
    )
        .prop_map(
            move |(id, condition, priority, slot, cap, holdout, start, pages, actions, data)| {
                let mut rule = vec![
                    ("id".to_owned(), text(&id)),
                    ("condition".to_owned(), condition),
                ];
                if let Some(p) = priority {
                    rule.push(("priority".to_owned(), Value::Number(f64::from(p))));
                }
                if let Some(s) = slot {
                    rule.push(("slot".to_owned(), text(s)));
                }
                if let Some((session, interval)) = cap {
                    let mut c = Vec::new();
                    if let Some(n) = session {
                        c.push(("session".to_owned(), Value::Number(f64::from(n))));
                    }
                    if let Some(n) = interval {
                        c.push(("minIntervalMinutes".to_owned(), Value::Number(f64::from(n))));
                    }
                    rule.push(("cap".to_owned(), Value::Object(c)));
                }
                if let Some(h) = holdout {
                    rule.push(("holdout".to_owned(), Value::Number(h)));
                }
                if let Some(start) = start {
                    let schedule = vec![("start".to_owned(), text(start))];
                    rule.push(("schedule".to_owned(), Value::Object(schedule)));
                }
                let pages = pages.into_iter().map(text).collect();
                rule.push(("pages".to_owned(), Value::Array(pages)));
                if let Some(list) = actions {
                    rule.push(("actions".to_owned(), Value::Array(list)));
                }
                if let Some(d) = data {
                    rule.push(("data".to_owned(), Value::parse_json(d).unwrap()));
                }
                Value::Object(rule)
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
        let _ = decide(&report.rules, &first_visit(&attrs, "/"));
    }

    /// What `tailor compile` writes, the browser reads back as the same rules: the same fields
    /// (conditions included), the same warnings, the same decisions.
    #[test]
    fn compiled_rules_read_back_as_the_parsed_ones(
        rules in prop::collection::vec(valid_rule(), 0..6),
        attrs in attributes(),
    ) {
        let set = Value::Object(vec![("rules".to_owned(), Value::Array(rules))]);
        if let Ok((parsed, warnings)) = RuleSet::parse(&set) {
            let (back, worded) = compiled::read(&compiled::compile(&parsed, &warnings)).unwrap();
            prop_assert_eq!(format!("{back:?}"), format!("{parsed:?}"));
            prop_assert_eq!(worded.len(), warnings.len());
            let input = first_visit(&attrs, "/cats/x");
            prop_assert_eq!(decide(&back, &input), decide(&parsed, &input));
        } else {
            // Only a repeated id fails: every other field is valid by construction.
            prop_assert!(RuleSet::parse(&set).unwrap_err().message.contains("duplicate"));
        }
    }

    /// Compiled rules are data from the page: any JSON read as them is refused or read, never a
    /// panic.
    #[test]
    fn reading_any_json_as_compiled_rules_never_panics(
        rules in prop::collection::vec(json(), 0..6),
        attrs in attributes(),
    ) {
        let set = Value::Object(vec![
            ("format".to_owned(), Value::from(compiled::FORMAT)),
            ("warnings".to_owned(), Value::Array(Vec::new())),
            ("compiled".to_owned(), Value::Array(rules)),
        ]);
        if let Ok((read, _)) = compiled::read(&set) {
            let input = first_visit(&attrs, "/");
            let _ = decide(&read, &input);
        }
    }
}
