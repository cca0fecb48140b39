//! Property tests for the stored-profile decoder: whatever storage holds (hand-edited, written by
//! another version, truncated, hostile), loading never panics, always gives a usable profile, and
//! what it gives survives its own encode/load round trip unchanged. Bounded to run in seconds.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use tailor::platform::SeededRandom;
use tailor::profile::{encode, load, LiveProfile, LoadStatus, Op, ProfileConfig};
use tailor::Value;

const NOW: f64 = 1_790_000_000_000.0;

#[rustfmt::skip]
const KEYS: [&str; 22] = [
    "v", "id", "created", "seen", "sessions", "sessionStart", "views", "stage", "geo", "pet",
    "name", "topicsAt", "topics", "events", "firstTouch", "lastTouch", "exposures",
    "assignments", "custom", "erasedAt", "erasePending", "applied",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop_oneof![
            Just(1.0),
            Just(2.0),
            Just(NOW - 1_000.0),
            (-3i32..100).prop_map(f64::from),
            any::<f64>(),
            Just(f64::NAN),
            Just(f64::INFINITY),
        ]
        .prop_map(Value::Number),
        prop_oneof![
            Just("0123456789abcdef0123456789abcdef".to_owned()),
            Just("cat".to_owned()),
            Just("interest".to_owned()),
            Just("JP-01".to_owned()),
            Just("<img src=x onerror=alert(1)>".to_owned()),
            Just("訪問者🐱".to_owned()),
            "[a-z-]{0,70}",
        ]
        .prop_map(Value::String),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        prop::sample::select(KEYS.to_vec()).prop_map(String::from),
                        "[a-z]{1,8}"
                    ],
                    inner
                ),
                0..8,
            )
            .prop_map(Value::Object),
        ]
    })
}

/// A stored profile with some fields replaced by arbitrary values: mostly valid shapes with
/// one or two wrong parts, which is what real corruption looks like.
fn damaged_profile() -> impl Strategy<Value = Value> {
    let good = {
        let cfg = ProfileConfig::default();
        let mut r = SeededRandom::new(4);
        let (mut tab, _) = LiveProfile::load(None, &cfg, NOW - 86_400_000.0, &mut r);
        tab.record(
            Op::Declare {
                at: NOW - 5_000.0,
                name: Some("Hana".into()),
                pet: Some("cat".into()),
            },
            &cfg,
        );
        tab.record(
            Op::Event {
                at: NOW - 4_000.0,
                name: "add_to_cart".into(),
            },
            &cfg,
        );
        encode(tab.profile())
    };
    (prop::sample::select(KEYS.to_vec()), value(), any::<bool>()).prop_map(move |(key, v, drop)| {
        let mut p = good.clone();
        if drop {
            if let Value::Object(members) = &mut p {
                members.retain(|(k, _)| k != key);
            }
        } else {
            p.insert(key, v);
        }
        p
    })
}

fn check(stored: &Value) -> Result<(), TestCaseError> {
    let cfg = ProfileConfig::default();
    let mut r = SeededRandom::new(1);
    let (profile, status) = load(Some(stored), &cfg, NOW, &mut r);
    prop_assert_eq!(profile.id.len(), 32);
    // What load gives is stable: encoding it and loading it again changes nothing.
    let once = encode(&profile);
    let (again, status2) = load(Some(&once), &cfg, NOW, &mut r);
    prop_assert!(
        matches!(status2, LoadStatus::Loaded),
        "{:?} then {:?}",
        status,
        status2
    );
    prop_assert_eq!(encode(&again), once);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_json_never_panics_and_loads_stably(v in value()) {
        check(&v)?;
    }

    #[test]
    fn damaged_profiles_never_panic_and_load_stably(v in damaged_profile()) {
        check(&v)?;
    }
}
