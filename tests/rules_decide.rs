//! Behaviour of `decide`: slots, priority and order, frequency caps, schedules, page scope,
//! holdouts, rendered templates and hostile values, all through the public API.

#![cfg(not(target_arch = "wasm32"))]

use tailor::rules::{decide, DecideInput, Decisions, ExposureCounts, Outcome, Resolved, RuleSet};
use tailor::Value;

const MINUTE: f64 = 60_000.0;
/// 2024-12-10T00:00:00Z.
const NOW: f64 = 1_733_788_800_000.0;

fn rules(json: &str) -> RuleSet {
    let (set, warnings) = RuleSet::parse(&Value::parse_json(json).unwrap()).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    set
}

fn attrs(json: &str) -> Value {
    Value::parse_json(json).unwrap()
}

struct Visit<'a> {
    attributes: Value,
    id: &'a str,
    now: f64,
    url: &'a str,
    history: Vec<(&'a str, ExposureCounts)>,
}

impl<'a> Visit<'a> {
    fn new(attributes: &str) -> Visit<'a> {
        Visit {
            attributes: attrs(attributes),
            id: "visitor-1",
            now: NOW,
            url: "https://shop.example/",
            history: Vec::new(),
        }
    }

    fn decide(&self, set: &RuleSet) -> Decisions {
        let lookup = |rule: &str, _today: i64| {
            self.history
                .iter()
                .find(|(r, _)| *r == rule)
                .map(|(_, c)| *c)
                .unwrap_or_default()
        };
        decide(
            set,
            &DecideInput {
                attributes: &self.attributes,
                visitor_id: self.id,
                now: self.now,
                today: 20_067,
                url: self.url,
                exposures: &lookup,
            },
        )
    }
}

fn winners(d: &Decisions) -> Vec<&str> {
    d.decisions.iter().map(|d| d.rule_id.as_str()).collect()
}

fn reason<'a>(d: &'a Decisions, id: &str) -> (Outcome, &'a str) {
    let r = d.report(id).unwrap();
    (r.outcome, r.reason.as_str())
}

const HERO: &str = r##"[
  {"id":"hero-default","slot":"hero","priority":0,"actions":[{"selector":"#hero","text":"Hello"}]},
  {"id":"hero-cat","slot":"hero","priority":2,"condition":{"pet":"cat"},"actions":[{"selector":"#hero","text":"Cats"}]},
  {"id":"hero-cat-vip","slot":"hero","priority":5,"condition":{"pet":"cat","visits":{"$gte":3}},"actions":[{"selector":"#hero","text":"Cats VIP"}]},
  {"id":"hero-cat-too","slot":"hero","priority":2,"condition":{"pet":"cat"},"actions":[{"selector":"#hero","text":"Cats 2"}]},
  {"id":"greeting","condition":{"pet":"cat"},"actions":[{"selector":"#greeting","text":"Hi {{name|friend}}"}]},
  {"id":"banner","slot":"banner","priority":1,"actions":[{"selector":"#banner","hide":true}]}
]"##;

#[test]
fn one_winner_per_slot_by_priority_then_order() {
    let set = rules(HERO);
    let d = Visit::new(r#"{"pet":"cat","visits":5}"#).decide(&set);
    assert_eq!(winners(&d), ["hero-cat-vip", "banner", "greeting"]);
    assert_eq!(
        reason(&d, "hero-cat"),
        (
            Outcome::LostSlot,
            "matched: pet = cat; lost slot hero to rule hero-cat-vip (priority 5 > 2)"
        )
    );
    assert_eq!(
        reason(&d, "hero-cat-vip"),
        (
            Outcome::Applied,
            "matched: pet = cat, visits >= 3; won slot hero"
        )
    );

    // Without the VIP rule, two rules tie at priority 2: the earlier one wins.
    let d = Visit::new(r#"{"pet":"cat","visits":1}"#).decide(&set);
    assert_eq!(winners(&d), ["hero-cat", "banner", "greeting"]);
    assert_eq!(
        reason(&d, "hero-cat-too").1,
        "matched: pet = cat; lost slot hero to rule hero-cat (priority 2 = 2, earlier in order)"
    );
    assert_eq!(
        reason(&d, "hero-cat-vip"),
        (
            Outcome::ConditionFalse,
            "condition false: pet = cat, visits >= 3"
        )
    );

    // Nothing specific: the catch-all wins.
    let d = Visit::new(r#"{"pet":"dog"}"#).decide(&set);
    assert_eq!(winners(&d), ["banner", "hero-default"]);
    assert_eq!(
        reason(&d, "hero-default").1,
        "matched: everyone; won slot hero"
    );
    assert_eq!(d.reports.len(), 6, "one report per rule");
}

#[test]
fn edits_are_resolved_for_the_visitor() {
    let set = rules(HERO);
    let d = Visit::new(r#"{"pet":"cat","name":"Hana"}"#).decide(&set);
    let greeting = d
        .decisions
        .iter()
        .find(|d| d.rule_id == "greeting")
        .unwrap();
    assert_eq!(greeting.actions[0].selector, "#greeting");
    assert_eq!(greeting.actions[0].change, Resolved::Text("Hi Hana".into()));
    assert!(!greeting.holdout && greeting.slot.is_none());
    let d = Visit::new(r#"{"pet":"cat"}"#).decide(&set);
    let greeting = d
        .decisions
        .iter()
        .find(|d| d.rule_id == "greeting")
        .unwrap();
    assert_eq!(
        greeting.actions[0].change,
        Resolved::Text("Hi friend".into())
    );
}

#[test]
fn hostile_values_stay_text_and_evil_urls_from_values_are_refused() {
    let set = rules(
        r##"[{"id":"r","actions":[
            {"selector":"#g","text":"Welcome back, {{name|friend}}!"},
            {"selector":"a.next","attributes":{"href":"{{query.next|/}}","title":"{{name}}"}}]}]"##,
    );
    let v = Visit::new(
        r#"{"name":"<img src=x onerror=alert(1)>","query":{"next":"javascript:alert(1)"}}"#,
    );
    let d = v.decide(&set);
    let edits = &d.decisions[0].actions;
    assert_eq!(
        edits[0].change,
        Resolved::Text("Welcome back, <img src=x onerror=alert(1)>!".into())
    );
    // The href is refused, the title (plain text) still applies.
    assert_eq!(edits.len(), 2);
    assert_eq!(
        edits[1].change,
        Resolved::Attribute {
            name: "title".into(),
            value: "<img src=x onerror=alert(1)>".into()
        }
    );
    assert!(d.reports[0]
        .reason
        .contains("action 1 refused: URL refused"));
}

#[test]
fn caps_per_session_day_lifetime_and_interval() {
    let set = rules(
        r##"[{"id":"promo","cap":{"session":2,"day":3,"lifetime":10,"minIntervalMinutes":30},
              "actions":[{"selector":"#p","show":true}]}]"##,
    );
    let mut v = Visit::new("{}");
    let counts = |session, day, lifetime, last: Option<f64>| ExposureCounts {
        session,
        day,
        lifetime,
        last,
    };
    let d = v.decide(&set);
    assert_eq!(
        reason(&d, "promo"),
        (
            Outcome::Applied,
            "matched: everyone; cap 0 of 2 this session, 0 of 3 today, 0 of 10 in all"
        )
    );
    v.history = vec![("promo", counts(1, 2, 5, Some(NOW - 31.0 * MINUTE)))];
    assert_eq!(winners(&v.decide(&set)), ["promo"]);
    assert!(reason(&v.decide(&set), "promo")
        .1
        .contains("cap 1 of 2 this session, 2 of 3 today"));

    let cases = [
        (
            counts(2, 2, 5, Some(NOW - 60.0 * MINUTE)),
            "capped: 2 of 2 this session",
        ),
        (
            counts(0, 3, 5, Some(NOW - 600.0 * MINUTE)),
            "capped: 3 of 3 today",
        ),
        (
            counts(0, 0, 10, Some(NOW - 9e6 * MINUTE)),
            "capped: 10 of 10 in all",
        ),
        (
            counts(1, 1, 1, Some(NOW - 12.5 * MINUTE)),
            "capped: shown 12 min ago, minimum interval 30 min",
        ),
    ];
    for (c, expected) in cases {
        v.history = vec![("promo", c)];
        let d = v.decide(&set);
        assert!(d.decisions.is_empty(), "{expected}");
        assert_eq!(reason(&d, "promo"), (Outcome::Capped, expected));
    }
}

#[test]
fn a_capped_rule_leaves_its_slot_to_the_next() {
    let set = rules(
        r##"[{"id":"big","slot":"s","priority":9,"cap":{"day":1},"actions":[{"selector":"#s","text":"big"}]},
             {"id":"small","slot":"s","actions":[{"selector":"#s","text":"small"}]}]"##,
    );
    let mut v = Visit::new("{}");
    assert_eq!(winners(&v.decide(&set)), ["big"]);
    v.history = vec![(
        "big",
        ExposureCounts {
            session: 1,
            day: 1,
            lifetime: 1,
            last: Some(NOW - MINUTE),
        },
    )];
    assert_eq!(winners(&v.decide(&set)), ["small"]);
}

#[test]
fn schedules() {
    let set = rules(
        r##"[{"id":"xmas","schedule":{"start":"2024-12-20","end":"2024-12-26T00:00:00+09:00"},
              "actions":[{"selector":"#b","show":true}]}]"##,
    );
    let mut v = Visit::new("{}");
    v.now = NOW; // 2024-12-10
    assert_eq!(
        reason(&v.decide(&set), "xmas"),
        (
            Outcome::NotYetScheduled,
            "not scheduled yet (starts 2024-12-20)"
        )
    );
    v.now = 1_734_652_800_000.0; // 2024-12-20T00:00:00Z: the start is inclusive
    assert_eq!(winners(&v.decide(&set)), ["xmas"]);
    v.now = 1_735_138_800_000.0 - 1.0; // just before 2024-12-25T15:00:00Z
    assert_eq!(winners(&v.decide(&set)), ["xmas"]);
    v.now = 1_735_138_800_000.0; // the end is exclusive
    assert_eq!(
        reason(&v.decide(&set), "xmas"),
        (
            Outcome::ScheduleEnded,
            "schedule ended (2024-12-26T00:00:00+09:00)"
        )
    );
}

#[test]
fn page_scope() {
    let set = rules(
        r##"[{"id":"cats","pages":["/cats/**","!/cats/checkout"],"actions":[{"selector":"#b","show":true}]},
             {"id":"home","pages":["/"],"actions":[{"selector":"#b","show":true}]},
             {"id":"sale","pages":["https://shop.example/sale*"],"actions":[{"selector":"#b","show":true}]}]"##,
    );
    let mut v = Visit::new("{}");
    let on = |v: &mut Visit, url| {
        v.url = url;
        winners(&v.decide(&set))
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        on(&mut v, "https://shop.example/cats/toys/mice?x=1#top"),
        ["cats"]
    );
    assert_eq!(
        on(&mut v, "https://shop.example/cats/checkout"),
        Vec::<String>::new()
    );
    assert_eq!(on(&mut v, "https://shop.example/"), ["home"]);
    assert_eq!(on(&mut v, "https://shop.example"), ["home"]);
    assert_eq!(on(&mut v, "/"), ["home"]);
    assert_eq!(on(&mut v, "https://shop.example/sale?utm=x"), ["sale"]);
    v.url = "/dogs";
    assert_eq!(
        reason(&v.decide(&set), "cats"),
        (
            Outcome::OtherPage,
            "not on this page (pages: /cats/**, !/cats/checkout)"
        )
    );
}

#[test]
fn holdout_share_is_within_two_points_over_ten_thousand_visitors() {
    for share in [0.1, 0.25, 0.5] {
        let json = format!(
            r##"[{{"id":"hero-cat","slot":"hero","holdout":{share},"actions":[{{"selector":"#h","text":"x"}}]}},
                 {{"id":"hero-low","slot":"hero","priority":-1,"actions":[{{"selector":"#h","text":"y"}}]}}]"##
        );
        let set = rules(&json);
        let mut held = 0;
        for i in 0..10_000 {
            let id = format!("{i:032x}");
            let mut v = Visit::new("{}");
            v.id = &id;
            let d = v.decide(&set);
            // The holdout keeps the slot: a control visitor sees the default, not the low rule.
            assert_eq!(winners(&d), ["hero-cat"]);
            let decision = &d.decisions[0];
            if decision.holdout {
                held += 1;
                assert!(decision.actions.is_empty());
                assert_eq!(d.reports[0].outcome, Outcome::Holdout);
                assert!(d.reports[1]
                    .reason
                    .ends_with("which holds this visitor out: the default stays"));
            } else {
                assert_eq!(decision.actions.len(), 1);
            }
            // Deterministic: the same visitor is always in the same group.
            assert_eq!(v.decide(&set).decisions[0].holdout, decision.holdout);
        }
        let observed = f64::from(held) / 10_000.0;
        assert!(
            (observed - share).abs() <= 0.02,
            "share {share}: observed {observed}"
        );
    }
}

#[test]
fn holdouts_differ_per_rule_and_need_a_visitor_id() {
    let set = rules(
        r##"[{"id":"a","holdout":0.5,"actions":[{"selector":"#a","show":true}]},
             {"id":"b","holdout":0.5,"actions":[{"selector":"#b","show":true}]}]"##,
    );
    let mut differ = 0;
    for i in 0..1000 {
        let id = format!("v{i}");
        let mut v = Visit::new("{}");
        v.id = &id;
        let d = v.decide(&set);
        if d.decisions[0].holdout != d.decisions[1].holdout {
            differ += 1;
        }
    }
    assert!((400..600).contains(&differ), "{differ}");
    let mut v = Visit::new("{}");
    v.id = "";
    assert!(v.decide(&set).decisions.iter().all(|d| !d.holdout));
}

#[test]
fn items_are_resolved_with_their_positions() {
    let set = rules(
        r##"[{"id":"recs","actions":[{"selector":".rec","items":[{"text":"{{topic|Toys}}"},{"text":"Food","attributes":{"href":"/food"}}]}]}]"##,
    );
    let d = Visit::new("{}").decide(&set);
    let got: Vec<_> = d.decisions[0]
        .actions
        .iter()
        .map(|e| (e.selector.as_str(), e.index, e.change.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (".rec", Some(0), Resolved::Text("Toys".into())),
            (".rec", Some(1), Resolved::Text("Food".into())),
            (
                ".rec",
                Some(1),
                Resolved::Attribute {
                    name: "href".into(),
                    value: "/food".into()
                }
            ),
        ]
    );
}

#[test]
fn deciding_is_deterministic() {
    let set = rules(HERO);
    let v = Visit::new(r#"{"pet":"cat","visits":4,"name":"Kai"}"#);
    assert_eq!(v.decide(&set), v.decide(&set));
}

#[test]
fn slot_data_is_rendered_for_the_winner_and_withheld_from_control() {
    let set = rules(
        r##"[{"id":"cat-hero","slot":"hero","priority":5,"condition":{"pet":"cat"},
             "data":{"src":"/img/{{pet}}.jpg","cta":"Shop {{pet}} food, {{name|friend}}"}},
            {"id":"hero-default","slot":"hero","data":{"src":"/img/pets.jpg"}},
            {"id":"both","slot":"banner","data":{"t":"x"},
             "actions":[{"selector":"#b","text":"x"}]}]"##,
    );
    let cat = Visit::new(r#"{"pet":"cat","name":"<i>Hana</i>"}"#).decide(&set);
    assert_eq!(winners(&cat), ["cat-hero", "both"]);
    let hero = &cat.decisions[0];
    let data = hero.data.as_ref().unwrap();
    assert_eq!(data[0], ("src".into(), "/img/cat.jpg".into()));
    assert_eq!(data[1], ("cta".into(), "Shop cat food, <i>Hana</i>".into()));
    assert!(
        hero.exposed_when_shown,
        "a data-only rule is exposed when shown"
    );
    assert!(
        !cat.decisions[1].exposed_when_shown,
        "a rule with actions is exposed as it applies"
    );
    let dog = Visit::new(r#"{"pet":"dog"}"#).decide(&set);
    assert_eq!(winners(&dog), ["hero-default", "both"]);
    assert_eq!(
        dog.decisions[0].data.as_ref().unwrap()[0].1,
        "/img/pets.jpg"
    );

    let held = rules(r#"[{"id":"held","slot":"hero","holdout":1,"data":{"cta":"Shop"}}]"#);
    let d = Visit::new("{}").decide(&held);
    assert!(d.decisions[0].holdout);
    assert_eq!(d.decisions[0].data, None, "control sees the default");
    assert!(d.decisions[0].exposed_when_shown);
}
