//! Property tests for the sync batch parser, the server's door to the outside: any body — random
//! bytes, JSON of any shape, batches with one field wrong — is either a valid batch or one of the
//! protocol's errors, never a panic; and a valid batch stays valid when parsed again.

use proptest::prelude::*;
use serde_json::{json, Value};
use tailor_server::protocol::{Batch, BatchError, BatchLimits};

fn limits() -> BatchLimits {
    BatchLimits {
        max_events: 100,
        accept_name: false,
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        prop_oneof![
            Just("3f2a9c0e5b7d41e8a6c2f0d9b8e7a615".to_owned()),
            Just("exposure".to_owned()),
            Just("holdout".to_owned()),
            Just("/cats".to_owned()),
            Just("a\u{0000}b".to_owned()),
            "[ -~]{0,80}",
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn valid_batch() -> Value {
    json!({
        "v": 1, "visitor": "3f2a9c0e5b7d41e8a6c2f0d9b8e7a615",
        "consent": {"sync": true, "personalization": true}, "sent_at": 1_767_225_600_123u64,
        "dropped": 0,
        "profile": {"country": "JP", "region": "JP-01", "pet": "cat", "topics": {"cats": 2.5},
                    "stage": "interest", "sessions": 3, "page_views": 11},
        "events": [
            {"id": "e1", "type": "pageview", "at": 1_767_225_590_000u64, "path": "/cats"},
            {"id": "e2", "type": "exposure", "at": 1_767_225_590_050u64, "rule": "r", "variant": "exposed"},
            {"id": "e3", "type": "conversion", "at": 1_767_225_599_000u64, "name": "buy", "value": 12.5}
        ]
    })
}

/// Replaces the value at a random place (top level, profile or an event) of a valid batch.
fn one_field_wrong() -> impl Strategy<Value = Value> {
    let fields = prop::sample::select(vec![
        "v",
        "visitor",
        "consent",
        "sent_at",
        "dropped",
        "profile",
        "events",
        "extra",
        "profile.country",
        "profile.topics",
        "profile.name",
        "profile.stage",
        "profile.sessions",
        "events.0.id",
        "events.0.type",
        "events.0.at",
        "events.0.path",
        "events.1.variant",
        "events.1.rule",
        "events.2.value",
        "events.2.extra",
    ]);
    (fields, json_value()).prop_map(|(path, v)| {
        let mut batch = valid_batch();
        let mut cursor = &mut batch;
        let parts: Vec<&str> = path.split('.').collect();
        for part in &parts[..parts.len() - 1] {
            cursor = match part.parse::<usize>() {
                Ok(i) => &mut cursor[i],
                Err(_) => &mut cursor[*part],
            };
        }
        cursor[parts[parts.len() - 1]] = v;
        batch
    })
}

fn outcome(body: &[u8]) -> Result<(), TestCaseError> {
    match Batch::parse(body, &limits()) {
        Ok(batch) => {
            // Valid stays valid, and its fields are within the protocol's bounds.
            prop_assert!(batch.validate(&limits()).is_ok());
            let again =
                serde_json::to_vec(&serde_json::from_slice::<Value>(body).unwrap()).unwrap();
            prop_assert!(Batch::parse(&again, &limits()).is_ok());
        }
        Err(
            BatchError::Malformed(_)
            | BatchError::Version(_)
            | BatchError::NoConsent
            | BatchError::TooManyEvents { .. }
            | BatchError::FieldNotAllowed(_)
            | BatchError::Invalid(_),
        ) => {}
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_are_refused_cleanly(body in prop::collection::vec(any::<u8>(), 0..300)) {
        outcome(&body)?;
    }

    #[test]
    fn any_json_is_a_batch_or_a_protocol_error(v in json_value()) {
        outcome(&serde_json::to_vec(&v).unwrap())?;
    }

    #[test]
    fn a_batch_with_one_field_wrong_is_a_batch_or_a_protocol_error(v in one_field_wrong()) {
        outcome(&serde_json::to_vec(&v).unwrap())?;
    }
}

#[test]
fn the_reference_batch_is_valid() {
    let body = serde_json::to_vec(&valid_batch()).unwrap();
    let batch = Batch::parse(&body, &limits()).expect("valid");
    assert_eq!(batch.events.len(), 3);
}
