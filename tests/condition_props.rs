//! Property tests for conditions: arbitrary JSON as conditions and attributes never makes parsing
//! or evaluation panic, and the logical operators obey their algebra.
//!
//! Bounded (a few hundred cases per property, small values) so the whole file runs in seconds in
//! a debug build. Generated conditions are biased towards operators and the attribute names in
//! use, so that most of them get past the first key and exercise real evaluation.

use proptest::prelude::*;
use tailor::condition::Condition;
use tailor::Value;

#[rustfmt::skip]
const KEYS: [&str; 8] = ["pet", "visits", "geo", "geo.country", "tags", "v", "a.b", "$groups"];

#[rustfmt::skip]
const OPERATORS: [&str; 34] = [
    "$and", "$or", "$nor", "$not", "$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin",
    "$ini", "$nini", "$all", "$alli", "$exists", "$type", "$size", "$elemMatch", "$regex",
    "$regexi", "$veq", "$vne", "$vgt", "$vgte", "$vlt", "$vlte", "$inGroup", "$notInGroup",
    "$bogus", "geo", "pet", "0",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop_oneof![
            (-5i32..20).prop_map(f64::from),
            any::<f64>(),
            Just(f64::NAN),
            Just(-0.0),
        ]
        .prop_map(Value::Number),
        prop_oneof![
            Just(String::new()),
            Just("cat".to_owned()),
            Just("1.2.3-beta".to_owned()),
            Just("訪問者".to_owned()),
            Just("🐶🐱".to_owned()),
            Just("(".to_owned()),
            Just("^c.t$".to_owned()),
            Just("number".to_owned()),
            Just("8".to_owned()),
            "[a-z$.(){}*+?\\[\\]^|\\\\ 0-9]{0,8}",
            any::<String>(),
        ]
        .prop_map(Value::String),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(&KEYS[..]).prop_map(str::to_owned),
        proptest::sample::select(&OPERATORS[..]).prop_map(str::to_owned),
        "[a-z$.]{0,4}",
    ]
}

fn json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..5).prop_map(Value::Object),
        ]
    })
}

fn object() -> impl Strategy<Value = Value> {
    prop::collection::vec((key(), json()), 0..5).prop_map(Value::Object)
}

fn obj(members: Vec<(&str, Value)>) -> Value {
    Value::Object(
        members
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn parsing_and_evaluating_anything_never_panics(
        condition in json(),
        attributes in json(),
        groups in json(),
    ) {
        let lenient = Condition::parse_lenient(&condition);
        let lenient_result = lenient.matches_with_groups(&attributes, &groups);
        let _ = lenient.matches(&attributes);
        let _ = Condition::problems(&condition);
        if let Ok(strict) = Condition::parse(&condition) {
            // Where a strict parse succeeds, both modes mean the same.
            prop_assert_eq!(strict.matches_with_groups(&attributes, &groups), lenient_result);
        }
    }

    #[test]
    fn object_conditions_never_panic(condition in object(), attributes in object()) {
        let _ = Condition::parse_lenient(&condition).matches(&attributes);
        if let Err(e) = Condition::parse(&condition) {
            prop_assert!(!e.message.is_empty());
        }
    }

    #[test]
    fn not_inverts(condition in object(), attributes in object()) {
        let plain = Condition::parse_lenient(&condition).matches(&attributes);
        let negated = Condition::parse_lenient(&obj(vec![("$not", condition)]));
        prop_assert_eq!(negated.matches(&attributes), !plain);
    }

    #[test]
    fn and_of_one_clause_is_the_clause(condition in object(), attributes in object()) {
        let plain = Condition::parse_lenient(&condition).matches(&attributes);
        let wrapped = obj(vec![("$and", Value::Array(vec![condition.clone()]))]);
        prop_assert_eq!(Condition::parse_lenient(&wrapped).matches(&attributes), plain);
        let wrapped = obj(vec![("$or", Value::Array(vec![condition.clone()]))]);
        prop_assert_eq!(Condition::parse_lenient(&wrapped).matches(&attributes), plain);
        let wrapped = obj(vec![("$nor", Value::Array(vec![condition]))]);
        prop_assert_eq!(Condition::parse_lenient(&wrapped).matches(&attributes), !plain);
    }

    #[test]
    fn and_is_conjunction_and_or_is_disjunction(
        a in object(),
        b in object(),
        attributes in object(),
    ) {
        let (ra, rb) = (
            Condition::parse_lenient(&a).matches(&attributes),
            Condition::parse_lenient(&b).matches(&attributes),
        );
        let both = obj(vec![("$and", Value::Array(vec![a.clone(), b.clone()]))]);
        let either = obj(vec![("$or", Value::Array(vec![a, b]))]);
        prop_assert_eq!(Condition::parse_lenient(&both).matches(&attributes), ra && rb);
        prop_assert_eq!(Condition::parse_lenient(&either).matches(&attributes), ra || rb);
    }

    #[test]
    fn in_and_nin_are_complements(items in prop::collection::vec(leaf(), 0..5), value in json()) {
        let attributes = obj(vec![("x", value)]);
        let with = |op: &str| {
            let c = obj(vec![("x", obj(vec![(op, Value::Array(items.clone()))]))]);
            Condition::parse(&c).expect("valid").matches(&attributes)
        };
        prop_assert_eq!(with("$in"), !with("$nin"));
        prop_assert_eq!(with("$ini"), !with("$nini"));
    }

    #[test]
    fn field_not_inverts_an_operator(operand in leaf(), value in json()) {
        let attributes = obj(vec![("x", value)]);
        for op in ["$eq", "$gt", "$lte", "$exists", "$veq", "$regex"] {
            let inner = obj(vec![(op, operand.clone())]);
            let plain = Condition::parse_lenient(&obj(vec![("x", inner.clone())]));
            let negated = Condition::parse_lenient(&obj(vec![("x", obj(vec![("$not", inner)]))]));
            prop_assert_eq!(negated.matches(&attributes), !plain.matches(&attributes));
        }
    }
}
