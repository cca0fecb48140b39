//! The browser shell: the only part of Tailor that touches `window`, the DOM and storage.
//!
//! It turns browser state into engine inputs, calls the pure engine, and applies what the engine
//! decided. It holds no decisions of its own. Everything it exports is small and typed; errors
//! cross to JavaScript as real `Error` objects, never as panics or bare strings. It never calls
//! page code: events for the page are queued and handed to the loader (`takeEvents`), which
//! dispatches them after the call has returned.

#[cfg(feature = "bench")]
pub mod bench;
pub mod dom;
pub mod framework;
pub mod js_json;
pub mod page;
pub mod platform;
pub mod storage;

use crate::config::SiteConfig;
use crate::consent::{Consent, Effects, Purpose, Source};
use crate::platform::{FallbackStore, KeyValueStore, CONSENT_KEY, PROFILE_KEY};
use crate::preview::Preview;
use crate::profile::{self, LiveProfile, Op};
use crate::rules::{DecideInput, Decisions, RuleSet};
use crate::sync::{self, Next, Outbox};
use crate::visitor_id;
use crate::Value;
use dom::Applier;
use platform::CryptoRandom;
use storage::LocalStore;
use wasm_bindgen::prelude::*;

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
    config: SiteConfig,
    store: FallbackStore<LocalStore>,
    live: LiveProfile,
    consent: Consent,
    ctx: crate::context::PageContext,
    rules: RuleSet,
    decided: Decisions,
    applier: Applier,
    /// Conversions already counted on this page view: (rule id, event name).
    converted: Vec<(String, String)>,
    /// Rules exposed on this page view: each is exposed once per view, however often it is
    /// decided again or its slot shown.
    exposed: Vec<String>,
    /// Whether this page view changes the page (false when the loader gave up waiting).
    applying: bool,
    events: Vec<Value>,
    storage_warned: bool,
    /// The stored profile text as this tab last read or wrote it: when storage still holds it,
    /// no other tab has written, and a save needs no re-read of the stored profile.
    last_text: Option<String>,
    /// Consented events waiting for the server (only with `sync` consent and an endpoint).
    outbox: Outbox,
    /// Visitor ids whose server copy must be erased (sync withdrawn, or `forget`).
    erase_queue: Vec<String>,
    /// This page view assumed the time zone the profile had; `flush` checks it.
    zone_unchecked: bool,
    /// The site allows preview links (`"preview": true` in `#tailor-config`).
    preview_allowed: bool,
    /// This tab is in preview (`preview`): nothing is stored, counted or sent.
    preview: Option<Preview>,
}

/// Storage keys of the shell's own records.
const OUTBOX_KEY: &str = "tailor.outbox";
/// Written by the loader (rules files cached on the device).
const RULES_CACHE_KEY: &str = "tailor.rules";
const ERASE_KEY: &str = "tailor.erase";

#[wasm_bindgen]
impl Tailor {
    /// Loads the visitor's profile and consent from storage. Never throws: a bad configuration,
    /// corrupt storage or blocked storage each print one console warning and Tailor goes on
    /// (with defaults, a fresh profile, or in memory).
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue, gpc: bool) -> Tailor {
        let mut config = js_json::from_js(&config);
        let preview_allowed = crate::preview::take_opt_in(&mut config).unwrap_or_else(|w| {
            warn(&["Tailor: ", w].concat());
            false
        });
        let (config, warnings) = SiteConfig::parse(&config);
        for w in &warnings {
            warn(&["Tailor: ", w].concat());
        }
        let mut store = FallbackStore::new(LocalStore::open());
        let now = js_sys::Date::now();
        let record = read_json(&mut store, CONSENT_KEY);
        let mut consent = Consent::restore(config.consent_mode, gpc, record.as_ref());
        if config.consent_source.is_some() {
            consent.source = Source::Waiting;
        }
        let last_text = store.get(PROFILE_KEY);
        let stored = last_text.as_deref().map(parse_json);
        let (live, status) =
            LiveProfile::load(stored.as_ref(), &config.profile, now, &mut CryptoRandom);
        if let Some(reason) = status.warning() {
            warn(
                &[
                    "Tailor: the stored profile was discarded (",
                    reason,
                    "); starting fresh",
                ]
                .concat(),
            );
        }
        let mut tailor = Tailor {
            ctx: page::context(now),
            config,
            store,
            live,
            consent,
            rules: RuleSet::default(),
            decided: Decisions::default(),
            applier: Applier::default(),
            converted: Vec::new(),
            exposed: Vec::new(),
            applying: true,
            events: Vec::new(),
            storage_warned: false,
            last_text,
            outbox: Outbox::default(),
            erase_queue: Vec::new(),
            zone_unchecked: false,
            preview_allowed,
            preview: None,
        };
        if tailor.sync_on() {
            if let Some(stored) = read_json(&mut tailor.store, OUTBOX_KEY) {
                // Restored events are due at once: they have waited a page already.
                tailor.outbox = Outbox::decode(&stored, 0.0, &tailor.config.sync);
            }
        }
        if let Some(stored) = read_json(&mut tailor.store, ERASE_KEY) {
            let (ids, dropped) = sync::restore_erase_queue(&stored);
            tailor.erase_queue = ids;
            if dropped > 0 {
                warn("Tailor: dropped invalid entries of the stored erase queue");
                tailor.persist_erase_queue();
            }
        }
        tailor.warn_storage();
        tailor
    }

    /// Shows this tab as the visitor a preview link describes; `payload` is the link's JSON text.
    /// Call it before `start`. From then on nothing is stored (storage is left as it was),
    /// nothing is sent, no exposure or conversion is counted, the visitor's real profile is not
    /// read, and held-out visitors see what the rules show. Returns false when the site does not
    /// allow previews or the payload is refused (each with a console warning).
    pub fn preview(&mut self, payload: &str) -> bool {
        if !self.preview_allowed {
            warn("Tailor: a preview link was ignored: this site does not allow previews (\"preview\": true in #tailor-config)");
            return false;
        }
        let preview = match crate::preview::parse(payload, js_json::parse_text) {
            Ok(p) => p,
            Err(why) => {
                warn(&["Tailor: a preview link was refused: ", &why].concat());
                return false;
            }
        };
        self.store.detach();
        let now = js_sys::Date::now();
        self.live = LiveProfile::load(None, &self.config.profile, now, &mut CryptoRandom).0;
        self.last_text = None;
        self.outbox = Outbox::default();
        self.erase_queue.clear();
        self.preview = Some(preview);
        self.preview_context();
        true
    }

    /// Counts this page view, decides with `rules` (JSON text, or the value `JSON.parse`
    /// returns) and, unless `apply` is false (the loader already gave up waiting), changes the
    /// page. It does not write storage: the loader calls `flush` in the next task, so the first
    /// paint waits for nothing but the decision.
    /// Returns `{ visits, pageViews, persisted, matched: string[], holdout: string[], applied }`.
    pub fn start(&mut self, rules: JsValue, apply: bool) -> Result<JsValue, JsError> {
        let invalid = |why: &str| JsError::new(&["Tailor: invalid rules: ", why].concat());
        // Text crosses into the wasm once; a JavaScript object crosses value by value.
        let rules = match rules.as_string() {
            Some(text) => js_json::parse_text(&text).ok_or_else(|| invalid("not valid JSON"))?,
            None => js_json::from_js(&rules),
        };
        let (rules, warnings) = RuleSet::parse(&rules).map_err(|e| invalid(&e.to_string()))?;
        for w in &warnings {
            warn(&["Tailor: ", &w.to_string()].concat());
        }
        self.rules = rules;
        Ok(js_json::to_js(&self.page_view(apply)))
    }

    /// A single-page-app navigation (pushState, replaceState, popstate): a new page view for the
    /// new URL, decided again; what the old view changed is reverted first.
    pub fn navigate(&mut self) -> JsValue {
        let zone = self.ctx.time_zone.take();
        self.ctx = page::context(js_sys::Date::now());
        self.ctx.time_zone = zone;
        self.preview_context();
        let report = self.page_view(true);
        self.save();
        js_json::to_js(&report)
    }

    /// Applies the decided edits to elements that appeared or were re-rendered since; the loader
    /// calls it from a MutationObserver. Returns how many elements changed.
    pub fn reapply(&mut self) -> u32 {
        self.applier.apply() as u32
    }

    /// Reverts every change Tailor made on this page and stops re-applying them.
    pub fn revert(&mut self) {
        self.applier.clear();
    }

    /// A click on the page. A `data-tailor-event` name counts that event and a conversion for
    /// every rule exposed on this page view; a click inside an element a rule targets counts a
    /// `click` conversion for that rule. Each (rule, name) counts once per page view.
    pub fn clicked(&mut self, target: web_sys::Element, event: Option<String>) {
        if let Some(name) = event.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            let _ = self.track(name);
        }
        if self.preview.is_some() {
            return; // a preview counts no conversion
        }
        let mut conversions = Vec::new();
        for d in &self.decided.decisions {
            let name = match event.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                Some(name) => name.to_owned(),
                None => {
                    let targeted = self.rules.get(&d.rule_id).is_some_and(|rule| {
                        rule.selectors()
                            .iter()
                            .any(|s| target.closest(s).ok().flatten().is_some())
                    });
                    if !targeted {
                        continue;
                    }
                    "click".to_owned()
                }
            };
            let key = (d.rule_id.clone(), name);
            if !self.converted.contains(&key) {
                conversions.push((d.rule_id.clone(), d.holdout, key.1.clone()));
                self.converted.push(key);
            }
        }
        for (rule, holdout, name) in conversions {
            self.enqueue(|id, at| sync::conversion(id, at, &name, Some((&rule, holdout))));
            let variant = if holdout { "holdout" } else { "exposed" };
            self.emit(
                "tailor:conversion",
                Value::Object(vec![
                    ("rule".into(), rule.into()),
                    ("variant".into(), variant.into()),
                    ("name".into(), name.into()),
                ]),
            );
        }
    }

    /// Why `element` looks the way it does: the rules that changed it (or an element around it),
    /// each with its reason. For a "why am I seeing this?" link.
    pub fn explain(&self, element: web_sys::Element) -> JsValue {
        let list = self
            .applier
            .rules_for(&element)
            .into_iter()
            .filter_map(|id| self.decided.report(id))
            .map(report_value)
            .collect();
        js_json::to_js(&Value::Array(list))
    }

    /// For the debug overlay: the attributes rules saw and every rule's outcome and reason.
    #[wasm_bindgen(js_name = debugInfo)]
    pub fn debug_info(&self) -> JsValue {
        let rules = self
            .decided
            .reports
            .iter()
            .map(|r| {
                let mut v = report_value(r);
                let selectors = self.rules.get(&r.rule_id).map(|rule| rule.selectors());
                let list = selectors
                    .unwrap_or_default()
                    .into_iter()
                    .map(Value::from)
                    .collect();
                v.insert("selectors", Value::Array(list));
                v
            })
            .collect();
        js_json::to_js(&Value::Object(vec![
            ("attributes".into(), self.attributes()),
            ("rules".into(), Value::Array(rules)),
        ]))
    }

    /// Adds the topics marked in the body (`data-tailor-topic`); the loader calls it once the
    /// document is parsed.
    #[wasm_bindgen(js_name = bodyTopics)]
    pub fn body_topics(&mut self) {
        let now = js_sys::Date::now();
        for topic in page::body_topics() {
            let op = Op::Topic {
                at: now,
                topic,
                weight: 1.0,
            };
            self.live.record(op, &self.config.profile);
        }
        self.save();
    }

    /// `tailor.set(path, value)`: `name` and `pet` declare the visitor's own answers; any other
    /// key is a custom attribute. Values are strings, numbers, booleans, or `null` to remove.
    pub fn set(&mut self, path: &str, value: JsValue) -> Result<(), JsError> {
        let path = path.trim();
        if path.is_empty() {
            return Err(JsError::new(
                "Tailor: set(path, value) needs a non-empty path",
            ));
        }
        let value = js_json::from_js(&value);
        if matches!(value, Value::Array(_) | Value::Object(_)) {
            return Err(JsError::new(
                "Tailor: set(path, value) takes a string, number, boolean or null",
            ));
        }
        let op = Op::Set {
            at: js_sys::Date::now(),
            path: path.to_owned(),
            value,
        };
        self.live.record(op, &self.config.profile);
        self.save();
        self.redecide();
        Ok(())
    }

    /// `tailor.track(name)`: counts a named event (`add_to_cart`, `purchase`, ...).
    pub fn track(&mut self, name: &str) -> Result<(), JsError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(JsError::new(
                "Tailor: track(name) needs a non-empty event name",
            ));
        }
        let op = Op::Event {
            at: js_sys::Date::now(),
            name: name.to_owned(),
        };
        self.live.record(op, &self.config.profile);
        self.save();
        self.enqueue(|id, at| sync::named(id, at, name));
        self.emit(
            "tailor:track",
            Value::Object(vec![("name".into(), name.into())]),
        );
        Ok(())
    }

    /// A `data-tailor-capture` form was submitted: the visitor's own name and pet.
    pub fn declare(&mut self, name: Option<String>, pet: Option<String>) {
        let clean = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let (name, pet) = (clean(name), clean(pet));
        if name.is_none() && pet.is_none() {
            return;
        }
        let op = Op::Declare {
            at: js_sys::Date::now(),
            name,
            pet,
        };
        self.live.record(op, &self.config.profile);
        self.save();
        self.redecide();
    }

    /// `tailor.consent({ personalization?: boolean, sync?: boolean })`: records the visitor's
    /// choice and carries out what it means (withdrawing personalization erases the stored
    /// profile). Returns the consent state.
    pub fn consent(&mut self, choices: JsValue) -> Result<JsValue, JsError> {
        let choices = js_json::from_js(&choices);
        let Some(members) = choices.as_object() else {
            return Err(JsError::new(
                "Tailor: consent() takes an object like { personalization: true, sync: false }",
            ));
        };
        let mut changes = Vec::new();
        for (key, value) in members {
            let (Some(purpose), Some(granted)) = (Purpose::parse(key), value.as_bool()) else {
                return Err(JsError::new(
                    &[
                        "Tailor: consent(): \"",
                        key,
                        "\" must be personalization or sync, set to true or false",
                    ]
                    .concat(),
                ));
            };
            changes.push((purpose, granted));
        }
        let now = js_sys::Date::now();
        let mut erased = false;
        for (purpose, granted) in changes {
            let effects = self.consent.set(purpose, granted, now);
            erased |= effects.erase_profile;
            self.carry_out(effects);
        }
        // Withdrawing personalization erased what the decision was made from: decide again, so
        // the page (and every slot) stops showing what the erased profile earned.
        if erased {
            self.redecide();
        }
        let state = self.consent_value();
        self.emit("tailor:consentchange", state.clone());
        Ok(js_json::to_js(&state))
    }

    /// What the site's consent platform (the `consent.source` of the configuration) says now,
    /// as the loader read it: carries out what changed, like `consent`, but stores nothing of
    /// it. Returns the consent state.
    #[wasm_bindgen(js_name = sourceConsent)]
    pub fn source_consent(&mut self, personalization: bool, sync: bool) -> JsValue {
        let allowed = |c: &Consent| (c.may_store(), c.may_sync());
        let before = allowed(&self.consent);
        let effects = self.consent.heard(personalization, sync);
        self.carry_out(effects);
        let state = self.consent_value();
        if allowed(&self.consent) != before {
            self.emit("tailor:consentchange", state.clone());
        }
        js_json::to_js(&state)
    }

    /// The consent state: `{ mode, gpc, personalization, sync }` with what is allowed now
    /// (and `source`, the consent platform's name, when the site configured one).
    #[wasm_bindgen(js_name = consentState)]
    pub fn consent_state(&self) -> JsValue {
        js_json::to_js(&self.consent_value())
    }

    /// Everything Tailor keeps about the visitor on this device, as it is stored.
    pub fn profile(&self) -> JsValue {
        let value = Value::Object(vec![
            ("profile".into(), profile::encode(self.live.profile())),
            ("consent".into(), self.consent.record()),
            ("persisted".into(), Value::Bool(self.persisted())),
        ]);
        js_json::to_js(&value)
    }

    /// Erases the profile on this device and starts a fresh anonymous one (in memory until the
    /// next page view); the visitor's consent choices are kept, because forgetting a refusal
    /// would undo it.
    pub fn forget(&mut self) {
        let mut effects = self.consent.forget_effects();
        // The server holds something only if sync was allowed; a withdrawal of sync already
        // queued its erase.
        effects.request_server_erase &= self.consent.may_sync();
        self.carry_out(effects);
        self.emit("tailor:forget", Value::Object(Vec::new()));
    }

    /// Another tab changed storage (`storage` event): pick up its profile, keep ours pending,
    /// and decide again with it.
    #[wasm_bindgen(js_name = storageChanged)]
    pub fn storage_changed(&mut self, key: Option<String>) {
        if self.preview.is_some() || key.as_deref().is_some_and(|k| k != PROFILE_KEY) {
            return;
        }
        self.last_text = self.store.get(PROFILE_KEY);
        let stored = self.last_text.as_deref().map(parse_json);
        let now = js_sys::Date::now();
        self.live.reload(
            stored.as_ref(),
            &self.config.profile,
            now,
            &mut CryptoRandom,
        );
        // Pending now also holds any op of ours that the other tab's write lost: save it again.
        if !self.live.pending().is_empty() {
            self.save();
        }
        // What the other tab learned (a form answered there) counts here too: decide again.
        self.redecide();
    }

    /// Writes pending changes now. The loader calls it in the task after the first decision
    /// and on `pagehide`.
    pub fn flush(&mut self) {
        self.check_time_zone();
        self.save();
    }

    /// The next batch for the server, `{ url, body }` (body: JSON text), or `null` when nothing
    /// waits, a batch is on its way, or sync is not allowed. Report the answer to `batchDone`.
    #[wasm_bindgen(js_name = takeBatch)]
    pub fn take_batch(&mut self) -> JsValue {
        if !self.sync_on() {
            return JsValue::NULL;
        }
        let snapshot = sync::profile_snapshot(&self.attributes(), &self.config.sync.allow);
        let batch = self.outbox.take_batch(
            &self.live.profile().id,
            self.consent.may_store(),
            Some(snapshot),
            js_sys::Date::now(),
            &self.config.sync,
        );
        match batch.and_then(|b| stringify(&b.body)) {
            Some(body) => js_json::to_js(&Value::Object(vec![
                ("url".into(), self.config.sync.endpoint.as_str().into()),
                ("body".into(), body.into()),
            ])),
            None => JsValue::NULL,
        }
    }

    /// The batch ended with HTTP `status` (0: network error; -1: sent as a beacon, answer
    /// unseen); `retry_after` is the `Retry-After` header in seconds. Returns the ms until the
    /// next send, or -1 when nothing waits.
    #[wasm_bindgen(js_name = batchDone)]
    pub fn batch_done(&mut self, status: i32, retry_after: Option<f64>) -> f64 {
        let jitter = js_sys::Math::random();
        let now = js_sys::Date::now();
        let next = self
            .outbox
            .finished(status, retry_after, jitter, now, &self.config.sync);
        self.persist_outbox();
        match next {
            Next::RetryIn(ms) => ms,
            Next::Idle => -1.0,
        }
    }

    /// Ms until waiting events should be sent (0: now), or -1 when there is nothing to send.
    #[wasm_bindgen(js_name = flushIn)]
    pub fn flush_in(&self) -> f64 {
        if !self.sync_on() {
            return -1.0;
        }
        let due = self.outbox.flush_in(js_sys::Date::now(), &self.config.sync);
        due.unwrap_or(-1.0)
    }

    /// The URL of the next server erase to request (`DELETE`), or `null`.
    #[wasm_bindgen(js_name = takeErase)]
    pub fn take_erase(&self) -> Option<String> {
        let id = self.erase_queue.first()?;
        if self.config.sync.endpoint.is_empty() || self.preview.is_some() {
            return None;
        }
        self.config.sync.erase_url(id)
    }

    /// The erase request answered with HTTP `status` (0: no answer). 2xx and 404 finish the
    /// entry, another 4xx (such as 400) drops it, anything else leaves it for a later page.
    #[wasm_bindgen(js_name = eraseAnswered)]
    pub fn erase_answered(&mut self, status: u16) {
        match visitor_id::erase_answer(status) {
            visitor_id::EraseAnswer::Done => self.drop_first_erase(),
            visitor_id::EraseAnswer::Refused => {
                warn("Tailor: the server refused an erase request; it is dropped");
                self.drop_first_erase();
            }
            visitor_id::EraseAnswer::Retry => {}
        }
    }

    fn drop_first_erase(&mut self) {
        if !self.erase_queue.is_empty() {
            self.erase_queue.remove(0);
            self.persist_erase_queue();
        }
    }

    /// Every slot decided on this page view: `{ [slot]: { rule, data } | null }`. `data` is the
    /// winning rule's rendered payload (`{}` when it has none); `null` for a holdout (control
    /// sees the default) and on a page view that does not change the page (decided late).
    pub fn slots(&self) -> JsValue {
        let mut out = Vec::new();
        for d in &self.decided.decisions {
            let Some(slot) = &d.slot else { continue };
            let value = if d.holdout || !self.applying {
                Value::Null
            } else {
                let data = d.data.iter().flatten();
                let data = data.map(|(k, v)| (k.clone(), Value::from(v.as_str())));
                Value::Object(vec![
                    ("rule".into(), d.rule_id.as_str().into()),
                    ("data".into(), Value::Object(data.collect())),
                ])
            };
            out.push((slot.clone(), value));
        }
        js_json::to_js(&Value::Object(out))
    }

    /// The page showed `slot`'s current decision (its payload, or the default for control):
    /// records the rule's exposure, once per page view like a DOM rule's. Returns whether an
    /// exposure was recorded now (false: no decision for the slot, or already exposed).
    #[wasm_bindgen(js_name = slotShown)]
    pub fn slot_shown(&mut self, slot: &str) -> bool {
        let found = self
            .decided
            .decisions
            .iter()
            .find(|d| d.slot.as_deref() == Some(slot));
        let Some(d) = found else { return false };
        if !self.applying || self.exposed.contains(&d.rule_id) {
            return false;
        }
        let (rule, holdout) = (d.rule_id.clone(), d.holdout);
        self.expose(rule, holdout, Some(slot.to_owned()));
        self.save();
        true
    }

    /// The events queued for the page since the last call: `[{ type, detail }]`.
    #[wasm_bindgen(js_name = takeEvents)]
    pub fn take_events(&mut self) -> JsValue {
        js_json::to_js(&Value::Array(std::mem::take(&mut self.events)))
    }
}

impl Tailor {
    /// Records a page view at `self.ctx`, decides, applies (unless `apply` is false) and records
    /// one exposure per decision. Returns the report for the loader.
    fn page_view(&mut self, apply: bool) -> Value {
        self.page_time_zone();
        let topics = page::head_topics(&self.ctx, &self.config);
        let weighted: Vec<(&str, f64)> = topics.iter().map(|t| (t.as_str(), 1.0)).collect();
        let ops = profile::page_ops(&self.ctx, &weighted, &self.config.profile);
        self.live.record_all(ops, &self.config.profile);
        let path = self.ctx.path.clone();
        self.enqueue(|id, at| sync::pageview(id, at, &path));
        self.converted.clear();
        self.exposed.clear();
        self.applying = apply;
        self.decide_and_show()
    }

    /// The time zone for this page view. A visitor seen before is decided with the zone their
    /// profile has, or none when it has none (a zone that places nobody, such as `UTC`), and
    /// `flush` checks it after the decision; only a new visitor's first page reads it first.
    fn page_time_zone(&mut self) {
        if self.ctx.time_zone.is_some() {
            return;
        }
        let profile = self.live.profile();
        let stored = profile.geo.as_ref().and_then(|g| g.time_zone.clone());
        if stored.is_some() || profile.page_views > 0 {
            self.zone_unchecked = true;
            self.ctx.time_zone = stored;
        } else {
            self.ctx.time_zone = page::time_zone();
        }
    }

    /// When the browser's time zone is not the one this page view assumed (the visitor
    /// travelled), records where the visitor is now; the next page view decides with it.
    fn check_time_zone(&mut self) {
        if !std::mem::take(&mut self.zone_unchecked) {
            return;
        }
        let zone = page::time_zone();
        if zone.is_none() || zone == self.ctx.time_zone {
            return;
        }
        self.ctx.time_zone = zone;
        let place = profile::geo_op(&self.ctx, &self.config.profile, js_sys::Date::now());
        if let Some(op) = place {
            self.live.record(op, &self.config.profile);
        }
    }

    /// The visitor's own answers (the form, `tailor.set`) change what they should see now, not
    /// only from the next page: decide again for this page view. Rules already exposed on it are
    /// not exposed again.
    fn redecide(&mut self) {
        if self.rules.rules.is_empty() {
            return;
        }
        self.decide_and_show();
    }

    /// Decides for the current attributes, shows the winners (unless this page view does not
    /// apply) and records one exposure for each decision not exposed on this view yet (a rule
    /// that only hands data to its slot waits for `slotShown`). Returns the report for the
    /// loader.
    fn decide_and_show(&mut self) -> Value {
        let apply = self.applying;
        let attributes = self.attributes();
        let profile = self.live.profile();
        let exposures = |rule: &str, today: i64| profile.exposure_counts(rule, today);
        self.decided = self.rules.decide(&DecideInput {
            attributes: &attributes,
            visitor_id: &profile.id,
            now: self.ctx.now,
            today: self.ctx.day_number(),
            url: &self.ctx.url,
            exposures: &exposures,
        });
        let shown = self
            .decided
            .decisions
            .iter()
            .filter(|d| !d.holdout || self.preview.is_some())
            .map(|d| (d.rule_id.clone(), d.actions.clone()))
            .collect();
        self.applier.set(if apply { shown } else { Vec::new() });
        let applied = self.applier.apply();

        let mut matched = Vec::new();
        let mut holdout = Vec::new();
        let mut exposed = Vec::new();
        for d in &self.decided.decisions {
            let list = if d.holdout {
                &mut holdout
            } else {
                &mut matched
            };
            list.push(Value::from(d.rule_id.as_str()));
            if apply && !d.exposed_when_shown && !self.exposed.contains(&d.rule_id) {
                exposed.push((d.rule_id.clone(), d.holdout, d.slot.clone()));
            }
        }
        for (rule, is_holdout, slot) in exposed {
            self.expose(rule, is_holdout, slot);
        }
        let reports = self.decided.reports.iter().map(report_value).collect();
        self.emit(
            "tailor:decided",
            Value::Object(vec![("rules".into(), Value::Array(reports))]),
        );
        let report = Value::Object(vec![
            (
                "visits".into(),
                attributes.get("visits").cloned().unwrap_or_default(),
            ),
            (
                "pageViews".into(),
                attributes.get("pageViews").cloned().unwrap_or_default(),
            ),
            ("persisted".into(), Value::Bool(self.persisted())),
            ("matched".into(), Value::Array(matched)),
            ("holdout".into(), Value::Array(holdout)),
            ("applied".into(), Value::Number(applied as f64)),
        ]);
        if apply {
            self.emit("tailor:applied", report.clone());
        }
        report
    }

    /// Records one exposure of `rule` on this page view; holdout visitors are exposed too, as
    /// control: that is what lift is measured against.
    fn expose(&mut self, rule: String, is_holdout: bool, slot: Option<String>) {
        if self.preview.is_some() {
            return; // a preview counts no exposure
        }
        let op = profile::Op::exposure(&rule, &self.ctx);
        self.live.record(op, &self.config.profile);
        self.enqueue(|id, at| sync::exposure(id, at, &rule, is_holdout));
        let variant = if is_holdout { "holdout" } else { "exposed" };
        self.exposed.push(rule.clone());
        let mut detail = vec![
            ("rule".into(), rule.into()),
            ("variant".into(), variant.into()),
        ];
        if let Some(slot) = slot {
            detail.push(("slot".into(), slot.into()));
        }
        self.emit("tailor:exposure", Value::Object(detail));
    }

    /// Whether events may be queued for the server now.
    fn sync_on(&self) -> bool {
        self.config.sync.enabled() && self.consent.may_sync() && self.preview.is_none()
    }

    /// A preview's place replaces the page's location hint (so season and hemisphere follow it).
    fn preview_context(&mut self) {
        if let Some(hint) = self.preview.as_ref().and_then(|p| p.geo_hint.clone()) {
            self.ctx.geo_hint = Some(hint);
        }
    }

    /// Queues one wire event (built by `make` from a fresh id and the time), when sync is on.
    fn enqueue(&mut self, make: impl FnOnce(String, f64) -> Value) {
        if !self.sync_on() {
            return;
        }
        let now = js_sys::Date::now();
        let event = make(profile::new_id(&mut CryptoRandom), now);
        self.outbox.push(event, now, &self.config.sync);
        self.persist_outbox();
    }

    /// Keeps the outbox across pages (and offline periods) when the visitor allows storage.
    fn persist_outbox(&mut self) {
        if !self.consent.may_store() {
            return;
        }
        if self.outbox.is_empty() && self.outbox.dropped() == 0 {
            self.store.remove(OUTBOX_KEY);
        } else if let Some(text) = stringify(&self.outbox.encode()) {
            self.store.set(OUTBOX_KEY, &text);
        }
    }

    /// The pending erase requests are the visitor's own request: kept whatever the consent.
    fn persist_erase_queue(&mut self) {
        if self.erase_queue.is_empty() {
            self.store.remove(ERASE_KEY);
            return;
        }
        let ids = self
            .erase_queue
            .iter()
            .map(|id| Value::from(id.as_str()))
            .collect();
        if let Some(text) = stringify(&Value::Array(ids)) {
            self.store.set(ERASE_KEY, &text);
        }
    }

    fn attributes(&self) -> Value {
        let mut attributes =
            profile::attributes(self.live.profile(), &self.ctx, &self.config.profile);
        if let Some(preview) = &self.preview {
            preview.overlay(&mut attributes);
        }
        attributes
    }

    fn persisted(&self) -> bool {
        self.consent.may_store() && self.store.is_persistent()
    }

    /// Writes this tab's pending ops onto what is stored now (so another tab's writes survive).
    /// Without consent to store, nothing is written: the profile lives in memory only.
    fn save(&mut self) {
        if !self.consent.may_store() || self.live.pending().is_empty() {
            return;
        }
        let text_now = self.store.get(PROFILE_KEY);
        let save = if text_now == self.last_text {
            self.live.save_in_place(js_sys::Date::now())
        } else {
            // Another tab wrote since: replay this tab's ops onto what it wrote.
            let stored = text_now.as_deref().map(parse_json);
            self.live.prepare_save(
                stored.as_ref(),
                &self.config.profile,
                js_sys::Date::now(),
                &mut CryptoRandom,
            )
        };
        if let Some(reason) = save.status.warning() {
            warn(
                &[
                    "Tailor: the stored profile was discarded (",
                    reason,
                    "); starting fresh",
                ]
                .concat(),
            );
        }
        let Some(text) = stringify(&save.value) else {
            return;
        };
        self.store.set(PROFILE_KEY, &text);
        self.last_text = Some(text);
        self.live.saved(save, &self.config.profile);
        self.warn_storage();
    }

    fn carry_out(&mut self, effects: Effects) {
        let visitor = self.live.profile().id.clone();
        if effects.clear_outbox {
            self.outbox.clear();
            self.store.remove(OUTBOX_KEY);
        }
        if effects.request_server_erase && self.config.sync.enabled() {
            if visitor_id::is_visitor_id(&visitor) && !self.erase_queue.contains(&visitor) {
                self.erase_queue.push(visitor);
                let excess = self.erase_queue.len().saturating_sub(sync::MAX_ERASE_QUEUE);
                self.erase_queue.drain(..excess);
            }
            self.persist_erase_queue();
        }
        if effects.erase_profile {
            self.store.remove(PROFILE_KEY);
            // The loader's rules cache was written only because storing was allowed.
            self.store.remove(RULES_CACHE_KEY);
            self.last_text = None;
            self.live.forget(js_sys::Date::now(), &mut CryptoRandom);
        }
        if let Some(record) = &effects.write_record {
            if let Some(text) = stringify(record) {
                self.store.set(CONSENT_KEY, &text);
            }
        }
        if effects.write_profile {
            self.save();
        }
        self.warn_storage();
    }

    fn consent_value(&self) -> Value {
        let mode = match self.consent.mode {
            crate::consent::ConsentMode::Implied => "implied",
            crate::consent::ConsentMode::Required => "required",
        };
        let mut state = vec![
            ("mode".into(), mode.into()),
            ("gpc".into(), Value::Bool(self.consent.gpc)),
            // In preview nothing may be stored (the loader's rules cache asks here too).
            (
                "personalization".into(),
                Value::Bool(self.consent.may_store() && self.preview.is_none()),
            ),
            ("sync".into(), Value::Bool(self.consent.may_sync())),
        ];
        if let Some(source) = self.config.consent_source {
            state.push(("source".into(), source.as_str().into()));
        }
        Value::Object(state)
    }

    fn emit(&mut self, kind: &str, detail: Value) {
        self.events.push(Value::Object(vec![
            ("type".into(), kind.into()),
            ("detail".into(), detail),
        ]));
    }

    /// One console warning when storage fails, however often it fails after.
    fn warn_storage(&mut self) {
        if self.storage_warned {
            return;
        }
        if let Some(failure) = self.store.failure() {
            self.storage_warned = true;
            warn(&["Tailor: ", failure.message()].concat());
        }
    }
}

/// Reads and parses a stored JSON record with the browser's own `JSON.parse`. Text that is not
/// JSON is reported once as the reason for starting fresh, like any other corrupt record.
fn read_json<S: KeyValueStore>(store: &mut FallbackStore<S>, key: &str) -> Option<Value> {
    store.get(key).as_deref().map(parse_json)
}

/// Stored text that is not JSON becomes a string value, which the decoders discard as corrupt
/// (with their one warning).
fn parse_json(text: &str) -> Value {
    js_json::parse_text(text).unwrap_or_else(|| Value::String(text.to_owned()))
}

fn report_value(r: &crate::rules::RuleReport) -> Value {
    Value::Object(vec![
        ("rule".into(), r.rule_id.as_str().into()),
        ("outcome".into(), r.outcome.as_str().into()),
        ("reason".into(), r.reason.as_str().into()),
    ])
}

fn stringify(value: &Value) -> Option<String> {
    Some(js_json::to_text(value))
}

fn warn(message: &str) {
    web_sys::console::warn_1(&message.into());
}
