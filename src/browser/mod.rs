//! The browser shell: the only part of Tailor that touches `window`, the DOM and storage.
//!
//! Import, call, export: each method converts its JavaScript arguments, calls the visit
//! (`crate::visit`, where every decision is made and tested natively) once, and converts the
//! result. It keeps only the DOM applier, lent to the visit through [`platform::BrowserHost`].
//! Errors cross to JavaScript as real `Error` objects, never as panics or bare strings. It never
//! calls page code: events for the page are queued and handed to the loader (`takeEvents`), which
//! dispatches them after the call has returned.

use crate::prelude::*;
#[cfg(feature = "bench")]
pub mod bench;
pub mod dom;
pub mod framework;
pub mod js_json;
pub mod page;
pub mod platform;
pub mod storage;

use crate::visit::Visit;
use crate::Value;
use platform::BrowserHost;
use storage::LocalStore;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The page's `window` (`None` in a worker). One import read once, where `web_sys::window()`
    /// looks for the global object four ways (`globalThis`, `self`, `window`, `global`): four
    /// imports and their glue, about 0.2 KB gzip.
    #[wasm_bindgen(thread_local_v2, js_name = window)]
    static WINDOW: Option<web_sys::Window>;
}

/// The page's `window`, as `web_sys::window()` gives it.
pub fn window() -> Option<web_sys::Window> {
    WINDOW.with(Clone::clone)
}

/// Tailor on one page: the visitor's live profile, their consent, and the site's configuration.
///
/// @example
/// ```ts
/// import init, { Tailor } from "./tailor_core.js";
/// await init();
/// const engine = new Tailor({ consent: "required" }, navigator.globalPrivacyControl === true);
/// const report = engine.start(rules, true);
/// engine.consent({ personalization: true });
/// ```
#[wasm_bindgen]
pub struct Tailor {
    visit: Visit<LocalStore, BrowserHost>,
}

#[wasm_bindgen]
impl Tailor {
    /// Loads the visitor's profile and consent from storage. Never throws: a bad configuration,
    /// corrupt storage or blocked storage each print one console warning and Tailor goes on
    /// (with defaults, a fresh profile, or in memory).
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue, gpc: bool) -> Tailor {
        let config = js_json::from_js(&config);
        let host = BrowserHost::default();
        Tailor {
            visit: Visit::open(config, gpc, LocalStore::open(), host),
        }
    }

    /// Shows this tab as the visitor a preview link describes; `payload` is the link's JSON text.
    /// Call it before `start`. From then on nothing is stored (storage is left as it was),
    /// nothing is sent, no exposure or conversion is counted, the visitor's real profile is not
    /// read, and held-out visitors see what the rules show. Returns false when the site does not
    /// allow previews or the payload is refused (each with a console warning). Only the tools
    /// engine (feature `tools`) previews; the visitors' engine returns false, and the loader
    /// never asks it.
    pub fn preview(&mut self, payload: &str) -> bool {
        cfg!(feature = "tools") && self.visit.preview(payload)
    }

    /// Counts this page view, decides with `rules` (JSON text, or the value `JSON.parse`
    /// returns) and, unless `apply` is false (the loader already gave up waiting), changes the
    /// page. It does not write storage: the loader calls `flush` in the next task, so the first
    /// paint waits for nothing but the decision.
    /// Returns `{ visits, pageViews, persisted, matched: string[], holdout: string[], applied }`.
    pub fn start(&mut self, rules: JsValue, apply: bool) -> Result<JsValue, JsError> {
        let invalid =
            |why: &str| JsError::new(&crate::text::concat(&["Tailor: invalid rules: ", why]));
        // Text crosses into the wasm once; a JavaScript object crosses value by value.
        let rules = match rules.as_string() {
            Some(text) => js_json::parse_text(&text).ok_or_else(|| invalid("not valid JSON"))?,
            None => js_json::from_js(&rules),
        };
        let report = self.visit.start(&rules, apply).map_err(|e| invalid(&e))?;
        Ok(js_json::to_js(&report))
    }

    /// A single-page-app navigation (pushState, replaceState, popstate): a new page view for the
    /// new URL, decided again; what the old view changed is reverted first.
    pub fn navigate(&mut self) -> JsValue {
        js_json::to_js(&self.visit.navigate())
    }

    /// Applies the decided edits to elements that appeared or were re-rendered since; the loader
    /// calls it from a MutationObserver. Returns how many elements changed.
    pub fn reapply(&mut self) -> u32 {
        self.visit.host_mut().applier.apply() as u32
    }

    /// Reverts every change Tailor made on this page and stops re-applying them.
    pub fn revert(&mut self) {
        self.visit.host_mut().applier.clear();
    }

    /// A click on the page. A `data-tailor-event` name counts that event and a conversion for
    /// every rule exposed on this page view; a click inside an element a rule targets counts a
    /// `click` conversion for that rule. Each (rule, name) counts once per page view.
    pub fn clicked(&mut self, target: web_sys::Element, event: Option<String>) {
        let inside = |selector: &str| target.closest(selector).ok().flatten().is_some();
        self.visit.clicked(event.as_deref(), inside);
    }

    /// Why `element` looks the way it does: the rules that changed it (or an element around it),
    /// each with its reason. For a "why am I seeing this?" link.
    pub fn explain(&self, element: web_sys::Element) -> JsValue {
        let ids = self.visit.host().applier.rules_for(&element);
        js_json::to_js(&self.visit.explain(&ids))
    }

    /// For the debug overlay: the attributes rules saw and every rule's outcome and reason
    /// (`null` from the visitors' engine, which has no overlay: feature `tools`).
    #[wasm_bindgen(js_name = debugInfo)]
    pub fn debug_info(&self) -> JsValue {
        if cfg!(feature = "tools") {
            js_json::to_js(&self.visit.debug_info())
        } else {
            JsValue::NULL
        }
    }

    /// Adds the topics marked in the body (`data-tailor-topic`); the loader calls it once the
    /// document is parsed.
    #[wasm_bindgen(js_name = bodyTopics)]
    pub fn body_topics(&mut self) {
        self.visit.body_topics();
    }

    /// `tailor.set(path, value)`: `name` and `pet` declare the visitor's own answers; any other
    /// key is a custom attribute. Values are strings, numbers, booleans, or `null` to remove.
    pub fn set(&mut self, path: &str, value: JsValue) -> Result<(), JsError> {
        let value = js_json::from_js(&value);
        self.visit.set(path, value).map_err(JsError::new)
    }

    /// `tailor.track(name)`: counts a named event (`add_to_cart`, `purchase`, ...).
    pub fn track(&mut self, name: &str) -> Result<(), JsError> {
        self.visit.track(name).map_err(JsError::new)
    }

    /// A `data-tailor-capture` form was submitted: the visitor's own name and pet.
    pub fn declare(&mut self, name: Option<String>, pet: Option<String>) {
        self.visit.declare(name.as_deref(), pet.as_deref());
    }

    /// `tailor.consent({ personalization?: boolean, sync?: boolean })`: records the visitor's
    /// choice and carries out what it means (withdrawing personalization erases the stored
    /// profile). Returns the consent state.
    pub fn consent(&mut self, choices: JsValue) -> Result<JsValue, JsError> {
        let choices = js_json::from_js(&choices);
        let state = self.visit.consent(&choices).map_err(|e| JsError::new(&e))?;
        Ok(js_json::to_js(&state))
    }

    /// What the site's consent platform (the `consent.source` of the configuration) says now,
    /// as the loader read it: carries out what changed, like `consent`, but stores nothing of
    /// it. Returns the consent state.
    #[wasm_bindgen(js_name = sourceConsent)]
    pub fn source_consent(&mut self, personalization: bool, sync: bool) -> JsValue {
        js_json::to_js(&self.visit.source_consent(personalization, sync))
    }

    /// The consent state: `{ mode, gpc, personalization, sync }` with what is allowed now
    /// (and `source`, the consent platform's name, when the site configured one).
    #[wasm_bindgen(js_name = consentState)]
    pub fn consent_state(&self) -> JsValue {
        js_json::to_js(&self.visit.consent_state())
    }

    /// Everything Tailor keeps about the visitor on this device, as it is stored.
    pub fn profile(&self) -> JsValue {
        js_json::to_js(&self.visit.profile())
    }

    /// Erases the profile on this device and starts a fresh anonymous one (in memory until the
    /// next page view); the visitor's consent choices are kept, because forgetting a refusal
    /// would undo it.
    pub fn forget(&mut self) {
        self.visit.forget();
    }

    /// Another tab changed storage (`storage` event): pick up its profile, keep ours pending,
    /// and decide again with it.
    #[wasm_bindgen(js_name = storageChanged)]
    pub fn storage_changed(&mut self, key: Option<String>) {
        self.visit.storage_changed(key.as_deref());
    }

    /// Writes pending changes now. The loader calls it in the task after the first decision
    /// and on `pagehide`.
    pub fn flush(&mut self) {
        self.visit.flush();
    }

    /// The next batch for the server, `{ url, body }` (body: JSON text), or `null` when nothing
    /// waits, a batch is on its way, or sync is not allowed. Report the answer to `batchDone`.
    #[wasm_bindgen(js_name = takeBatch)]
    pub fn take_batch(&mut self) -> JsValue {
        match self.visit.take_batch() {
            Some(batch) => js_json::to_js(&Value::Object(vec![
                ("url".into(), batch.url.into()),
                ("body".into(), batch.body.into()),
            ])),
            None => JsValue::NULL,
        }
    }

    /// The batch ended with HTTP `status` (0: network error; -1: sent as a beacon, answer
    /// unseen); `retry_after` is the `Retry-After` header in seconds. Returns the ms until the
    /// next send, or -1 when nothing waits.
    #[wasm_bindgen(js_name = batchDone)]
    pub fn batch_done(&mut self, status: i32, retry_after: Option<f64>) -> f64 {
        self.visit.batch_done(status, retry_after)
    }

    /// Ms until waiting events should be sent (0: now), or -1 when there is nothing to send.
    #[wasm_bindgen(js_name = flushIn)]
    pub fn flush_in(&self) -> f64 {
        self.visit.flush_in()
    }

    /// The URL of the next server erase to request (`DELETE`), or `null`.
    #[wasm_bindgen(js_name = takeErase)]
    pub fn take_erase(&self) -> Option<String> {
        self.visit.take_erase()
    }

    /// The erase request answered with HTTP `status` (0: no answer). 2xx and 404 finish the
    /// entry, another 4xx (such as 400) drops it, anything else leaves it for a later page.
    #[wasm_bindgen(js_name = eraseAnswered)]
    pub fn erase_answered(&mut self, status: u16) {
        self.visit.erase_answered(status);
    }

    /// Every slot decided on this page view: `{ [slot]: { rule, data } | null }`. `data` is the
    /// winning rule's rendered payload (`{}` when it has none); `null` for a holdout (control
    /// sees the default) and on a page view that does not change the page (decided late).
    pub fn slots(&self) -> JsValue {
        js_json::to_js(&self.visit.slots())
    }

    /// The page showed `slot`'s current decision (its payload, or the default for control):
    /// records the rule's exposure, once per page view like a DOM rule's. Returns whether an
    /// exposure was recorded now (false: no decision for the slot, or already exposed).
    #[wasm_bindgen(js_name = slotShown)]
    pub fn slot_shown(&mut self, slot: &str) -> bool {
        self.visit.slot_shown(slot)
    }

    /// The events queued for the page since the last call: `[{ type, detail }]`.
    #[wasm_bindgen(js_name = takeEvents)]
    pub fn take_events(&mut self) -> JsValue {
        js_json::to_js(&Value::Array(self.visit.take_events()))
    }
}
