//! The browser shell: the only part of Tailor that touches `window`, the DOM and storage.
//!
//! It turns browser state into engine inputs, calls the pure engine, and applies what the engine
//! decided. It holds no decisions of its own. Everything it exports is small and typed; errors
//! cross to JavaScript as real `Error` objects, never as panics or bare strings.

pub mod dom;
pub mod js_json;
pub mod storage;

use crate::rules::{DecideInput, ExposureCounts, RuleSet};
use crate::Value;
use wasm_bindgen::prelude::*;

/// Where the visit count lives in `localStorage` (walking-skeleton profile).
const VISITS_KEY: &str = "tailor:visits";

/// Counts this page view, decides with `rules` (a parsed rules object, as `JSON.parse` returns
/// it) and, unless `apply` is false, changes the page. Returns a report for the loader:
/// `{ visits, persisted, matched: string[], applied: number }`.
///
/// @example
/// ```ts
/// import init, { boot } from "./tailor_core.js";
/// await init();
/// const report = boot(JSON.parse(document.getElementById("tailor-rules").textContent), true);
/// ```
#[wasm_bindgen]
pub fn boot(rules: JsValue, apply: bool) -> Result<JsValue, JsError> {
    let (rules, warnings) = RuleSet::parse(&js_json::from_js(&rules))
        .map_err(|e| JsError::new(&["Tailor: invalid rules: ", &e.to_string()].concat()))?;
    for warning in &warnings {
        dom::warn(&["Tailor: ", &warning.to_string()].concat());
    }

    let store = storage::LocalStore::open();
    let previous = store
        .get(VISITS_KEY)
        .and_then(|text| text.trim().parse::<u32>().ok())
        .unwrap_or(0);
    let visits = previous.saturating_add(1);
    let persisted = store.set(VISITS_KEY, &visits.to_string());

    let attributes = Value::Object(vec![("visits".into(), Value::Number(visits.into()))]);
    // Interim (until the DOM-rules shell lands): no visitor id, no exposure history.
    let url = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.url().ok())
        .unwrap_or_default();
    let decisions = rules
        .decide(&DecideInput {
            attributes: &attributes,
            visitor_id: "",
            now: js_sys::Date::now(),
            today: 0,
            url: &url,
            exposures: &|_, _| ExposureCounts::default(),
        })
        .decisions;
    let mut applied = 0;
    if apply {
        for decision in &decisions {
            applied += dom::apply_actions(&decision.actions);
        }
    }

    let matched = decisions
        .iter()
        .map(|d| Value::String(d.rule_id.clone()))
        .collect();
    let report = Value::Object(vec![
        ("visits".into(), Value::Number(visits.into())),
        ("persisted".into(), Value::Bool(persisted)),
        ("matched".into(), Value::Array(matched)),
        ("applied".into(), Value::Number(applied as f64)),
    ]);
    Ok(js_json::to_js(&report))
}

/// The engine's version, for the loader's console messages and bug reports.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
