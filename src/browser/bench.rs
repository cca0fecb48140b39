//! Benchmark exports, compiled only with the `bench` feature (never shipped). They time the
//! engine inside the browser's wasm runtime with `performance.now()`, in batches, because the
//! browser coarsens that clock (to 100 µs without cross-origin isolation).

use super::js_json;
use super::platform::CryptoRandom;
use super::storage::LocalStore;
use crate::condition::Condition;
use crate::context::PageContext;
use crate::platform::{FallbackStore, PROFILE_KEY};
use crate::prelude::*;
use crate::profile::{self, LiveProfile, Op, ProfileConfig};
use crate::rules::{DecideInput, ExposureCounts, RuleSet};
use crate::Value;
use core::hint::black_box;
use wasm_bindgen::prelude::*;

fn now() -> f64 {
    super::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or_else(js_sys::Date::now)
}

/// Runs `work` `batch` times per sample, `samples` times; the median time of one run, in µs.
fn median_us(samples: u32, batch: u32, mut work: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..samples)
        .map(|_| {
            let t0 = now();
            for _ in 0..batch {
                work();
            }
            (now() - t0) * 1000.0 / f64::from(batch)
        })
        .collect();
    times.sort_unstable_by(f64::total_cmp);
    times[times.len() / 2]
}

fn result(pairs: Vec<(&str, f64)>) -> JsValue {
    js_json::to_js(&Value::Object(
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Value::Number(v)))
            .collect(),
    ))
}

/// Median time to evaluate one parsed condition against `attributes`, in ns.
#[wasm_bindgen(js_name = benchCondition)]
pub fn bench_condition(condition: JsValue, attributes: JsValue) -> Result<JsValue, JsError> {
    let condition = Condition::parse(&js_json::from_js(&condition))
        .map_err(|e| JsError::new(&e.to_string()))?;
    let attributes = js_json::from_js(&attributes);
    let us = median_us(31, 20_000, || {
        black_box(condition.matches(black_box(&attributes)));
    });
    Ok(result(vec![("medianNs", us * 1000.0)]))
}

/// Median time to decide `rules` against `attributes` (parsed once), in µs.
#[wasm_bindgen(js_name = benchDecide)]
pub fn bench_decide(rules: JsValue, attributes: JsValue) -> Result<JsValue, JsError> {
    let (rules, _) =
        RuleSet::parse(&js_json::from_js(&rules)).map_err(|e| JsError::new(&e.to_string()))?;
    let attributes = js_json::from_js(&attributes);
    let exposures = |_: &str, _: i64| ExposureCounts::default();
    let input = DecideInput {
        attributes: &attributes,
        visitor_id: "0123456789abcdef0123456789abcdef",
        now: 1.7e12,
        today: 19_700,
        url: "https://shop.example/cats/toys",
        exposures: &exposures,
    };
    let mut winners = 0;
    let us = median_us(31, 10, || {
        winners = black_box(rules.decide(black_box(&input))).decisions.len();
    });
    Ok(result(vec![("medianUs", us), ("winners", winners as f64)]))
}

/// A heavy visitor (1,000 page views over 200 topics, events, exposures) stored in the real
/// localStorage; then the median time of one page's load (read, parse, decode) plus save (rebase,
/// encode, print, write) as the shell does them, in µs, and the stored size in bytes.
#[wasm_bindgen(js_name = benchProfile)]
pub fn bench_profile() -> JsValue {
    let config = ProfileConfig::default();
    let mut random = CryptoRandom;
    let start = js_sys::Date::now() - 60.0 * 86_400_000.0;
    let (mut tab, _) = LiveProfile::load(None, &config, start, &mut random);
    for i in 0..1000u32 {
        let at = start + f64::from(i) * 3_600_000.0;
        let ctx = PageContext::new(at, "https://shop.example/products");
        let topic = crate::text::concat(&["topic-", &(i % 200).to_string()]);
        tab.record_all(
            profile::page_ops(&ctx, &[(topic.as_str(), 1.0)], &config),
            &config,
        );
        let name = crate::text::concat(&["event-", &(i % 40).to_string()]);
        tab.record(Op::Event { at, name }, &config);
        let rule = crate::text::concat(&["rule-", &(i % 80).to_string()]);
        tab.record(Op::exposure(&rule, &ctx), &config);
    }
    let mut store = FallbackStore::new(LocalStore::open());
    let save = tab.prepare_save(None, &config, js_sys::Date::now(), &mut random);
    let text = stringify(&save.value);
    store.set(PROFILE_KEY, &text);
    let bytes = text.len() as f64;

    // A page of a returning visitor as the shell runs it: load (read, parse, decode), record the
    // page view, save in place (storage unchanged since the load: encode, stringify, write).
    let us = median_us(31, 50, || {
        let now = js_sys::Date::now();
        let text = store.get(PROFILE_KEY);
        let stored = text.as_deref().and_then(js_json::parse_text);
        let (mut tab, _) = LiveProfile::load(stored.as_ref(), &config, now, &mut random);
        let ctx = PageContext::new(now, "https://shop.example/cats");
        tab.record_all(profile::page_ops(&ctx, &[("cats", 1.0)], &config), &config);
        let save = tab.save_in_place(now);
        store.set(PROFILE_KEY, &stringify(&save.value));
        tab.saved(save, &config);
    });
    // The same when another tab wrote in between: the save re-reads and replays onto it.
    let rebase_us = median_us(31, 50, || {
        let now = js_sys::Date::now();
        let read = |store: &mut FallbackStore<LocalStore>| {
            let text = store.get(PROFILE_KEY);
            text.as_deref().and_then(js_json::parse_text)
        };
        let stored = read(&mut store);
        let (mut tab, _) = LiveProfile::load(stored.as_ref(), &config, now, &mut random);
        let ctx = PageContext::new(now, "https://shop.example/cats");
        tab.record_all(profile::page_ops(&ctx, &[("cats", 1.0)], &config), &config);
        let again = read(&mut store);
        let save = tab.prepare_save(again.as_ref(), &config, now, &mut random);
        store.set(PROFILE_KEY, &stringify(&save.value));
        tab.saved(save, &config);
    });
    store.remove(PROFILE_KEY);
    result(vec![
        ("storedBytes", bytes),
        ("loadSaveMedianUs", us),
        ("loadRebaseSaveMedianUs", rebase_us),
    ])
}

fn stringify(value: &Value) -> String {
    js_json::to_text(value)
}
